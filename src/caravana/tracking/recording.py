"""The one door to tracking's state: every event, from a hub scan, a flight or a carrier, goes
through record_batch (record_event is a batch of one).

Why it is shaped this way:

* Idempotent: an event is unique on (source, event_id); a repeat is dropped by the database
  (INSERT … ON CONFLICT DO NOTHING), so a carrier may resend a batch after a timeout and a hub
  may rescan, and nothing is recorded twice.
* Tolerant of disorder: a parcel's status is its latest event by occurred_at (ties broken by
  the event's row id), not the last to arrive; it is read from the events themselves
  (docs/decisions/0004), so nothing but the insert is written. What a batch changes, which
  the webhooks and the delivered signal need, is judged against the parcels' newest events
  read just before the insert, with concurrent batches for a parcel taking turns
  (batch_sql.read_prior).
* Set-wise: a batch costs a handful of statements whatever its size (one read of the parcels'
  newest events, one insert), which is what lets ingestion run at tens of thousands of
  events a second.
* Side effects after commit: parcels_delivered (tracking.events) once per batch for the
  parcels at their first EMI, and the buyer e-mail / merchant webhooks through Celery, all in
  transaction.on_commit so nothing is announced that could still roll back.

How the pieces sit: tracking.batch holds the values, tracking.batch_sql the statements each
database runs, tracking.ingestion turns hub steps, flights and carriers' batches into events.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.error_codes import CommonErrorCode
from caravana.errors import coded_fields_error
from caravana.fulfillment.models import Parcel
from caravana.tracking import batch_sql, upu
from caravana.tracking.batch import BatchResult, EventIn, StatusChange
from caravana.tracking.error_codes import TrackingErrorCode
from caravana.tracking.events import Delivery, parcel_delivered, parcels_delivered
from caravana.tracking.models import TrackingEvent

logger = logging.getLogger(__name__)

#: A clock a little ahead is tolerated; an event further in the future is refused.
FUTURE_TOLERANCE = dt.timedelta(minutes=15)


# ---------------------------------------------------------------------------------------------
# Validation

_UNSEEN: Any = object()


def _check(events: Sequence[EventIn], now: dt.datetime, *, future: bool = False) -> dict[str, str]:
    """Errors keyed ``events.<index>.<field>``: cheap checks every source must pass. Times in
    the future are refused only when `future` is set (outside sources: a carrier's clock may be
    wrong); hub and flight times come from our own services, which validated them, and a
    listener must not fail the emitter's transaction."""
    errors: dict[str, str] = {}
    latest = now + FUTURE_TOLERANCE
    known_codes: dict[str, upu.UpuEvent | None] = {}  # a batch repeats a handful of codes
    for i, ev in enumerate(events):
        source, event_id, code, at = ev.source, ev.event_id, ev.code, ev.occurred_at
        if not source or len(source) > 48:
            errors[f"events.{i}.source"] = _("Give the event's source.")
        if not event_id or len(event_id) > 64:
            errors[f"events.{i}.event_id"] = _("Give an event id of 1 to 64 characters.")
        if code:
            known = known_codes.get(code, _UNSEEN)
            if known is _UNSEEN:
                known = known_codes[code] = upu.lookup(code)
            if known is None:
                errors[f"events.{i}.code"] = _("%(c)s is not a UPU tracking event code.") % {
                    "c": code[:8]
                }
            else:
                ev.code = known.code
                ev.status = ev.status or known.status
        elif ev.status not in upu.STATUSES:
            errors[f"events.{i}.status"] = _("An event without a UPU code needs a status.")
        if not isinstance(at, dt.datetime) or at.utcoffset() is None:
            errors[f"events.{i}.occurred_at"] = _("Give the time with its UTC offset.")
        elif not in_range(at):
            errors[f"events.{i}.occurred_at"] = too_early()
        elif future and at > latest:
            errors[f"events.{i}.occurred_at"] = _(
                "%(t)s is in the future (more than %(m)d minutes ahead of our clock)."
            ) % {"t": at.isoformat(), "m": FUTURE_TOLERANCE.seconds // 60}
    return errors


#: The code of an event's error, by its field (caravana.errors.coded_fields_error).
EVENT_CODES: dict[str, StrEnum] = {
    "source": TrackingErrorCode.SOURCE_REQUIRED,
    "event_id": TrackingErrorCode.INVALID_EVENT_ID,
    "identifier": TrackingErrorCode.INVALID_S10,
    "code": TrackingErrorCode.UNKNOWN_EVENT_CODE,
    "status": TrackingErrorCode.STATUS_REQUIRED,
    "reason": TrackingErrorCode.REASON_REQUIRED,
    "occurred_at": TrackingErrorCode.INVALID_TIME,
    "timezone": TrackingErrorCode.INVALID_TIMEZONE,
    "latitude": TrackingErrorCode.OUT_OF_RANGE,
    "longitude": TrackingErrorCode.OUT_OF_RANGE,
    "location_code": CommonErrorCode.TOO_LONG,
}


def raise_errors(errors: dict[str, str], codes: Mapping[str, StrEnum] | None = None) -> None:
    """``codes``: a code for a whole key, where its field's (EVENT_CODES) is not the one."""
    if errors:
        raise coded_fields_error(errors, {**EVENT_CODES, **(codes or {})})


# ---------------------------------------------------------------------------------------------
# Writing


def record_event(event: EventIn) -> BatchResult:
    """Record one event (see record_batch)."""
    return record_batch([event])


def record_batch(events: Iterable[EventIn]) -> BatchResult:
    """Record events in one transaction; repeats of an already recorded (source, event_id) are
    dropped. Raises ValidationError keyed ``events.<i>.<field>`` and writes nothing when any
    event is bad. Returns how many were new, the status changes and the first deliveries."""
    events = list(events)
    if events:
        raise_errors(_check(events, timezone.now()))
    return record_checked(events)


def record_checked(events: list[EventIn]) -> BatchResult:
    """record_batch for events that passed _check."""
    result = BatchResult(received=len(events))
    if not events:
        return result
    now = timezone.now()
    # One row per (source, event_id) even inside a batch; sorted so that two concurrent
    # batches take the unique-index locks in the same order (no deadlock).
    unique: dict[tuple[str, str], EventIn] = {}
    for ev in events:
        unique.setdefault((ev.source, ev.event_id), ev)
    # (SQLite's writer lock is one for the whole database: no order to keep there.)
    pg = connection.vendor == "postgresql"
    ordered = [unique[k] for k in sorted(unique)] if pg else list(unique.values())
    # Statements are built before the transaction opens: on SQLite the write lock is held
    # from the first INSERT to the commit, and another process may be waiting for it. (Making
    # ingesting processes take turns through a lock file, instead of SQLite's sleep-and-retry,
    # was measured and was slower: 12,700 against 17,700 events/s with two processes.)
    inserts = [
        batch_sql.event_insert(ordered[i : i + batch_sql.CHUNK], now)
        for i in range(0, len(ordered), batch_sql.CHUNK)
    ]
    parcel_ids = sorted({ev.parcel_id for ev in ordered})
    emi_ids = sorted({ev.parcel_id for ev in ordered if ev.code == upu.DELIVERY})
    nested = connection.in_atomic_block  # inside a caller's transaction (a hub step)
    with transaction.atomic():
        prior, prior_emi = batch_sql.read_prior(parcel_ids, emi_ids, nested)
        created: list[tuple[int, EventIn]] = []
        for insert in inserts:
            created += batch_sql.insert_events(insert)
        result.created = len(created)
        if created:
            result.changes, delivered = _compare(created, prior, prior_emi)
            result.delivered = [ev.identifier for _pid, _pk, ev in delivered]
            if result.changes:
                changes = result.changes
                transaction.on_commit(lambda: _notify(changes), robust=True)
            if delivered:
                transaction.on_commit(lambda: _publish_delivered(delivered, now), robust=True)
    return result


def _compare(
    created: list[tuple[int, EventIn]], prior: dict[int, tuple], prior_emi: set[int]
) -> tuple[list[StatusChange], list[tuple[int, int, EventIn]]]:
    """The status changes and first deliveries a batch makes, from what was recorded before it
    (batch_sql.read_prior): a parcel's status changes when its newest new event is later than its
    newest earlier one, and it is delivered now when the batch holds its first EMI. Returns
    the changes and (parcel id, EMI event pk, EMI)s."""
    best: dict[int, tuple[dt.datetime, int, EventIn]] = {}
    first_emi: dict[int, tuple[dt.datetime, int, EventIn]] = {}
    delivery = upu.DELIVERY
    for pk, ev in created:
        pid, at = ev.parcel_id, ev.occurred_at
        cur = best.get(pid)
        if cur is None or at > cur[0] or (at == cur[0] and pk > cur[1]):
            best[pid] = (at, pk, ev)
        if ev.code == delivery:
            cur = first_emi.get(pid)
            if cur is None or at < cur[0] or (at == cur[0] and pk < cur[1]):
                first_emi[pid] = (at, pk, ev)
    time_key = batch_sql.time_key()  # how read_prior gave the recorded times
    changes: list[StatusChange] = []
    for pid in sorted(best):
        at, pk, ev = best[pid]
        old = prior.get(pid)
        if old is None or (time_key(at), pk) > old[:2]:
            changes.append(StatusChange(pid, pk, ev.code, old[2] if old else None, ev.status))
    delivered = [
        (pid, pk, ev) for pid, (_at, pk, ev) in sorted(first_emi.items()) if pid not in prior_emi
    ]
    return changes, delivered


#: No parcel event can be older; 0001-01-01T00:00+14:00 is not even a datetime in UTC
#: (converting it overflowed: a 500).
EARLIEST_EVENT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def too_early() -> str:
    return _("Give a real time, from %(t)s on.") % {"t": EARLIEST_EVENT.date().isoformat()}


def in_range(value: dt.datetime) -> bool:
    """Whether an aware time converts to UTC and is no earlier than EARLIEST_EVENT."""
    try:
        # Compared as aware times (no conversion object made); the conversion is what can
        # overflow near year 1, and the comparison makes it too.
        return value >= EARLIEST_EVENT
    except OverflowError:
        return False


def _event_instance(pk: int, ev: EventIn, received_at: dt.datetime) -> TrackingEvent:
    """The TrackingEvent row just inserted, as Django would load it (times in UTC, details
    through JSON), built from what the batch holds: no query to read back what we wrote."""
    values = {
        "id": pk,
        "parcel_id": ev.parcel_id,
        "source": ev.source,
        "event_id": ev.event_id,
        "code": ev.code,
        "status": ev.status,
        "occurred_at": ev.occurred_at.astimezone(dt.UTC),
        "received_at": received_at.astimezone(dt.UTC),
        "location_code": ev.location_code[:16],
        "location_name": ev.location_name[:120],
        "latitude": ev.latitude,
        "longitude": ev.longitude,
        "tz": ev.tz[:64],
        "details": json.loads(json.dumps(ev.details or {}, cls=DjangoJSONEncoder)),
        "carrier_id": ev.carrier_id,
    }
    names = [f.attname for f in TrackingEvent._meta.concrete_fields]
    return TrackingEvent.from_db(connection.alias, names, [values[n] for n in names])


def _publish_delivered(delivered: list[tuple[int, int, EventIn]], now: dt.datetime) -> None:
    """After commit, once per parcel: parcels_delivered for the batch, then parcel_delivered per
    parcel if anything listens to it (see tracking.events)."""
    if parcels_delivered.has_listeners(TrackingEvent):
        deliveries = [
            Delivery(pid, ev.identifier, ev.occurred_at.astimezone(dt.UTC), pk)
            for pid, pk, ev in delivered
        ]
        _log_failures(parcels_delivered.send_robust(sender=TrackingEvent, deliveries=deliveries))
    if not parcel_delivered.has_listeners(TrackingEvent):
        return  # nobody to tell: spare loading the parcels
    parcels = Parcel.objects.in_bulk([pid for pid, _pk, _ev in delivered])
    for pid, pk, ev in delivered:
        event = _event_instance(pk, ev, now)
        _log_failures(
            parcel_delivered.send_robust(
                sender=TrackingEvent, parcel=parcels[pid], at=event.occurred_at, event=event
            )
        )


def _log_failures(responses: list[tuple[Any, Any]]) -> None:
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error(
                "delivered listener %r failed", receiver, exc_info=(type(response), response,
                                                                   response.__traceback__)
            )  # fmt: skip


def _notify(changes: list[StatusChange]) -> None:
    """One task per batch. The changes travel as JSON arrays (a NamedTuple serialises as one),
    and the message's argsrepr, which Celery would otherwise build with its safe repr of
    hundreds of rows for its logs, just counts them."""
    # Imported here, not at the top: it loads Celery, which the management commands run from
    # src/caravana (makemessages) must not import as they start (caravana/celery.py would
    # shadow the celery package). No cycle: tasks imports tracking.batch, never this module.
    from caravana.tracking import tasks

    tasks.notify_changes.apply_async((changes,), argsrepr=f"[{len(changes)} status changes]")
