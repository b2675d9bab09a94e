"""The one door for carrier events: parse a carrier's payload with its adapter, map the
statuses to UPU events, and record them through tracking's set-wise ingestion
(tracking.recording.record_batch: idempotent by event id, status by the life cycle, one
follow-up task per batch). What cannot be recorded is kept (HeldCarrierEvent), never dropped.

Per batch: one statement finds the parcels, one insert records the events (plus, when any,
one insert of held events); no per-event ORM round trip."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.carrier_events import adapters, webhook_auth
from caravana.carrier_events.adapters.base import CarrierEvent, PayloadError, event_key
from caravana.carrier_events.error_codes import CarrierEventsErrorCode
from caravana.carrier_events.lookup import parcels_by_number
from caravana.carrier_events.models import CarrierFeed, HeldCarrierEvent
from caravana.errors import field_error
from caravana.network.models import Carrier
from caravana.tracking import upu
from caravana.tracking.batch import EventIn
from caravana.tracking.models import Source
from caravana.tracking.recording import FUTURE_TOLERANCE, in_range, record_batch

#: Events per recorded batch: the carriers' API takes as many per request.
MAX_EVENTS = 1000

Problem = HeldCarrierEvent.Problem


@dataclass
class IngestResult:
    received: int = 0
    created: int = 0
    duplicates: int = 0
    held: int = 0
    status_changes: int = 0
    delivered: list[str] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        self.received += other.received
        self.created += other.created
        self.duplicates += other.duplicates
        self.held += other.held
        self.status_changes += other.status_changes
        self.delivered += other.delivered

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "created": self.created,
            "duplicates": self.duplicates,
            "held": self.held,
            "status_changes": self.status_changes,
            "delivered": sorted(self.delivered),
        }


def parse_payloads(adapter: ModuleType, payload: Any) -> list[CarrierEvent]:
    """The adapter's events of one documented payload, or of a JSON list of them (a batch of
    notifications: Caravana's extension, so a busy carrier or its integrator sends a thousand
    events per request). PayloadError names the field, prefixed with the list index."""
    if isinstance(payload, list) and not getattr(adapter, "LIST_PAYLOAD", False):
        events: list[CarrierEvent] = []
        for i, one in enumerate(payload):
            try:
                events += adapter.parse(one)
            except PayloadError as exc:
                raise PayloadError(f"{i}.{exc.field}", exc.message) from None
        return events
    return adapter.parse(payload)


def _held(carrier: Carrier, ev: CarrierEvent, problem: str, via: str, parcel_id=None):
    payload = ev.raw if isinstance(ev.raw, Mapping) else {"raw": ev.raw}
    return HeldCarrierEvent(
        carrier=carrier,
        key=event_key(ev.key),
        number=ev.number[:64],
        parcel_id=parcel_id,
        status=ev.status[:120],
        description=ev.description[:200],
        problem=problem,
        via=via,
        occurred_at=ev.occurred_at,
        # JSON-safe copy (a payload from CSV or a poll is plain already).
        payload=json.loads(json.dumps(payload, default=str)),
    )


def ingest(
    carrier: Carrier, adapter: ModuleType, events: list[CarrierEvent], via: str
) -> IngestResult:
    """Record `events` (at most MAX_EVENTS per call; more are cut into batches)."""
    result = IngestResult()
    for i in range(0, len(events), MAX_EVENTS):
        result.add(_ingest_batch(carrier, adapter, events[i : i + MAX_EVENTS], via))
    return result


def _ingest_batch(
    carrier: Carrier, adapter: ModuleType, events: list[CarrierEvent], via: str
) -> IngestResult:
    parcels = parcels_by_number(carrier.pk, {ev.number for ev in events})
    source = Source.carrier(carrier.code)
    carrier_id = carrier.pk
    latest = timezone.now() + FUTURE_TOLERANCE
    map_status = adapter.map_status
    in_transit = upu.IN_TRANSIT
    held: list[HeldCarrierEvent] = []
    out: list[EventIn] = []
    for ev in events:
        mapped = map_status(ev)
        found = parcels.get(ev.number)
        at = ev.occurred_at
        if mapped is None:
            held.append(_held(carrier, ev, Problem.UNKNOWN_STATUS, via, found and found[0]))
            continue
        if found is None:
            held.append(_held(carrier, ev, Problem.UNKNOWN_PARCEL, via))
            continue
        if at is None or at > latest or not in_range(at):
            held.append(_held(carrier, ev, Problem.BAD_TIME, via, found[0]))
            continue
        details: dict[str, Any] = {"carrier_status": ev.status}
        if mapped.reason:
            details["reason"] = adapter.reason_text(ev) or mapped.reason
            details["reason_code"] = mapped.reason
        key = ev.key
        out.append(  # positional: a thousand of these per batch
            EventIn(
                found[0],  # parcel_id
                found[1],  # identifier (S10)
                source,
                key if len(key) <= 64 else event_key(key),
                mapped.code,
                at,
                "" if mapped.code else in_transit,  # status: from the code, else a step's
                "",  # location_code
                ev.location,  # location_name
                None,
                None,
                found[2],  # tz: the gateway's
                details,
                carrier_id,
            )
        )
    if held:
        HeldCarrierEvent.objects.bulk_create(held, ignore_conflicts=True)
    recorded = record_batch(out)
    return IngestResult(
        received=len(events),
        created=recorded.created,
        duplicates=recorded.duplicates,
        held=len(held),
        status_changes=len(recorded.changes),
        delivered=list(recorded.delivered),
    )


def feed_of(code: str) -> CarrierFeed | None:
    """The active carrier's feed by carrier code (None: no such carrier or no feed)."""
    return (
        CarrierFeed.objects.select_related("carrier")
        .filter(carrier__code=code, carrier__is_active=True)
        .first()
    )


