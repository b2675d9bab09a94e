"""Buyer e-mails on key events and signed merchant webhooks on status changes, delivered by a
Celery task (eager here) to a real HTTP server on loopback that fails the first times."""

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from caravana import webhook_signing
from caravana.tracking import batch, recording, webhooks
from caravana.tracking.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_0123456789"


class Receiver:
    """A merchant's endpoint: answers 500 to the first `fail` requests, then 204."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.requests: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                self.send_response(500 if len(outer.requests) <= outer.fail else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/caravana"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def event(parcel, code, minutes, **extra):
    return batch.EventIn(
        parcel_id=parcel.pk,
        identifier=parcel.s10,
        source="carrier:br-correios",
        event_id=f"{parcel.pk}-{code}-{minutes}",
        code=code,
        occurred_at=timezone.now() + dt.timedelta(minutes=minutes),
        tz="America/Sao_Paulo",
        location_name="CDD Pinheiros",
        **extra,
    )


def test_buyer_gets_an_email_on_key_events_only(make_parcel, django_capture_on_commit_callbacks):
    parcel = make_parcel()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        recording.record_batch([event(parcel, "EDB", 1)])  # not a key event
        recording.record_batch([event(parcel, "EDG", 2)])
        recording.record_batch([event(parcel, "EDD", 0)])  # older than the current: no news
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == ["ana@example.com.br"] and parcel.s10 in msg.subject
    assert msg.extra_headers["Content-Language"] == "pt-br"  # Brazil reads Portuguese
    assert f"/track/{parcel.s10}/" in msg.body and "CDD Pinheiros" in msg.body


@pytest.mark.parametrize("shape", ["rows", "dicts"])
def test_the_task_reads_changes_as_a_broker_carries_them(make_parcel, shape):
    """Through a broker the changes arrive as JSON: arrays now, objects in messages queued by
    an older release; a worker reads both."""
    from caravana.tracking import tasks

    parcel = make_parcel()
    changes = recording.record_batch([event(parcel, "EDG", 2)]).changes
    wire = [c._asdict() if shape == "dicts" else c for c in changes]
    mail.outbox.clear()
    assert tasks.notify_changes(json.loads(json.dumps(wire))) == {"emails": 1, "webhooks": 0}
    assert parcel.s10 in mail.outbox[0].subject


def test_signed_webhook_is_retried_with_backoff_until_it_lands(
    make_parcel, merchant, settings, django_capture_on_commit_callbacks
):
    settings.TRACKING_WEBHOOK_BACKOFF_BASE = 30
    parcel = make_parcel()
    with Receiver(fail=2) as receiver:
        WebhookEndpoint.objects.create(merchant=merchant, url=receiver.url, secret=SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            recording.record_batch([event(parcel, "EDG", 1)])
            recording.record_batch([event(parcel, "EDD", 0)])  # older than the current: no change
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 204)
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.status_code, a.retry_in_s) for a in attempts] == [(500, 30), (500, 60), (204, None)]
    # Every try carries the same delivery id and a valid signature over "id.timestamp.body",
    # which the standardwebhooks library accepts; the older headers go out beside them.
    assert len(receiver.requests) == 3
    for name in (webhook_signing.ID_HEADER, webhooks.LEGACY_DELIVERY_HEADER):
        assert {h[name] for h, _b in receiver.requests} == {str(delivery.uuid)}
    headers, body = receiver.requests[-1]
    assert Webhook(SECRET).verify(body, headers)["type"] == "parcel.status_changed"
    assert webhook_signing.verify(SECRET, body, headers) == str(delivery.uuid)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook_signing.new_secret()).verify(body, headers)
    with pytest.raises(webhook_signing.SignatureError):
        webhook_signing.verify(SECRET, body + b" ", headers)
    stamp = headers[webhook_signing.TIMESTAMP_HEADER]
    legacy = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers[webhooks.LEGACY_HEADER] == f"t={stamp},v1={legacy}"
    payload = json.loads(body)
    assert payload["type"] == "parcel.status_changed"
    assert payload["data"]["identifier"] == parcel.s10
    assert (payload["data"]["status"], payload["data"]["code"]) == ("out_for_delivery", "EDG")


def test_a_status_change_reaches_every_endpoint_and_gives_up_after_max_retries(
    make_parcel, merchant, settings, django_capture_on_commit_callbacks
):
    settings.TRACKING_WEBHOOK_MAX_RETRIES = 2
    parcel = make_parcel()
    with Receiver(fail=99) as down, Receiver(fail=0) as up:
        WebhookEndpoint.objects.create(merchant=merchant, url=down.url, secret=SECRET)
        WebhookEndpoint.objects.create(merchant=merchant, url=up.url, secret=SECRET)
        WebhookEndpoint.objects.create(merchant=merchant, url=up.url, secret="x", active=False)
        with django_capture_on_commit_callbacks(execute=True):
            recording.record_batch([event(parcel, "EME", 1, details={"reason": "ICMS"})])
    states = dict(WebhookDelivery.objects.values_list("endpoint__url", "state"))
    assert states == {down.url: "failed", up.url: "delivered"}
    assert len(down.requests) == 3 and len(up.requests) == 1
    failed = WebhookDelivery.objects.get(endpoint__url=down.url)
    assert [a.retry_in_s for a in failed.attempt_log.order_by("number")] == [30, 60, None]


def test_the_older_headers_stop_when_the_setting_is_off(settings):
    settings.TRACKING_WEBHOOK_LEGACY_SIGNATURE = False
    headers = webhooks.headers(SECRET, b'{"a":1}', "d-1", timestamp=1_000_000)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    settings.TRACKING_WEBHOOK_LEGACY_SIGNATURE = True
    again = webhooks.headers(SECRET, b'{"a":1}', "d-1", timestamp=1_000_000)
    assert again[webhook_signing.SIGNATURE_HEADER] == headers[webhook_signing.SIGNATURE_HEADER]
    assert set(again) - set(headers) == {webhooks.LEGACY_HEADER, webhooks.LEGACY_DELIVERY_HEADER}


def test_merchants_hear_the_life_cycle_not_every_later_scan(
    make_parcel, merchant, django_capture_on_commit_callbacks
):
    """Webhooks carry the life cycle's changes (tracking.lifecycle): delivered, then nothing
    for a scan stamped after it, then returning to sender, then seized for the EDX decision."""
    parcel = make_parcel()
    with Receiver(fail=0) as receiver:
        WebhookEndpoint.objects.create(merchant=merchant, url=receiver.url, secret=SECRET)
        with django_capture_on_commit_callbacks(execute=True):
            recording.record_batch([event(parcel, "EMI", 1)])
            recording.record_batch([event(parcel, "EDD", 2)])  # after delivery: no change
            recording.record_batch([event(parcel, "EMH", 3, details={"action": "return"})])
            recording.record_batch([event(parcel, "EDX", 4, details={"decision": "seized"})])
    sent = [json.loads(body)["data"] for _h, body in receiver.requests]
    assert [(d["status"], d["code"]) for d in sent] == [
        ("delivered", "EMI"), ("return_to_sender", "EMH"), ("seized", "EDX")
    ]  # fmt: skip
    assert [d["previous_status"] for d in sent[1:]] == ["delivered", "return_to_sender"]
