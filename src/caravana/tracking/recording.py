"""The one door to tracking's state: every event, from a hub scan, a flight or a carrier, goes
through record_batch (record_event is a batch of one).

Why it is shaped this way:

* Idempotent: an event is unique on (source, event_id); a repeat is dropped by the database
  (INSERT … ON CONFLICT DO NOTHING), so a carrier may resend a batch after a timeout and a hub
  may rescan, and nothing is recorded twice.
* Tolerant of disorder: a parcel's status is its current event in the life cycle
  (tracking.lifecycle: the latest by occurred_at of its highest stage, ties broken by the
  event's row id), not the last to arrive, so a scan after delivery leaves it delivered;
  the pages read it from the events themselves (docs/decisions/0004). What a batch changes,
  which the webhooks and the delivered signal need, is judged on PostgreSQL against each
  parcel's state row, upserted by the statement that inserts the events (batch_sql.pg_record,
  docs/decisions/0039), and on SQLite against the parcels' events, after the insert
  (batch_sql.sqlite_record); either way concurrent batches for a parcel take turns.
* Set-wise: a batch costs a handful of statements whatever its size (on PostgreSQL one),
  which is what lets ingestion run at tens of thousands of events a second.
* Side effects after commit: parcels_delivered (tracking.events) once per batch for the
  parcels at their first EMI, and the buyer e-mail / merchant webhooks, owed through a
  FollowUp row written in the batch's transaction and drained by a worker (tracking.follow_ups),
  so nothing is announced that could still roll back, and nothing is lost after a commit.

How the pieces sit: tracking.batch holds the values, tracking.batch_sql the statements each
database runs, tracking.ingestion turns hub steps, flights and carriers' batches into events.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from operator import attrgetter
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.error_codes import CommonErrorCode
from caravana.errors import coded_fields_error
from caravana.tracking import batch_sql, follow_ups, lifecycle, upu
from caravana.tracking.batch import BatchResult, EventIn
from caravana.tracking.error_codes import TrackingErrorCode

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
    listener must not fail the emitter's transaction. Fills each coded event's status.

    A batch is nearly always all good: _all_good checks it column by column (the loops in C),
    and only a batch it doubts goes through the event-by-event loop that names each error."""
    if _all_good(events, now + FUTURE_TOLERANCE if future else None):
        return {}
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
                ev.status = ev.status or lifecycle.event_status(known.code, ev.details)
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


_source, _event_id, _code = attrgetter("source"), attrgetter("event_id"), attrgetter("code")
_occurred_at = attrgetter("occurred_at")


def _all_good(events: Sequence[EventIn], latest: dt.datetime | None) -> bool:
    """Whether every event passes _check's rules, judged over the batch's columns (distinct
    sources and codes once each; the ids' lengths and the times through map, min and max);
    if so, fills the coded events' code and status as _check's loop would. Any doubt (a value
    of an unexpected type, say) answers False and leaves the events as they were."""
    try:
        sources = set(map(_source, events))
        if not all(s and len(s) <= 48 for s in sources):
            return False
        lengths = set(map(len, map(_event_id, events)))
        if min(lengths) < 1 or max(lengths) > 64:
            return False
        known = {code: upu.lookup(code) for code in set(map(_code, events)) if code}
        if None in known.values():
            return False
        if len(known) < len(set(map(_code, events))) and not all(
            ev.status in upu.STATUSES for ev in events if not ev.code
        ):
            return False
        times = list(map(_occurred_at, events))
        if set(map(type, times)) != {dt.datetime} or None in map(dt.datetime.utcoffset, times):
            return False
        if not min(times) >= EARLIEST_EVENT or (latest is not None and max(times) > latest):
            return False
    except (TypeError, ValueError, OverflowError):  # ValueError: min() of an empty batch
        return False
    # Each distinct code's normalised form and status once (None: its details decide, so
    # event_status is asked per event): a batch holds a handful of codes.
    fill = {
        code: (upu_event.code, lifecycle.code_status(upu_event.code))
        for code, upu_event in known.items()
        if upu_event is not None
    }
    event_status = lifecycle.event_status
    for ev in events:
        code = ev.code
        if code:
            norm, status = fill[code]
            ev.code = norm
            if not ev.status:
                ev.status = status or event_status(norm, ev.details)
    return True


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
    pg = connection.vendor == "postgresql"
    if pg:
        # One row per (source, event_id) even inside a batch (one INSERT … SELECT cannot
        # insert a key twice); sorted so that two concurrent batches take the unique-index
        # locks in the same order (no deadlock).
        unique: dict[tuple[str, str], EventIn] = {}
        for ev in events:
            unique.setdefault((ev.source, ev.event_id), ev)
        ordered = [unique[k] for k in sorted(unique)]
    else:
        # SQLite runs the INSERT … ON CONFLICT DO NOTHING row by row, in the batch's order, so
        # a repeat inside the batch is dropped by the database like any other (its first row
        # kept); and its writer lock is one for the whole database: no order to keep.
        ordered = events
    # Statements are built before the transaction opens: on SQLite the write lock is held
    # from the first INSERT to the commit, and another process may be waiting for it. (Making
    # ingesting processes take turns through a lock file, instead of SQLite's sleep-and-retry,
    # was measured and was slower: 12,700 against 17,700 events/s with two processes.)
    # The whole batch in one statement, however large (a flight's movement): its rows travel
    # as one JSON parameter; on PostgreSQL the parcels' state rows are then locked in parcel
    # order across the batch (no deadlock with another batch), each parcel judged once.
    insert = batch_sql.event_insert(ordered, now)
    with transaction.atomic():
        if pg:
            result.created, result.changes, rows = batch_sql.pg_record(insert)
        else:
            result.created, result.changes, rows = batch_sql.sqlite_record(insert, ordered)
        if result.changes or rows:
            # The follow-up (notifications, deliveries) is owed exactly when the events are
            # recorded: an outbox row in this transaction (tracking.follow_ups).
            with batch_sql.raw_cursor() as cursor:
                pk = follow_ups.write(cursor, result.changes, rows)
            # Right away when the batch committed; with the caller's commit otherwise.
            # (a function, not a partial: Django logs a robust hook's error by its __qualname__)
            transaction.on_commit(lambda: follow_ups.wake(pk), robust=True)
    if rows:
        result.delivered = [d.identifier for d in rows]
    return result


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
