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
  read just before the insert, with concurrent batches for a parcel taking turns (_read_prior).
* Set-wise: a batch costs a handful of statements whatever its size (one read of the parcels'
  newest events, one insert), which is what lets ingestion run at tens of thousands of
  events a second.
* Side effects after commit: parcels_delivered (tracking.events) once per batch for the
  parcels at their first EMI, and the buyer e-mail / merchant webhooks through Celery, all in
  transaction.on_commit so nothing is announced that could still roll back.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from caravana.codes import s10 as s10_codes
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier, Gateway, Hub
from caravana.tracking import geo, upu
from caravana.tracking.models import Source, TrackingEvent

logger = logging.getLogger(__name__)

#: A carrier may post at most this many events per request.
MAX_BATCH = 1000
#: Rows per INSERT / status read: keeps statements under SQLite's bound-parameter limit.
CHUNK = 1000
#: A clock a little ahead is tolerated; an event further in the future is refused.
FUTURE_TOLERANCE = dt.timedelta(minutes=15)
#: Internal hub steps (no UPU code) keep the parcel in transit, except a cancellation.
INTERNAL_STATUS = {"cancelled": upu.CANCELLED, "label_created": upu.PENDING}


@dataclass
class EventIn:
    """An event ready to record. `code` is blank for an internal step, whose `status` must then
    be given; for a UPU code the status follows from the code unless given."""

    parcel_id: int
    identifier: str
    source: str
    event_id: str
    code: str
    occurred_at: dt.datetime
    status: str = ""
    location_code: str = ""
    location_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    tz: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    carrier_id: int | None = None


class StatusChange(NamedTuple):
    """A parcel's current event moved to a later one (JSON-friendly: it goes to Celery)."""

    parcel_id: int
    event_pk: int
    code: str
    old_status: str | None
    new_status: str


@dataclass
class BatchResult:
    received: int = 0
    created: int = 0
    changes: list[StatusChange] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)  # identifiers first delivered (EMI) now

    @property
    def duplicates(self) -> int:
        return self.received - self.created


# ---------------------------------------------------------------------------------------------
# Validation


