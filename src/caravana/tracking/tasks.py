"""Background work after an event commits: buyer e-mails on key events and signed merchant
webhooks on status changes. Eager (in-process, after commit) without a broker; on workers with
one. Both are safe to run twice: a delivery row is sent until it succeeds or gives up."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import defaultdict

import httpx
from django.db import transaction
from django.utils import timezone

from caravana import outbound
from caravana.celery import app
from caravana.fulfillment.models import Parcel
from caravana.tracking import announce, follow_ups, notifications, webhooks
from caravana.tracking import events as events_module
from caravana.tracking.batch import Delivered, StatusChange
from caravana.tracking.models import (
    TrackingEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)


@app.task(ignore_result=True)
def after_batch(changes: list[list], delivered: list[list]) -> dict[str, int]:
    """A batch's follow-up sent as a message, as web processes did before the outbox
    (tracking.follow_ups): kept so that a worker upgraded first still works through their
    backlog."""
    return follow_up(changes, delivered)


def follow_up(changes: list[list], delivered: list[list]) -> dict[str, int]:
    """What follows a recorded batch: the buyers' e-mails and merchants' webhooks for its
    status changes (notify_changes), then its first deliveries to the apps that listen (orders
    confirms delivery: announce). Run by drain_follow_ups in the transaction that deletes the
    batch's FollowUp row; both halves tolerate a second run as notify_changes always has, and
    the listeners sweep for what they missed (orders' catch_up_deliveries)."""
    done = notify_changes(changes) if changes else {"emails": 0, "webhooks": 0}
    announce.publish_delivered([Delivered(*d) for d in delivered])
    return {**done, "delivered": len(delivered)}


@app.task(ignore_result=True)
def drain_follow_ups(pks: list[int] | None = None) -> int:
    """Do the recorded batches' follow-ups waiting in the outbox (tracking.follow_ups), or only
    those of `pks`: woken after batches commit, and swept by the beat."""
    return follow_ups.drain(follow_up, pks=pks)


@app.task(ignore_result=True)
def notify_changes(changes: list[list] | list[dict]) -> dict[str, int]:
    """For a batch of status changes (tracking.batch.StatusChange rows: parcel id, event pk, code,
    old status, new status; lists, which is how JSON carries them): e-mail the buyer when the
    new current event is a key event (unless the parcel's order announces it itself: see
    tracking.events.parcel_key_events), and queue a webhook per active endpoint of the merchant
    when the normalised status changed. A handful of queries per batch."""
    # Dicts are how messages queued before the rows were made compact carry them: a worker
    # upgraded first still reads a backlog left by the old web processes.
    changes = [c if isinstance(c, dict) else StatusChange(*c)._asdict() for c in changes]
    # Cheap first pass (a few columns per parcel): who has an e-mail, which order it names,
    # whose merchant listens.
    facts = {
        pk: (merchant_id, email, order_ref, s10)
        for pk, merchant_id, email, order_ref, s10 in Parcel.objects.filter(
            pk__in={c["parcel_id"] for c in changes}
        ).values_list("pk", "merchant_id", "recipient_email", "order_ref", "s10")
    }
    status_changes = [c for c in changes if c["old_status"] != c["new_status"]]
    merchants = {facts[c["parcel_id"]][0] for c in status_changes}
    endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    if merchants:
        for ep in WebhookEndpoint.objects.filter(merchant_id__in=merchants, active=True):
            endpoints[ep.merchant_id].append(ep)
    keyed = [c for c in changes if notifications.is_key(c["code"])]
    claimed = _offer_key_events([c for c in keyed if facts[c["parcel_id"]][2]], facts)
    keyed = [c for c in keyed if facts[c["parcel_id"]][1] and c["event_pk"] not in claimed]
    hooked = [c for c in status_changes if endpoints.get(facts[c["parcel_id"]][0])]
    if not keyed and not hooked:
        return {"emails": 0, "webhooks": 0}
    parcels = Parcel.objects.select_related("gateway", "carrier").in_bulk(
        {c["parcel_id"] for c in keyed + hooked}
    )
    events = TrackingEvent.objects.in_bulk({c["event_pk"] for c in keyed + hooked})

    sent = notifications.email_buyers(
        [(parcels[c["parcel_id"]], events[c["event_pk"]]) for c in keyed]
    )

    deliveries = []
    for c in hooked:
        parcel = parcels[c["parcel_id"]]
        for ep in endpoints.get(parcel.merchant_id, ()):
            body = notifications.webhook_body(parcel, events[c["event_pk"]], c["old_status"])
            deliveries.append(
                WebhookDelivery(
                    endpoint=ep,
                    event_id=c["event_pk"],
                    event_type="parcel.status_changed",
                    body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                )
            )
    WebhookDelivery.objects.bulk_create(deliveries)
    # Sent once the rows are committed (at once outside a transaction): a drain writes them
    # in the transaction that deletes its follow-up row.
    pks = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [deliver_webhook.delay(pk) for pk in pks])
    return {"emails": sent, "webhooks": len(deliveries)}


