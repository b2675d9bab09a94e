"""The signed webhook per carrier: recorded payloads end as UPU events on the parcel, through
the same set-wise ingestion as the carriers' API; duplicates record nothing; disorder is the
life cycle's; unknown statuses are kept, never dropped."""

from __future__ import annotations

import json
import time

import pytest

from caravana.carrier_events.models import HeldCarrierEvent
from caravana.tracking import queries
from caravana.tracking.models import TrackingEvent
from tests.carrier_events.conftest import recorded

pytestmark = pytest.mark.django_db


def test_99minutos_delivery_recorded_as_upu_events(carrier_parcel, poster):
    parcel = carrier_parcel("mx-99minutos", "2139671481")
    hook = poster("mx-99minutos", "99minutos")
    r = hook.post(recorded("minutos99_webhook.json", number="2139671481"))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["received"] == 9 and body["created"] == 9 and body["held"] == 0
    assert body["delivered"] == [parcel.s10]
    events = TrackingEvent.objects.filter(parcel=parcel, source="carrier:mx-99minutos")
    assert sorted(e.code for e in events if e.code) == ["EDD", "EDD", "EDG", "EMI"]
    steps = [e for e in events if not e.code]
    assert len(steps) == 5 and {e.status for e in steps} == {"in_transit"}
    assert {e.details["carrier_status"] for e in events} >= {"1002", "4002"}
    view = queries.tracking_view(parcel.s10)
    assert view.status == "delivered"


def test_a_repeated_delivery_records_nothing_new(carrier_parcel, poster):
    carrier_parcel("mx-99minutos", "2139671481")
    hook = poster("mx-99minutos", "99minutos")
    payload = recorded("minutos99_webhook.json", number="2139671481")
    assert hook.post(payload).json()["created"] == 9
    again = hook.post(payload).json()
    assert again["created"] == 0 and again["duplicates"] == 9 and again["delivered"] == []
    assert TrackingEvent.objects.filter(source="carrier:mx-99minutos").count() == 9
    # A later notification repeats the earlier events (the document's shape): none is new.
    payload["Events"] = payload["Events"][:8]
    assert hook.post(payload).json()["created"] == 0


def test_out_of_order_delivered_stays_delivered(carrier_parcel, poster):
    parcel = carrier_parcel("mx-99minutos", "2139671481")
    hook = poster("mx-99minutos", "99minutos")
    full = recorded("minutos99_webhook.json", number="2139671481")
    last, rest = full["Events"][-1:], full["Events"][:-1]
    assert hook.post({**full, "Events": last}).json()["delivered"] == [parcel.s10]
    later = {**full, "Events": rest}
    # Scans stamped before the delivery but arriving after it: the parcel stays delivered.
    assert hook.post(later).json()["created"] == 8
    assert queries.tracking_view(parcel.s10).status == "delivered"


def test_unknown_status_is_kept_and_the_rest_recorded(carrier_parcel, poster, client):
    parcel = carrier_parcel("mx-99minutos", "2139671481")
    hook = poster("mx-99minutos", "99minutos")
    r = hook.post(recorded("minutos99_unknown.json", number="2139671481")).json()
    assert r["created"] == 1 and r["held"] == 1
    emh = TrackingEvent.objects.get(parcel=parcel, code="EMH")
    assert emh.status == "delivery_failed"
    assert emh.details["reason"] == "Cliente ausente" and emh.details["reason_code"] == "other"
    held = HeldCarrierEvent.objects.get()
    assert (held.status, held.problem, held.parcel_id) == ("9999", "unknown_status", parcel.pk)
    assert held.payload["StatusName"] == "someNewStatus"  # the raw event, as received
    # Sent again: still one row.
    hook.post(recorded("minutos99_unknown.json", number="2139671481"))
    assert HeldCarrierEvent.objects.count() == 1


def test_unknown_number_is_kept(poster, network):
    hook = poster("mx-99minutos", "99minutos")
    r = hook.post(recorded("minutos99_webhook.json", number="NOT-OURS-1")).json()
    assert r["created"] == 0 and r["held"] == 9
    assert set(HeldCarrierEvent.objects.values_list("problem", flat=True)) == {"unknown_parcel"}


def test_another_carriers_parcel_is_not_found(carrier_parcel, poster):
    parcel = carrier_parcel("br-correios")
    hook = poster("mx-99minutos", "99minutos")
    r = hook.post(recorded("minutos99_webhook.json", number=parcel.s10)).json()
    assert r["created"] == 0 and r["held"] == 9
    assert not TrackingEvent.objects.filter(parcel=parcel, source="carrier:mx-99minutos").exists()