def _check(events: Sequence[EventIn], now: dt.datetime, *, future: bool = False) -> dict[str, str]:
    """Errors keyed ``events.<index>.<field>``: cheap checks every source must pass. Times in
    the future are refused only when `future` is set (outside sources: a carrier's clock may be
    wrong); hub and flight times come from our own services, which validated them, and a
    listener must not fail the emitter's transaction."""
    errors: dict[str, str] = {}
    latest = now + FUTURE_TOLERANCE
    for i, ev in enumerate(events):
        p = f"events.{i}."
        if not ev.source or len(ev.source) > 48:
            errors[p + "source"] = _("Give the event's source.")
        if not ev.event_id or len(ev.event_id) > 64:
            errors[p + "event_id"] = _("Give an event id of 1 to 64 characters.")
        if ev.code:
            known = upu.lookup(ev.code)
            if known is None:
                errors[p + "code"] = _("%(c)s is not a UPU tracking event code.") % {
                    "c": ev.code[:8]
                }
            else:
                ev.code = known.code
                ev.status = ev.status or known.status
        elif ev.status not in upu.STATUSES:
            errors[p + "status"] = _("An event without a UPU code needs a status.")
        if not isinstance(ev.occurred_at, dt.datetime) or timezone.is_naive(ev.occurred_at):
            errors[p + "occurred_at"] = _("Give the time with its UTC offset.")
        elif not _in_range(ev.occurred_at):
            errors[p + "occurred_at"] = _too_early()
        elif future and ev.occurred_at > latest:
            errors[p + "occurred_at"] = _(
                "%(t)s is in the future (more than %(m)d minutes ahead of our clock)."
            ) % {"t": ev.occurred_at.isoformat(), "m": FUTURE_TOLERANCE.seconds // 60}
    return errors


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


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
        _raise(_check(events, timezone.now()))
    return _record(events)


def _record(events: list[EventIn]) -> BatchResult:
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
    ordered = [unique[k] for k in sorted(unique)]
    # Statements are built before the transaction opens: on SQLite the write lock is held
    # from the first INSERT to the commit, and another process may be waiting for it. (Making
    # ingesting processes take turns through a lock file, instead of SQLite's sleep-and-retry,
    # was measured and was slower: 12,700 against 17,700 events/s with two processes.)
    inserts = [_event_insert(ordered[i : i + CHUNK], now) for i in range(0, len(ordered), CHUNK)]
    parcel_ids = sorted({ev.parcel_id for ev in ordered})
    emi_ids = sorted({ev.parcel_id for ev in ordered if ev.code == upu.DELIVERY})
    nested = connection.in_atomic_block  # inside a caller's transaction (a hub step)
    with transaction.atomic():
        prior, prior_emi = _read_prior(parcel_ids, emi_ids, nested)
        created: list[tuple[int, EventIn]] = []
        for insert in inserts:
            created += _insert_events(insert)
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


_EVENT_FIELDS = (
    "parcel",
    "source",
    "event_id",
    "code",
    "status",
    "occurred_at",
    "received_at",
    "location_code",
    "location_name",
    "latitude",
    "longitude",
    "tz",
    "details",
    "carrier",
)


@lru_cache(maxsize=16_384)
def _sqlite_time(value: dt.datetime) -> str:
    """Django's SQLite text for an aware datetime (naive UTC). Remembered: a batch converts
    each event's time twice (insert, comparison), and a carrier's events share times."""
    # str() of an aware UTC datetime ends in "+00:00": cut it rather than copy the value.
    return str(value.astimezone(dt.UTC))[:-6]


def _cursor() -> Any:
    """A cursor for the set-wise statements, on the connection's own transaction.

    PostgreSQL: a server-side-binding psycopg cursor; Django's default (client-side binding)
    quotes every value into the SQL text in Python, which is most of the cost at a thousand
    rows. SQLite: the sqlite3 cursor itself, so the statements use ``?`` placeholders; Django's
    wrapper would rewrite ``%s`` with a regular expression over SQL text holding up to 14,000
    of them."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.Cursor(connection.connection)
    return closing(connection.connection.cursor())


#: PostgreSQL types of the event columns, for INSERT … SELECT FROM json_to_recordset(…).
_PG_TYPES = ("bigint", "varchar", "varchar", "varchar", "varchar", "timestamptz", "timestamptz",
             "varchar", "varchar", "float8", "float8", "varchar", "jsonb", "bigint")  # fmt: skip


class _Insert(NamedTuple):
    sql: str
    params: list[Any]
    by_key: dict[tuple[str, str], EventIn]


def _insert_events(insert: _Insert) -> list[tuple[int, EventIn]]:
    """Run a statement of _event_insert: the new events with their ids."""
    with _cursor() as cursor:
        cursor.execute(insert.sql, insert.params)
        return [(pk, insert.by_key[(src, eid)]) for pk, src, eid in cursor.fetchall()]


def _event_insert(chunk: list[EventIn], now: dt.datetime) -> _Insert:
    """INSERT … ON CONFLICT (source, event_id) DO NOTHING RETURNING id: one statement, and the
    database tells which rows are new (Django's bulk_create(ignore_conflicts=True) does the
    same insert but cannot say which rows it kept). On PostgreSQL the rows travel as one JSON
    parameter instead of 14,000, which the driver would otherwise spend longer adapting than
    the server spends inserting. Built outside the transaction; _insert_events runs it."""
    meta = TrackingEvent._meta
    columns = [meta.get_field(name).column for name in _EVENT_FIELDS]
    qn = connection.ops.quote_name
    pg = connection.vendor == "postgresql"
    # PostgreSQL gets the rows as JSON: times as ISO 8601 text straight away, so the rows
    # need no second pass before json.dumps.
    _db_time = dt.datetime.isoformat if pg else _sqlite_time
    received = _db_time(now)
    rows = [
        (
            ev.parcel_id,
            ev.source,
            ev.event_id,
            ev.code,
            ev.status,
            _db_time(ev.occurred_at),
            received,
            ev.location_code[:16],
            ev.location_name[:120],
            ev.latitude,
            ev.longitude,
            ev.tz[:64],
            json.dumps(ev.details, cls=DjangoJSONEncoder) if ev.details else "{}",
            ev.carrier_id,
        )
        for ev in chunk
    ]
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
    tail = (
        f" ON CONFLICT ({qn('source')}, {qn('event_id')}) DO NOTHING "
        f"RETURNING {qn('id')}, {qn('source')}, {qn('event_id')}"
    )
    if pg:
        # One JSON parameter: a thousand rows cost one json.dumps (in C) instead of the
        # driver's per-value Python adaptation, which cost more than the insert itself.
        select = ", ".join(f"(r->>{i})::{t}" for i, t in enumerate(_PG_TYPES))
        sql = head + f"SELECT {select} FROM jsonb_array_elements(%s::jsonb) AS r" + tail
        params: list[Any] = [json.dumps(rows, cls=DjangoJSONEncoder, separators=(",", ":"))]
    else:
        row = "(" + ", ".join("?" * len(columns)) + ")"
        sql = head + f"VALUES {', '.join([row] * len(rows))}" + tail
        params = [v for r in rows for v in r]
    return _Insert(sql, params, {(ev.source, ev.event_id): ev for ev in chunk})


def _compare(
    created: list[tuple[int, EventIn]], prior: dict[int, tuple], prior_emi: set[int]
) -> tuple[list[StatusChange], list[tuple[int, int, EventIn]]]:
    """The status changes and first deliveries a batch makes, from what was recorded before it
    (_read_prior): a parcel's status changes when its newest new event is later than its
    newest earlier one, and it is delivered now when the batch holds its first EMI. Returns
    the changes and (parcel id, EMI event pk, EMI)s."""
    best: dict[int, tuple[dt.datetime, int, EventIn]] = {}
    first_emi: dict[int, tuple[dt.datetime, int, EventIn]] = {}
    for pk, ev in created:
        key = (ev.occurred_at, pk, ev)
        cur = best.get(ev.parcel_id)
        if cur is None or key[:2] > cur[:2]:
            best[ev.parcel_id] = key
        if ev.code == upu.DELIVERY:
            cur = first_emi.get(ev.parcel_id)
            if cur is None or key[:2] < cur[:2]:
                first_emi[ev.parcel_id] = key
    # Recorded times come back as _read_prior reads them: exact integer microseconds on
    # PostgreSQL, Django's own UTC text on SQLite (which orders correctly as text); parsing
    # them back into datetimes would cost more than reading them.
    time_key = _pg_micros if connection.vendor == "postgresql" else _sqlite_time
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


#: Advisory-lock namespaces (pg_advisory_xact_lock's first key): one lock per parcel ("trk"
#: in ASCII), and one over all of them ("tra") for batches of more parcels than that.
_PG_LOCK_SPACE = 0x74726B
_PG_LOCK_ALL = 0x747261
#: A batch of more parcels than this (a flight's EMC for everything on board) locks them all at
#: once instead of one by one: a lock per parcel would overflow PostgreSQL's shared lock table
#: (max_locks_per_transaction × max_connections entries, 6,400 by default).
PARCEL_LOCKS_MAX = 1000


def _pg_take_turns(cursor: Any, parcel_ids: list[int], nested: bool) -> None:
    """The advisory locks of _read_prior, held to the end of the transaction. A batch recorded
    inside a caller's transaction (several hub steps, each its own batch) counts the parcel
    locks that transaction took before, so that many small batches cannot add up to more than
    PARCEL_LOCKS_MAX either; past it, the lock over all parcels is taken exclusively (asked for
    again by each later batch, which PostgreSQL grants at once to its holder).

    The count is kept on the connection, keyed by the transaction's id: asking pg_locks would
    copy the server's whole lock table, under the lock manager's locks, on every hub step. It
    can only overstate what is held (a savepoint rolled back releases its locks, not the
    count), which errs towards the exclusive lock. (Taking that lock exclusively while holding
    it shared can deadlock with another transaction doing the same at the same moment:
    PostgreSQL then aborts one of them, whose caller sees an error and may retry.)"""
    held, xid = 0, None
    if nested:
        # Assigns the transaction an id if it had none yet: it is about to insert anyway.
        cursor.execute("SELECT pg_current_xact_id()::text")
        (xid,) = cursor.fetchone()
        counted = getattr(connection, "_tracking_parcel_locks", None)
        if counted is not None and counted[0] == xid:
            held = counted[1]
        connection._tracking_parcel_locks = (xid, held + len(parcel_ids))
    if held + len(parcel_ids) > PARCEL_LOCKS_MAX:
        # Exclusive over every parcel: waits for the batches in flight and holds off new ones
        # until this commits. Rare (a flight's movement, many hub steps at once) and short.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [_PG_LOCK_ALL])
        return
    cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, 0)", [_PG_LOCK_ALL])
    # In key order (a parcel id past 2³¹ − 1 wraps), so two batches never wait on each other
    # in opposite orders.
    cursor.execute(
        "SELECT count(pg_advisory_xact_lock(%s, k)) FROM (SELECT DISTINCT "
        "(x %% 2147483647)::int AS k FROM unnest(%s::bigint[]) AS x ORDER BY k) AS keys",
        [_PG_LOCK_SPACE, parcel_ids],
    )


def _read_prior(
    parcel_ids: list[int], emi_ids: list[int], nested: bool = False
) -> tuple[dict[int, tuple], set[int]]:
    """Before a batch is inserted: each parcel's newest recorded event as (time key, event id,
    status), and which of `emi_ids` already have an EMI. One statement, an index probe per
    parcel on trk_event_parcel_time (parcel, occurred_at, id).

    Two batches touching one parcel must not both judge against the state before either:
    SQLite's writer lock, taken at BEGIN (transaction_mode IMMEDIATE), already makes them take
    turns; on PostgreSQL a transaction-scoped advisory lock per parcel, taken in key order,
    does (after a shared lock over all parcels, which a transaction past PARCEL_LOCKS_MAX
    parcels takes exclusively instead: _pg_take_turns), and the read is a statement of its
    own after the locks, so that its snapshot (READ COMMITTED: tracking.checks) sees the
    events of a batch that held one. `nested`: called inside a caller's transaction."""
    if not parcel_ids:
        return {}, set()
    qn = connection.ops.quote_name
    meta = TrackingEvent._meta
    table = qn(meta.db_table)
    parcel, at = qn(meta.get_field("parcel").column), qn("occurred_at")
    with _cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_take_turns(cursor, parcel_ids, nested)
            # Both lookups are LATERAL with LIMIT 1, an index probe per parcel: written as a
            # correlated EXISTS, the EMI test was planned as one hashed scan of every EMI
            # in the table.
            emi = set(emi_ids)
            cursor.execute(
                f"SELECT v.pid, (extract(epoch FROM e.{at}) * 1000000)::bigint, e.id, e.status, "
                f"d.found IS NOT NULL FROM unnest(%s::bigint[], %s::bool[]) AS v(pid, emi) "
                f"CROSS JOIN LATERAL (SELECT y.id, y.{at}, y.status FROM {table} y "
                f"WHERE y.{parcel} = v.pid ORDER BY y.{at} DESC, y.id DESC LIMIT 1) AS e "
                f"LEFT JOIN LATERAL (SELECT true AS found FROM {table} x WHERE v.emi "
                f"AND x.{parcel} = v.pid AND x.code = 'EMI' LIMIT 1) AS d ON true",
                [parcel_ids, [pid in emi for pid in parcel_ids]],
            )
        else:
            # occurred_at || '': the stored text, without the datetime converter.
            cursor.execute(
                f"SELECT v.value, e.{at} || '', e.id, e.status, "
                f"CASE WHEN v.value IN (SELECT value FROM json_each(?)) THEN EXISTS (SELECT 1 "
                f"FROM {table} x WHERE x.{parcel} = v.value AND x.code = 'EMI') ELSE 0 END "
                f"FROM json_each(?) AS v JOIN {table} e ON e.id = (SELECT y.id FROM {table} y "
                f"WHERE y.{parcel} = v.value ORDER BY y.{at} DESC, y.id DESC LIMIT 1)",
                [json.dumps(emi_ids), json.dumps(parcel_ids)],
            )
        rows = cursor.fetchall()
    return {pid: (at_key, pk, status) for pid, at_key, pk, status, _emi in rows}, {
        row[0] for row in rows if row[4]
    }


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: No parcel event can be older; 0001-01-01T00:00+14:00 is not even a datetime in UTC
#: (converting it overflowed: a 500).
EARLIEST_EVENT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _too_early() -> str:
    return _("Give a real time, from %(t)s on.") % {"t": EARLIEST_EVENT.date().isoformat()}


