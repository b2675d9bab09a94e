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