def test_correios_by_s10_and_a_list_of_payloads(carrier_parcel, poster):
    a, b = carrier_parcel("br-correios"), carrier_parcel("br-correios")
    hook = poster("br-correios", "correios")
    body = [recorded("correios_sro.json", s10=a.s10), recorded("correios_sro.json", s10=b.s10)]
    r = hook.post(body).json()
    assert r["received"] == 8 and r["created"] == 6 and r["held"] == 2
    assert sorted(r["delivered"]) == sorted([a.s10, b.s10])
    assert set(HeldCarrierEvent.objects.values_list("status", flat=True)) == {"BDE/02"}


@pytest.mark.parametrize(
    "kind", ["unsigned", "wrong secret", "tampered", "stale", "wrong carrier's secret"]
)
def test_bad_signatures_write_nothing(carrier_parcel, poster, feed, kind):
    carrier_parcel("mx-99minutos", "2139671481")
    hook = poster("mx-99minutos", "99minutos")
    payload = recorded("minutos99_webhook.json", number="2139671481")
    body = json.dumps(payload).encode()
    if kind == "unsigned":
        r = hook.client.post("/api/v1/carriers/mx-99minutos/events", body,
                             content_type="application/json")  # fmt: skip
    elif kind == "wrong secret":
        r = hook.post(body, secret="whsec_" + "A" * 43 + "=")
    elif kind == "tampered":
        signed = __import__("caravana.webhook_signing", fromlist=["sign"]).sign(
            hook.feed.webhook_secret, body
        )
        r = hook.client.post("/api/v1/carriers/mx-99minutos/events", body.replace(b"4002", b"4001"),
                             content_type="application/json", headers=signed)  # fmt: skip
    elif kind == "stale":
        r = hook.post(body, timestamp=int(time.time()) - 3600)
    else:
        other = feed("br-correios", "correios")
        r = hook.post(body, secret=other.webhook_secret)
    assert r.status_code == 401, r.content
    assert r.json()["code"] == "invalid_signature"
    assert not TrackingEvent.objects.filter(source="carrier:mx-99minutos").exists()
    assert not HeldCarrierEvent.objects.exists()


def test_malformed_payload_names_the_field(carrier_parcel, poster):
    carrier_parcel("mx-99minutos", "2139671481")
    hook = poster("mx-99minutos", "99minutos")
    payload = recorded("minutos99_webhook.json", number="2139671481")
    del payload["Events"][4]["StatusCode"]
    r = hook.post(payload)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "Events", 4, "StatusCode"]
    assert r.json()["detail"][0]["code"] == "invalid_payload"
    r = hook.post(b"{not json")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body"]
    r = hook.post([payload, payload])
    assert r.json()["detail"][0]["loc"] == ["body", 0, "Events", 4, "StatusCode"]
    assert not TrackingEvent.objects.filter(source="carrier:mx-99minutos").exists()


def test_unknown_carrier_or_no_feed(network, client):
    for code in ("nope", "ar-oca"):
        r = client.post(f"/api/v1/carriers/{code}/events", b"{}", content_type="application/json")
        assert r.status_code == 404


def test_bad_time_is_kept(carrier_parcel, poster):
    parcel = carrier_parcel("mx-99minutos", "2139671481")
    hook = poster("mx-99minutos", "99minutos")
    payload = recorded("minutos99_webhook.json", number="2139671481")
    payload["Events"] = payload["Events"][-1:]
    payload["Events"][0]["CreatedAt"] = "2999-01-01 00:00:00"
    r = hook.post(payload).json()
    assert r["held"] == 1 and r["created"] == 0
    assert HeldCarrierEvent.objects.get().problem == "bad_time"
    assert not TrackingEvent.objects.filter(parcel=parcel, code="EMI").exists()


def test_webhook_has_its_own_rate(carrier_parcel, poster, settings):
    from django.core.cache import cache

    cache.clear()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "carrier_webhook": "2/min", "api_anon": "1/min"}
    carrier_parcel("mx-99minutos", "2139671481")
    hook = poster("mx-99minutos", "99minutos")
    payload = recorded("minutos99_webhook.json", number="2139671481")
    assert [hook.post(payload).status_code for _ in range(3)] == [200, 200, 429]


# -- HTTP Basic credentials (Loggi) -----------------------------------------------------------


def basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def loggi_post(client, payload, authorization: str | None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.post(
        "/api/v1/carriers/br-loggi/events",
        json.dumps(payload),
        content_type="application/json",
        headers=headers,
    )


def test_loggi_delivers_with_basic_credentials(carrier_parcel, feed, client):
    from caravana.carrier_events import services

    parcel = carrier_parcel("br-loggi", "SH1007503594LG")
    loggi = feed("br-loggi", "loggi")
    password = services.set_basic_credentials(loggi, "loggi-webhook")
    loggi.refresh_from_db()
    assert loggi.webhook_auth == "basic" and password not in loggi.basic_password_digest
    assert len(loggi.basic_password_digest) == 64  # its SHA-256, never the password
    payload = recorded("loggi_webhook.json", number="SH1007503594LG")
    r = loggi_post(client, payload, basic("loggi-webhook", password))
    assert r.status_code == 200, r.content
    assert r.json()["delivered"] == [parcel.s10]


@pytest.mark.parametrize(
    "authorization, code, words",
    [
        (None, "missing_credentials", "credentials missing"),
        ("Bearer abc", "missing_credentials", "credentials missing"),
        ("Basic !!!not-base64", "invalid_credentials", "unreadable"),
        ("Basic " + __import__("base64").b64encode(b"no-colon").decode(), "invalid_credentials",
         "unreadable"),
        ("wrong-password", "invalid_credentials", "wrong"),
        ("wrong-user", "invalid_credentials", "wrong"),
    ],
)  # fmt: skip
def test_wrong_basic_credentials_are_refused_naming_the_problem(
    carrier_parcel, feed, client, authorization, code, words
):
    from caravana.carrier_events import services

    carrier_parcel("br-loggi", "SH1007503594LG")
    password = services.set_basic_credentials(feed("br-loggi", "loggi"), "loggi-webhook")
    if authorization == "wrong-password":
        authorization = basic("loggi-webhook", password + "x")
    elif authorization == "wrong-user":
        authorization = basic("loggi", password)
    before = TrackingEvent.objects.count()
    r = loggi_post(client, recorded("loggi_webhook.json", number="SH1007503594LG"), authorization)
    assert r.status_code == 401
    assert r.json()["code"] == code and words in r.json()["detail"]
    assert r["WWW-Authenticate"].startswith("Basic realm=")
    assert TrackingEvent.objects.count() == before


def test_a_basic_feed_refuses_a_signature_and_a_signed_feed_refuses_basic(
    carrier_parcel, feed, client, poster
):
    from caravana.carrier_events import services

    carrier_parcel("br-loggi", "SH1007503594LG")
    loggi = feed("br-loggi", "loggi")
    payload = recorded("loggi_webhook.json", number="SH1007503594LG")
    # Signature feed (the default): Basic credentials are no signature.
    r = loggi_post(client, payload, basic("br-loggi", "anything"))
    assert r.status_code == 401 and r.json()["code"] == "invalid_signature"
    assert "WWW-Authenticate" not in r
    # Basic feed without a password yet, then one: the signature alone is refused.
    loggi.webhook_auth = "basic"
    loggi.save()
    r = loggi_post(client, payload, basic("br-loggi", "anything"))
    assert r.status_code == 401 and "No HTTP Basic credentials" in r.json()["detail"]
    services.set_basic_credentials(loggi)
    from tests.carrier_events.conftest import Poster

    r = Poster(loggi).post(payload)
    assert r.status_code == 401 and r.json()["code"] == "missing_credentials"


def test_the_back_office_makes_a_basic_password_shown_once(feed, client):
    from caravana.accounts.models import Role
    from tests import factories as f

    loggi = feed("br-loggi", "loggi")
    client.force_login(f.user(Role.OPERATOR, is_staff=True, is_superuser=True))
    r = client.post(
        "/admin/carrier_events/carrierfeed/",
        {"action": "new_basic_password", "_selected_action": [loggi.pk]},
        follow=True,
    )
    assert r.status_code == 200
    loggi.refresh_from_db()
    assert loggi.webhook_auth == "basic" and loggi.basic_user == "br-loggi"
    shown = [str(m) for m in r.context["messages"]]
    assert len(shown) == 1 and "br-loggi" in shown[0]
    password = shown[0].split("password ")[1].split(" ")[0]
    from caravana.carrier_events import webhook_auth

    assert webhook_auth.digest(password) == loggi.basic_password_digest