def _in_range(value: dt.datetime) -> bool:
    """Whether an aware time converts to UTC and is no earlier than EARLIEST_EVENT."""
    try:
        return value.astimezone(dt.UTC) >= EARLIEST_EVENT
    except OverflowError:
        return False


_MICROSECOND = dt.timedelta(microseconds=1)


def _pg_micros(value: dt.datetime) -> int:
    """An aware time as integer microseconds since the epoch, as _read_prior reads it back."""
    return (value - _EPOCH) // _MICROSECOND


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
    from caravana.tracking.events import Delivery, parcel_delivered, parcels_delivered

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
    from caravana.tracking import tasks

    tasks.notify_changes.apply_async((changes,), argsrepr=f"[{len(changes)} status changes]")


# ---------------------------------------------------------------------------------------------
# Places


#: Places change rarely (an operator renames a hub); a process keeps what it looked up for a
#: few minutes, so moving a ULD of a thousand parcels does not look its hub up a thousand times.
PLACE_TTL_S = 300
_places: dict[str, tuple[float, geo.Place]] = {}


def place_of(location: str) -> geo.Place:
    """Name, coordinates and zone of a hub code (SZX-HUB) or an IATA airport code (a gateway's
    own record first, then airportsdata)."""
    now = time.monotonic()
    cached = _places.get(location)
    if cached is not None and cached[0] > now:
        return cached[1]
    place = _find_place(location)
    if len(_places) > 1000:
        _places.clear()
    _places[location] = (now + PLACE_TTL_S, place)
    return place