def ensure_feed(carrier: Carrier, adapter: str, **fields: Any) -> CarrierFeed:
    """The carrier's feed, created with `adapter` when it has none (idempotent)."""
    adapters.get(adapter)  # KeyError for an unknown adapter
    feed, _created = CarrierFeed.objects.get_or_create(
        carrier=carrier, defaults={"adapter": adapter, **fields}
    )
    return feed


def set_basic_credentials(feed: CarrierFeed, user: str = "") -> str:
    """Switch the feed to HTTP Basic credentials with a new password, returned once to give
    the carrier (only its SHA-256 is kept); `user` defaults to the feed's, else the carrier's
    code."""
    user = (user or feed.basic_user or feed.carrier.code).strip()
    if not user or ":" in user:
        raise field_error(
            "basic_user",
            _("A user without a colon is needed (RFC 7617)."),
            CarrierEventsErrorCode.INVALID_CREDENTIALS,
        )
    password = webhook_auth.new_password()
    feed.webhook_auth = webhook_auth.Auth.BASIC
    feed.basic_user = user
    feed.basic_password_digest = webhook_auth.digest(password)
    feed.save(update_fields=["webhook_auth", "basic_user", "basic_password_digest"])
    return password


def receive(feed: CarrierFeed, payload: Any, via: str) -> IngestResult:
    """A decoded payload from the carrier, through its adapter (PayloadError: nothing written)."""
    adapter = adapters.get(feed.adapter)
    return ingest(feed.carrier, adapter, parse_payloads(adapter, payload), via)


#: Events one webhook request may carry (a list of notifications included).
MAX_REQUEST_EVENTS = 5000


class TooManyEvents(ValueError):
    pass


def receive_webhook(feed: CarrierFeed, body: bytes, headers: Mapping[str, str]) -> IngestResult:
    """A webhook delivery as it arrived: the signature checked (SignatureError), the body
    decoded and read by the feed's adapter (PayloadError naming the field, ``body`` for one
    that is not JSON; TooManyEvents), then recorded. Nothing is written before all of it
    passed. The view and the benchmark both come through here. The carrier's own proof is
    checked as its feed says (webhook_auth.check: AuthError naming the problem)."""
    webhook_auth.check(
        auth=feed.webhook_auth,
        secret=feed.webhook_secret,
        user=feed.basic_user,
        password_digest=feed.basic_password_digest,
        body=body,
        headers=headers,
    )
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PayloadError("", "not JSON") from None
    adapter = adapters.get(feed.adapter)
    events = parse_payloads(adapter, payload)
    if len(events) > MAX_REQUEST_EVENTS:
        raise TooManyEvents(len(events))
    return ingest(feed.carrier, adapter, events, HeldCarrierEvent.Via.WEBHOOK)