def _offer_key_events(changes: list[dict], facts: dict) -> set[int]:
    """Tell the listeners of parcel_key_events (orders) about key events of parcels that name
    an order; returns the event ids a listener announces itself (see tracking.events)."""
    if not changes or not events_module.parcel_key_events.has_listeners(TrackingEvent):
        return set()
    found = TrackingEvent.objects.in_bulk({c["event_pk"] for c in changes})
    offered = [
        events_module.KeyEvent(
            parcel_id=c["parcel_id"],
            identifier=facts[c["parcel_id"]][3],
            order_ref=facts[c["parcel_id"]][2],
            merchant_id=facts[c["parcel_id"]][0],
            code=c["code"],
            event_id=ev.pk,
            occurred_at=ev.occurred_at,
            location_name=ev.location_name,
            reason=str((ev.details or {}).get("reason") or ""),
            asks_buyer=bool((ev.details or {}).get("asks_buyer")),
        )
        for c in changes
        if (ev := found.get(c["event_pk"])) is not None
    ]
    claimed: set[int] = set()
    for receiver, response in events_module.parcel_key_events.send_robust(
        sender=TrackingEvent, events=offered
    ):
        if isinstance(response, Exception):
            logger.error("key-event listener %r failed", receiver, exc_info=response)
        elif response:
            claimed.update(response)
    return claimed


#: Months of event partitions kept ready ahead of the current one (PostgreSQL).
PARTITIONS_AHEAD = 3


@app.task(ignore_result=True)
def create_partitions() -> list[str]:
    """Beat task (daily): this month's and the next PARTITIONS_AHEAD months' event partitions,
    where missing, so that no event waits on the catch-all (docs/decisions/0008). A no-op on
    SQLite and when they exist."""
    from caravana.tracking import partitions

    return partitions.create_ahead(PARTITIONS_AHEAD)


@app.task(ignore_result=True)
def roll_up_carrier_days() -> dict[str, int]:
    """Beat task (hourly): the carrier performance counts of the recent closed days, again,
    of a few days of the last year never rolled (tracking.carrier_rollup.due_days) and of today
    up to the last whole hour, so the operators' page sums days and reads at most the last
    hour or so from the events. Safe to run twice: a day is replaced whole."""
    from caravana.tracking import carrier_rollup

    return carrier_rollup.roll_days(carrier_rollup.due_days(), today=True)


@app.task(bind=True, ignore_result=True)
def deliver_webhook(self, delivery_id: int) -> str:
    """POST one signed delivery; on failure record the attempt and retry with exponential
    backoff (webhooks.backoff) up to webhooks.max_retries() times, then mark it failed."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return delivery.state if delivery else "missing"
    endpoint = delivery.endpoint
    number = delivery.attempts + 1
    status_code, error = None, ""
    started = time.perf_counter()
    if not endpoint.active:
        error = "endpoint inactive"
    else:
        body = delivery.body.encode()
        try:
            response = outbound.post(
                endpoint.url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "Caravana-Webhooks/1",
                    **webhooks.headers(endpoint.secret, body, str(delivery.uuid)),
                },
                timeout=webhooks.timeout(),
            )
        except httpx.HTTPError as exc:  # refused target, timeout, connection error
            error = (str(exc) or type(exc).__name__)[:300]
        else:
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
    duration = int((time.perf_counter() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    retry_in = None
    if not ok and endpoint.active and number <= webhooks.max_retries():
        retry_in = webhooks.backoff(number)
    now = timezone.now()
    WebhookAttempt.objects.create(
        delivery=delivery, number=number, at=now, status_code=status_code, error=error,
        duration_ms=duration, retry_in_s=retry_in,
    )  # fmt: skip
    delivery.attempts = number
    delivery.last_status_code = status_code
    delivery.last_error = error
    if ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    elif retry_in is None:
        delivery.state, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = now + dt.timedelta(seconds=retry_in)
    delivery.save(
        update_fields=["attempts", "last_status_code", "last_error", "state", "delivered_at",
                       "next_attempt_at"]
    )  # fmt: skip
    if retry_in is not None:
        if self.request.is_eager:
            # No broker (demo, tests): nothing can wait, and Celery's eager retry re-raises
            # Retry when eager errors propagate; so the next attempt runs now, in-process.
            # The backoff it would have waited is recorded on the attempt all the same.
            return deliver_webhook.apply((delivery_id,)).result
        raise self.retry(countdown=retry_in, max_retries=webhooks.max_retries())
    return delivery.state