def _find_place(location: str) -> geo.Place:
    hub = Hub.objects.filter(code=location).first() if len(location) > 3 else None
    if hub is not None:
        ap = geo.airport(hub.location) or geo.airport(hub.airport)
        lat, lon = (ap.latitude, ap.longitude) if ap else (None, None)
        # The city, not the hub's name ("Shenzhen hub"): the name is the staff's word for the
        # building, in their language; a buyer reading any language knows the city.
        return geo.Place(hub.code, hub.city or hub.name, lat, lon, hub.timezone)
    gateway = Gateway.objects.filter(iata=location).first() if len(location) == 3 else None
    if gateway is not None:
        return geo.Place(
            gateway.iata,
            f"{gateway.city} ({gateway.iata})",
            float(gateway.latitude),
            float(gateway.longitude),
            gateway.timezone,
        )
    return geo.airport(location) or geo.Place(location, location, None, None, "")


def _event_at(
    parcel: Parcel, source: str, event_id: str, code: str, status: str, at, place, details
) -> EventIn:
    return EventIn(
        parcel_id=parcel.pk,
        identifier=parcel.s10,
        source=source,
        event_id=event_id,
        code=code,
        status=status,
        occurred_at=at,
        location_code=place.code,
        location_name=place.name,
        latitude=place.latitude,
        longitude=place.longitude,
        tz=place.tz,
        details=details,
    )


