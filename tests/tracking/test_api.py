"""POST /api/v1/tracking/events (carriers) and GET /api/v1/tracking/{identifier} (public)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.accounts.services import create_token
from caravana.tracking import queries
from caravana.tracking.models import TrackingEvent
from tests import factories as f
from tests.tracking.conftest import ev

pytestmark = pytest.mark.django_db


def soon(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def snapshot():
    return list(TrackingEvent.objects.order_by("pk").values())


def rejected(api, events):
    """Post a bad batch: 422, nothing written; returns {(index, field): message}."""
    before = snapshot()
    response = api.post(events)
    assert response.status_code == 422, response.content
    assert snapshot() == before
    out = {}
    for d in response.json()["detail"]:
        loc = d["loc"]
        out[tuple(loc[2:4]) if len(loc) > 3 else tuple(loc[1:])] = d["msg"]
    return out


def test_carrier_posts_a_batch_and_a_repeat_changes_nothing(make_parcel, carrier_api):
    parcel = make_parcel()
    api = carrier_api()
    batch = [ev(parcel, "EDB", soon(1)), ev(parcel, "EMF", soon(2)), ev(parcel, "EDG", soon(3))]
    first = api.post(batch)
    assert first.status_code == 200, first.content
    assert first.json() == {
        "received": 3, "created": 3, "duplicates": 0, "status_changes": 1, "delivered": []
    }  # fmt: skip
    again = api.post(list(reversed(batch)))
    assert again.json()["created"] == 0 and again.json()["duplicates"] == 3
    assert TrackingEvent.objects.filter(source="carrier:br-correios").count() == 3
    view = queries.tracking_view(parcel.s10)
    assert (view.status, view.code) == ("out_for_delivery", "EDG")
    # The carrier's zone is the gateway's unless it says otherwise.
    assert set(TrackingEvent.objects.filter(code="EDG").values_list("tz", "carrier__code")) == {
        ("America/Sao_Paulo", "br-correios")
    }


def test_a_carrier_cannot_post_for_another_carriers_parcel(make_parcel, carrier_api):
    ours = make_parcel()  # BR standard: Correios
    theirs = make_parcel(service_level="premium")  # BR premium: Loggi
    errors = rejected(
        carrier_api("br-correios"), [ev(ours, "EDB", soon(1)), ev(theirs, "EDB", soon(1))]
    )
    assert list(errors) == [(1, "identifier")]
    assert "Correios" in errors[(1, "identifier")]
    assert carrier_api("br-loggi").post([ev(theirs, "EDB", soon(1))]).status_code == 200


def test_bad_batches_name_index_and_field_and_write_nothing(make_parcel, carrier_api):
    parcel = make_parcel()
    api = carrier_api()
    good = ev(parcel, "EDB", soon(1))
    wrong_digit = parcel.s10[:10] + str((int(parcel.s10[10]) + 1) % 10) + parcel.s10[11:]
    batch = [
        good,
        {**ev(parcel, "EDB", soon(1)), "identifier": "HC000000005CN"},  # valid, unknown
        {**ev(parcel, "EDB", soon(1)), "identifier": wrong_digit},
        ev(parcel, "ZZZ", soon(1)),
        ev(parcel, "EMF", soon(60 * 24)),  # a day ahead
        ev(parcel, "EME", soon(1)),  # a customs hold without its reason
        ev(parcel, "EDB", soon(1), timezone="Mars/Olympus"),
        {**ev(parcel, "EDB", soon(1)), "occurred_at": "2026-11-20T10:00:00"},  # naive
    ]
    errors = rejected(api, batch)
    assert set(errors) == {
        (1, "identifier"), (2, "identifier"), (3, "code"), (4, "occurred_at"), (5, "reason"),
        (6, "timezone"), (7, "occurred_at"),
    }  # fmt: skip
    assert "check digit" in errors[(2, "identifier")]
    assert "future" in errors[(4, "occurred_at")]
    # A carrier's client switches on each error's code, never on its text. An unknown parcel
    # and another carrier's are one code: a carrier learns nothing of parcels not its own.
    codes = {tuple(d["loc"][2:4]): d["code"] for d in api.post(batch).json()["detail"]}
    assert codes == {
        (1, "identifier"): "other_carriers_parcel", (2, "identifier"): "invalid_s10",
        (3, "code"): "unknown_event_code", (4, "occurred_at"): "invalid_time",
        (5, "reason"): "reason_required", (6, "timezone"): "invalid_timezone",
        (7, "occurred_at"): "invalid_time",
    }  # fmt: skip


def test_more_than_1000_events_or_none_is_refused(make_parcel, carrier_api):
    parcel = make_parcel()
    api = carrier_api()
    errors = rejected(api, [ev(parcel, "EDD", soon(1), event_id=f"e{i}") for i in range(1001)])
    assert list(errors) == [("events",)] and "1,000" in errors[("events",)]
    assert rejected(api, []) == {("events",): "Send at least one event."}
    missing = rejected(api, [{"identifier": parcel.s10, "code": "EDB"}])  # schema errors
    assert missing


def test_only_carrier_tokens_post_events(make_parcel):
    user = f.user(Role.MERCHANT)
    _t, secret = create_token(user, "not a carrier")
    client = Client()
    body = {"events": [ev(make_parcel(), "EDB", soon(1))]}
    anon = client.post("/api/v1/tracking/events", body, content_type="application/json")
    assert anon.status_code == 401
    other = client.post(
        "/api/v1/tracking/events", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )  # fmt: skip
    assert other.status_code == 403
    assert TrackingEvent.objects.filter(source__startswith="carrier").count() == 0


def test_public_lookup(make_parcel, carrier_api):
    parcel = make_parcel()
    carrier_api().post([ev(parcel, "EME", soon(1), reason="Missing invoice")])
    client = Client()
    with CaptureQueriesContext(connection) as q:
        body = client.get(f"/api/v1/tracking/{parcel.s10}").json()
    assert len(q) <= 2  # the parcel with its network rows and status; its events
    assert body["identifier"] == parcel.s10
    assert (body["status"], body["code"]) == ("on_hold", "EME")
    assert body["destination"] == {"city": "São Paulo", "country": "BR", "gateway": "GRU"}
    assert [e["code"] for e in body["events"]] == ["EME", None]  # label created, not yet EMA
    assert body["events"][0]["reason"] == "Missing invoice"
    assert body["events"][1]["location"]["timezone"] == "Asia/Shanghai"
    assert body["events"][1]["local_time"].endswith("+08:00")
    created = parcel.created_at.astimezone(dt.timezone(dt.timedelta(hours=-3))).date()
    assert body["promised_date"] == str(created + dt.timedelta(days=18))
    assert body["estimated_delivery"] >= str(timezone.now().date())
    assert "recipient_name" not in body and "Ana" not in str(body)

    wrong = parcel.s10[:10] + str((int(parcel.s10[10]) + 1) % 10) + parcel.s10[11:]
    assert client.get(f"/api/v1/tracking/{wrong}").status_code == 422
    assert client.get("/api/v1/tracking/HC000000005CN").status_code == 404


def test_lookup_answers_from_the_database_every_time(make_parcel, carrier_api):
    """Nothing about a parcel is cached: an event shows on the very next lookup, page and API,
    and a parcel without any event still answers (pending, empty timeline)."""
    parcel = make_parcel()
    client = Client()
    first = client.get(f"/api/v1/tracking/{parcel.s10}").json()
    assert [e["code"] for e in first["events"]] == [None]  # label created
    client.get(f"/track/{parcel.s10}/")
    carrier_api().post([ev(parcel, "EME", soon(1), reason="Missing invoice")])
    second = client.get(f"/api/v1/tracking/{parcel.s10}").json()
    assert (second["status"], [e["code"] for e in second["events"]]) == ("on_hold", ["EME", None])
    assert 'data-code="EME"' in client.get(f"/track/{parcel.s10}/").content.decode()

    TrackingEvent.objects.filter(parcel=parcel).delete()
    bare = client.get(f"/api/v1/tracking/{parcel.s10}").json()
    assert (bare["status"], bare["code"], bare["events"]) == ("pending", None, [])
    assert bare["last_event_at"] is None and bare["promised_date"]
    page = client.get(f"/track/{parcel.s10}/")
    assert page.status_code == 200 and b"data-timeline" not in page.content