def record_hub_step(
    parcel: Parcel, code: str | None, state: str, at: dt.datetime, location: str, details: dict
) -> BatchResult:
    """A fulfillment step: EMA / EMB, or an internal step (code None) recorded with a blank
    code so the timeline shows it (bagged, built into a ULD, loaded, cancelled)."""
    return record_hub_steps([parcel], code, state, at, location, details)


def record_hub_steps(
    parcels: Sequence[Parcel],
    code: str | None,
    state: str,
    at: dt.datetime,
    location: str,
    details: dict,
) -> BatchResult:
    """The same step for many parcels at once (a bag built into a ULD, a ULD loaded), as one
    batch: one insert, and on PostgreSQL one set of locks, instead of one per parcel."""
    place = place_of(location)
    step = code or state
    status = "" if code else INTERNAL_STATUS.get(state, upu.IN_TRANSIT)
    details = {**(details or {}), "step": state}
    return record_batch(
        [_event_at(parcel, Source.HUB, f"{parcel.pk}-{step}", code or "", status, at, place,
                   details) for parcel in parcels]
    )  # fmt: skip


def record_flight_movement(flight: Any, code: str, at: dt.datetime, parcels: Iterable) -> int:
    """EMC (at the origin airport) or EMD (at the gateway) for every parcel on `flight`, as one
    batch. `parcels` yields (pk, s10). Returns how many events were new."""
    place = place_of(flight.origin if code == "EMC" else flight.destination)
    details = {"flight": flight.number, "date": flight.date.isoformat(),
               "origin": flight.origin, "destination": flight.destination}  # fmt: skip
    batch = [
        EventIn(
            parcel_id=pk,
            identifier=s10,
            source=Source.FLIGHT,
            event_id=f"{flight.pk}-{pk}-{code}",
            code=code,
            occurred_at=at,
            location_code=place.code,
            location_name=place.name,
            latitude=place.latitude,
            longitude=place.longitude,
            tz=place.tz,
            details=details,
        )
        for pk, s10 in parcels
    ]
    return record_batch(batch).created


# ---------------------------------------------------------------------------------------------
# Carrier ingestion


def _parse_time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class CarrierEventIn:
    """One event as a carrier posts it. ingest_carrier_events reads only these attributes, so
    the API hands it its parsed request models (same names) without copying them into these."""

    event_id: str
    identifier: str
    code: str
    occurred_at: Any
    location_code: str = ""
    location_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = ""
    reason: str = ""
    details: Mapping[str, Any] | None = None


def _parcels_by_s10(identifiers: set[str]) -> dict[str, tuple[int, int | None, str | None]]:
    """(parcel id, carrier id, gateway time zone) by S10, in one statement written once: the
    ORM spent longer building an IN of a thousand identifiers than the database answering."""
    if not identifiers:
        return {}
    parcel, gateway = Parcel._meta, Gateway._meta
    qn = connection.ops.quote_name
    sql = (
        f"SELECT p.{qn('id')}, p.{qn('s10')}, p.{qn(parcel.get_field('carrier').column)}, "
        f"g.{qn(gateway.get_field('timezone').column)} FROM {qn(parcel.db_table)} p "
        f"LEFT JOIN {qn(gateway.db_table)} g "
        f"ON g.{qn('id')} = p.{qn(parcel.get_field('gateway').column)} "
    )
    with _cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql + f"WHERE p.{qn('s10')} = ANY(%s)", [list(identifiers)])
        else:
            cursor.execute(
                sql + f"WHERE p.{qn('s10')} IN ({', '.join('?' * len(identifiers))})",
                list(identifiers),
            )
        return {s10: (pk, carrier_id, tz) for pk, s10, carrier_id, tz in cursor.fetchall()}


@lru_cache(maxsize=65_536)
def _s10(value: str) -> str:
    """codes.s10.validate, remembered: a carrier reports each parcel several times, and the
    ISO 3166 lookup inside costs more than everything else per event. Errors are not cached
    (they raise)."""
    return s10_codes.validate(value)


@lru_cache(maxsize=1024)
def _is_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows (a carrier repeats a few)."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def ingest_carrier_events(carrier: Carrier, raw: Sequence[CarrierEventIn]) -> BatchResult:
    """A last-mile carrier's batch (at most MAX_BATCH events). All or nothing: any bad event —
    unknown or malformed identifier, a parcel this carrier does not deliver, an unknown code, a
    time in the future, a hold or failed attempt without its reason — rejects the whole batch
    with every error keyed ``events.<i>.<field>``, and nothing is written. Because events are
    idempotent by id, the carrier fixes the bad ones and resends the batch as it is.

    Another carrier's parcel and an unknown parcel get the same message, so a carrier learns
    nothing about parcels that are not its own."""
    if not raw:
        raise ValidationError({"events": _("Send at least one event.")})
    if len(raw) > MAX_BATCH:
        raise ValidationError(
            {"events": _("At most %(n)s events per batch; send the rest in another.") % {
                "n": f"{MAX_BATCH:,}"}}
        )  # fmt: skip
    errors: dict[str, str] = {}
    identifiers: dict[int, str] = {}
    for i, item in enumerate(raw):
        try:
            identifiers[i] = _s10(item.identifier or "")
        except InvalidChecksum:
            errors[f"events.{i}.identifier"] = _(
                "Wrong check digit: %(v)s is not a valid S10 identifier."
            ) % {"v": (item.identifier or "")[:20]}
        except StdnumError:
            errors[f"events.{i}.identifier"] = _("%(v)s is not an S10 identifier.") % {
                "v": (item.identifier or "")[:20]
            }
    parcels = _parcels_by_s10(set(identifiers.values()))
    source = Source.carrier(carrier.code)
    carrier_pk = carrier.pk
    latest = timezone.now() + FUTURE_TOLERANCE
    events: list[EventIn] = []
    for i, item in enumerate(raw):
        # The error keys are built only for an error: this loop runs a thousand times a batch.
        ident = identifiers.get(i)
        found = parcels.get(ident) if ident is not None else None
        if ident is not None and (found is None or found[1] != carrier_pk):
            errors[f"events.{i}.identifier"] = _("No parcel %(s)s is delivered by %(c)s.") % {
                "s": ident,
                "c": carrier.name,
            }
        known = upu.lookup(item.code)
        if known is None:
            errors[f"events.{i}.code"] = _("%(c)s is not a UPU tracking event code.") % {
                "c": (item.code or "")[:8]
            }
        elif known.needs_reason and not (item.reason or "").strip():
            errors[f"events.{i}.reason"] = _("A %(c)s event must say why (%(m)s).") % {
                "c": known.code,
                "m": known.meaning.lower(),
            }
        at = item.occurred_at
        if not isinstance(at, dt.datetime):
            at = _parse_time(at)
        if at is None or at.utcoffset() is None:
            errors[f"events.{i}.occurred_at"] = _("Give the time in ISO 8601 with its UTC offset.")
            at = None
        elif not _in_range(at):
            errors[f"events.{i}.occurred_at"] = _too_early()
            at = None
        elif at > latest:
            errors[f"events.{i}.occurred_at"] = _(
                "%(t)s is in the future (more than %(m)d minutes ahead of our clock)."
            ) % {"t": at.isoformat(), "m": FUTURE_TOLERANCE.seconds // 60}
        tz = item.timezone
        if tz:
            tz = tz.strip()
            if tz and not _is_zone(tz):
                errors[f"events.{i}.timezone"] = _("%(z)s is not an IANA time zone.") % {
                    "z": tz[:64]
                }
        lat, lon = item.latitude, item.longitude
        if lat is not None and not -90 <= lat <= 90:
            errors[f"events.{i}.latitude"] = _("Out of range (±%(b)d°).") % {"b": 90}
        if lon is not None and not -180 <= lon <= 180:
            errors[f"events.{i}.longitude"] = _("Out of range (±%(b)d°).") % {"b": 180}
        location_code = item.location_code or ""
        if len(location_code) > 16:
            errors[f"events.{i}.location_code"] = _("At most 16 characters.")
        event_id = (item.event_id or "").strip()
        if not event_id or len(item.event_id) > 64:
            errors[f"events.{i}.event_id"] = _("Give an event id of 1 to 64 characters.")
        if found is None or known is None or at is None:
            continue
        details = dict(item.details) if item.details else {}
        if item.reason:
            details["reason"] = item.reason.strip()[:300]
        events.append(
            EventIn(
                parcel_id=found[0],
                identifier=ident,
                source=source,
                event_id=event_id,
                code=known.code,
                status=known.status,
                occurred_at=at,
                location_code=location_code.strip(),
                location_name=(item.location_name or "").strip()[:120],
                latitude=lat,
                longitude=lon,
                tz=tz or found[2] or "",
                details=details,
                carrier_id=carrier_pk,
            )
        )
    # Everything _check looks at was checked above, against the carrier's stricter rules
    # (codes looked up, times with offsets and not in the future, ids of 1 to 64 characters).
    _raise(errors)
    return _record(events)
