"""The database-specific statements of recording a batch, one version per database: the
INSERT … ON CONFLICT of the events, the read of each parcel's newest event before it (with
PostgreSQL's advisory locks), and the look-up of a carrier's parcels by S10. SQLite and
PostgreSQL are each given what is fastest on them (tracking.recording says why the batch is
shaped so)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from contextlib import closing
from functools import lru_cache, partial
from typing import Any, NamedTuple

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from caravana.fulfillment.models import Parcel
from caravana.network.models import Gateway
from caravana.tracking import lifecycle, upu
from caravana.tracking.batch import Delivered, EventIn, StatusChange
from caravana.tracking.models import TrackingEvent

#: Rows per INSERT / status read: keeps statements under SQLite's bound-parameter limit.
CHUNK = 1000


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
def sqlite_time(value: dt.datetime) -> str:
    """Django's SQLite text for an aware datetime (naive UTC). Remembered: a batch converts
    each event's time twice (insert, comparison), and a carrier's events share times."""
    # str() of an aware UTC datetime ends in "+00:00": cut it rather than copy the value.
    return str(value.astimezone(dt.UTC))[:-6]


#: details_text's remembered texts, by the details' items (all str: see details_text).
_DETAILS_TEXT: dict[tuple, str] = {}
_DETAILS_TEXT_MAX = 4096
_ENCODER = DjangoJSONEncoder()


def details_text(details: dict[str, Any] | None) -> str:
    """An event's details as the JSON text SQLite stores ("{}" for none). Remembered for
    details whose keys and values are all strings, which is nearly every event's (a carrier's
    status, a hub step): a carrier's batch repeats a handful of them, and encoding each anew
    cost more than binding the whole row. Only such items are kept, so a hit is a dict of the
    same strings in the same order, whose JSON is the same text; anything else (numbers,
    lists, an unhashable value) is encoded each time."""
    if not details:
        return "{}"
    try:
        key = tuple(details.items())
        text = _DETAILS_TEXT.get(key)
    except TypeError:  # an unhashable value
        return _ENCODER.encode(details)
    if text is None:
        text = _ENCODER.encode(details)
        if len(_DETAILS_TEXT) < _DETAILS_TEXT_MAX and all(
            k.__class__ is str and v.__class__ is str for k, v in key
        ):
            _DETAILS_TEXT[key] = text
    return text


def prepare() -> bool | None:
    """psycopg's `prepare` for tracking's hot statements on PostgreSQL: True (prepared on first
    use on a connection, so PostgreSQL stops planning them: over every monthly partition,
    planning cost more than running), unless TRACKING_PREPARED_STATEMENTS is off (behind
    PgBouncer in transaction mode before 1.21). Django leaves psycopg's automatic preparation
    off by default."""
    return True if settings.TRACKING_PREPARED_STATEMENTS else None


def raw_cursor() -> Any:
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


class Insert(NamedTuple):
    sql: str
    params: list[Any]  # PostgreSQL: [the rows as JSON]; SQLite: the rows, a tuple each
    chunk: list[EventIn]
    table: str


def insert_events(insert: Insert) -> list[tuple[int, EventIn]]:
    """PostgreSQL: run a statement of event_insert; the new events with their ids."""
    with raw_cursor() as cursor:
        cursor.execute(insert.sql, insert.params, prepare=prepare())
        by_key = {(ev.source, ev.event_id): ev for ev in insert.chunk}
        return [(pk, by_key[(src, eid)]) for pk, src, eid in cursor.fetchall()]


def stage_sql(alias: str) -> str:
    """The life-cycle stage of an outcome event's status (lifecycle.STAGE), in SQL."""
    qn = connection.ops.quote_name
    whens = " ".join(
        f"WHEN '{status}' THEN {lifecycle.STAGE[status]:d}" for status in lifecycle.OUTCOMES
    )
    return f"CASE {alias}.{qn('status')} {whens} ELSE 0 END"


def outcomes_sql(alias: str) -> str:
    """The partial index's condition, word for word, so that both planners may use it."""
    qn = connection.ops.quote_name
    listed = ", ".join(f"'{status}'" for status in lifecycle.OUTCOMES)
    return f"{alias}.{qn('status')} IN ({listed})"


def current_sql(table: str, pid: str, bound: str = "") -> str:
    """SQLite: the id of the parcel `pid`'s current event (tracking.lifecycle): its outcome
    event of the highest stage, the latest of them, found through the partial index
    trk_event_parcel_outcome (a probe that finds nothing for a parcel still on its way);
    otherwise its newest event, through (parcel, occurred_at, id). `bound`: only events with
    an id up to it (what was recorded before a batch)."""
    qn = connection.ops.quote_name
    parcel, at = qn(TrackingEvent._meta.get_field("parcel").column), qn("occurred_at")
    upto_z = f" AND z.id <= {bound}" if bound else ""
    upto_y = f" AND y.id <= {bound}" if bound else ""
    return (
        f"coalesce((SELECT z.id FROM {table} z INDEXED BY trk_event_parcel_outcome "
        f"WHERE z.{parcel} = {pid} AND {outcomes_sql('z')}{upto_z} "
        f"ORDER BY {stage_sql('z')} DESC, z.{at} DESC, z.id DESC LIMIT 1), "
        f"(SELECT y.id FROM {table} y WHERE y.{parcel} = {pid}{upto_y} "
        f"ORDER BY y.{at} DESC, y.id DESC LIMIT 1))"
    )


class Judged(NamedTuple):
    """What a SQLite batch recorded and changed (sqlite_record)."""

    created: int
    changes: list[StatusChange]
    delivered: list[Delivered]  # each parcel's first EMI, when none was recorded before


#: A StatusChange from a row of the judging statement, made in C (no Python frame per row).
_status_change = partial(tuple.__new__, StatusChange)


def sqlite_record(inserts: list[Insert], events: list[EventIn]) -> Judged:
    """SQLite: insert a batch and judge what it changed, set-wise, inside the transaction.

    The batch holds SQLite's writer lock from BEGIN (IMMEDIATE) to COMMIT, and AUTOINCREMENT
    ids only grow, so the rows past the highest id before the insert are exactly this batch's,
    and every row at or below it was recorded before. The driver's executemany inserts (one
    compiled statement, the rows bound in C); then one statement finds the parcels whose newest
    event (by time, then id) is now one of the batch's, with the status of their newest earlier
    event, and one more (only when the batch holds an EMI) each parcel's first EMI when none
    was recorded before, its time already in the UTC ISO 8601 text the follow-up task carries
    (tracking.batch.Delivered). The index (parcel, occurred_at, id) serves both: a probe or
    two per parcel, in SQLite's C, instead of reading every parcel's state before the insert
    and comparing event by event in Python (docs/decisions/0004). The batch's own rows are
    read by id range (NOT INDEXED: otherwise SQLite's planner walks the whole parcel index for
    the DISTINCT). `events`: the batch as checked (its EMIs' S10s are taken from there)."""
    delivery = upu.DELIVERY
    s10s = {ev.parcel_id: ev.identifier for ev in events if ev.code == delivery}
    top, judge, first_emis = _sqlite_statements(inserts[0].table)
    with raw_cursor() as cursor:
        cursor.execute(top)
        (before,) = cursor.fetchone()
        created = 0
        for insert in inserts:
            cursor.executemany(insert.sql, insert.params)
            created += cursor.rowcount
        if not created:
            return Judged(0, [], [])
        cursor.execute(judge, (before,))
        changes = list(map(_status_change, cursor.fetchall()))
        delivered: list[Delivered] = []
        if s10s:
            cursor.execute(first_emis, (before,))
            last = None
            for pid, pk, at in cursor.fetchall():
                if pid != last:  # the earliest EMI of the parcel's in the batch
                    last = pid
                    delivered.append(Delivered(pid, pk, s10s[pid], at))
    return Judged(created, changes, delivered)


@lru_cache(maxsize=4)
def _sqlite_statements(table: str) -> tuple[str, str, str]:
    """sqlite_record's three statements (the highest id; the changes; the first EMIs), written
    once: building them cost a batch more than running the first."""
    meta = TrackingEvent._meta
    qn = connection.ops.quote_name
    parcel, at = qn(meta.get_field("parcel").column), qn("occurred_at")
    current, before_bound = current_sql(table, "b.pid"), current_sql(table, "b.pid", "?1")
    judge = (
        f"SELECT b.pid, n.id, n.code, (SELECT o.status FROM {table} o "
        f"WHERE o.id = {before_bound}), n.status "
        f"FROM (SELECT DISTINCT {parcel} AS pid FROM {table} NOT INDEXED "
        f"WHERE id > ?1) AS b "
        f"JOIN {table} n ON n.id = {current} WHERE n.id > ?1 ORDER BY b.pid"
    )
    # The stored text is Django's naive UTC ("2026-12-03 10:00:00[.ffffff]"): with a "T" and
    # "+00:00" it is the ISO 8601 text Python's isoformat() gives the same time in UTC.
    first_emis = (
        f"SELECT e.{parcel}, e.id, replace(e.{at}, ' ', 'T') || '+00:00' "
        f"FROM {table} AS e NOT INDEXED "
        f"WHERE e.id > ?1 AND e.code = 'EMI' AND NOT EXISTS (SELECT 1 FROM {table} x "
        f"WHERE x.{parcel} = e.{parcel} AND x.code = 'EMI' AND x.id <= ?1) "
        f"ORDER BY e.{parcel}, e.{at}, e.id"
    )
    return f"SELECT coalesce(max(id), 0) FROM {table}", judge, first_emis


def event_insert(chunk: list[EventIn], now: dt.datetime) -> Insert:
    """The insert of a chunk of events, skipping repeats (ON CONFLICT DO NOTHING), from which
    insert_events learns which rows are new (Django's bulk_create(ignore_conflicts=True) does
    the same insert but cannot say which rows it kept). On PostgreSQL the rows travel as one
    JSON parameter of an INSERT … SELECT … RETURNING instead of 14,000 parameters, which the
    driver would otherwise spend longer adapting than the server spends inserting; on SQLite
    they go to executemany (sqlite_record). Built outside the transaction."""
    pg = connection.vendor == "postgresql"
    table, sql = _insert_sql(connection.vendor)
    if pg:
        # PostgreSQL gets the rows as JSON: times as ISO 8601 text straight away, so the rows
        # need no second pass before json.dumps. One JSON parameter: a thousand rows cost one
        # json.dumps (in C) instead of the driver's per-value Python adaptation.
        received = now.isoformat()
        rows = [
            (ev.parcel_id, ev.source, ev.event_id, ev.code, ev.status, ev.occurred_at.isoformat(),
             received, ev.location_code[:16], ev.location_name[:120], ev.latitude, ev.longitude,
             ev.tz[:64], ev.details or None, ev.carrier_id)
            for ev in chunk
        ]  # fmt: skip
        params: list[Any] = [json.dumps(rows, cls=DjangoJSONEncoder, separators=(",", ":"))]
    else:
        received = sqlite_time(now)
        utc = dt.UTC
        text = details_text
        # Django's SQLite text of an aware time is naive UTC: str() with "+00:00" cut off,
        # converted first unless it is in UTC already (most are: astimezone makes a copy).
        params = [
            (ev.parcel_id, ev.source, ev.event_id, ev.code, ev.status,
             str(at if (at := ev.occurred_at).tzinfo is utc else at.astimezone(utc))[:-6],
             received, ev.location_code[:16], ev.location_name[:120], ev.latitude,
             ev.longitude, ev.tz[:64], text(d) if (d := ev.details) else "{}", ev.carrier_id)
            for ev in chunk
        ]  # fmt: skip
    return Insert(sql, params, chunk, table)


@lru_cache(maxsize=4)
def _insert_sql(vendor: str) -> tuple[str, str]:
    """event_insert's table and statement, written once per database (`vendor`)."""
    # Any: get_field is typed to include reverse relations, which have no column.
    meta: Any = TrackingEvent._meta
    columns = [meta.get_field(name).column for name in _EVENT_FIELDS]
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    head = f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "
    # No conflict target: the unique key is (source, event_id, occurred_at) on PostgreSQL's
    # partitioned table and still (source, event_id) in SQLite's (docs/decisions/0008).
    if vendor == "postgresql":
        select = ", ".join(f"(r->>{i})::{t}" for i, t in enumerate(_PG_TYPES))
        # details travel as JSON inside the row; an empty one as null, stored as {}.
        select = select.replace("(r->>12)::jsonb", "coalesce(r->12, '{}'::jsonb)")
        return table, (
            head + f"SELECT {select} FROM jsonb_array_elements(%s::jsonb) AS r "
            f"ON CONFLICT DO NOTHING RETURNING {qn('id')}, {qn('source')}, {qn('event_id')}"
        )
    return table, head + f"VALUES ({', '.join('?' * len(columns))}) ON CONFLICT DO NOTHING"


def pg_array(values: Iterable[int | str]) -> str:
    """Integers, or PostgreSQL's boolean words "t"/"f", as the text of a PostgreSQL array
    ("{1,2,3}"), for a ``%s::bigint[]`` (or ``bool[]``) parameter: psycopg adapts a list in
    Python, item by item (about a tenth of a webhook batch's Python time on PostgreSQL,
    profiled), where this is one join in C. Only for values whose text needs no quoting
    (never a carrier's string)."""
    return "{" + ",".join(map(str, values)) + "}"


#: Advisory-lock namespaces (pg_advisory_xact_lock's first key): one lock per parcel ("trk"
#: in ASCII), and one over all of them ("tra") for batches of more parcels than that.
PG_LOCK_SPACE = 0x74726B
PG_LOCK_ALL = 0x747261
#: A batch of more parcels than this (a flight's EMC for everything on board) locks them all at
#: once instead of one by one: a lock per parcel would overflow PostgreSQL's shared lock table
#: (max_locks_per_transaction × max_connections entries, 6,400 by default).
PARCEL_LOCKS_MAX = 1000


def _pg_take_turns(cursor: Any, parcel_ids: list[int], nested: bool) -> None:
    """The advisory locks of read_prior, held to the end of the transaction. A batch recorded
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
        # Per connection: a transaction's count survives between nested batches.
        connection._tracking_parcel_locks = (xid, held + len(parcel_ids))  # type: ignore[attr-defined]
    if held + len(parcel_ids) > PARCEL_LOCKS_MAX:
        # Exclusive over every parcel: waits for the batches in flight and holds off new ones
        # until this commits. Rare (a flight's movement, many hub steps at once) and short.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [PG_LOCK_ALL])
        return
    cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, 0)", [PG_LOCK_ALL])
    # In key order (a parcel id past 2³¹ − 1 wraps), so two batches never wait on each other
    # in opposite orders.
    cursor.execute(
        "SELECT count(pg_advisory_xact_lock(%s, k)) FROM (SELECT DISTINCT "
        "(x %% 2147483647)::int AS k FROM unnest(%s::bigint[]) AS x ORDER BY k) AS keys",
        [PG_LOCK_SPACE, pg_array(parcel_ids)],
        prepare=prepare(),
    )


#: "Is this an EMI?" spelled so that no planner can answer "has this parcel an EMI?" from
#: trk_event_delivered, the deliveries' index by time (occurred_at, parcel) WHERE code = 'EMI':
#: led by the time, it holds the parcel second, so a probe for one parcel reads every EMI of
#: the partition. PostgreSQL chose it whenever its statistics predate the month's deliveries
#: (0.4 ms a parcel, 85 of a batch's 99 ms at a million events stored); the parcel's own index
#: (parcel, occurred_at, id) reads its few events instead.
_EMI_BY_PARCEL = "x.code || '' = 'EMI'"


def read_prior(
    parcel_ids: list[int], emi_ids: list[int], nested: bool = False
) -> tuple[dict[int, tuple], set[int]]:
    """Before a batch is inserted: each parcel's current recorded event (tracking.lifecycle: its
    latest outcome event of the highest stage, else its newest) as (time key, event id,
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
    with raw_cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_take_turns(cursor, parcel_ids, nested)
            # Both lookups are LATERAL with LIMIT 1, an index probe per parcel: written as a
            # correlated EXISTS, the EMI test was planned as one hashed scan of every EMI
            # in the table.
            emi = set(emi_ids)
            # The outcome probe reads the partial index trk_event_parcel_outcome; a parcel
            # still on its way has no row there.
            micros = "(extract(epoch FROM {0}) * 1000000)::bigint"
            cursor.execute(
                f"SELECT v.pid, {micros.format('e.' + at)}, e.id, e.status, "
                f"d.found IS NOT NULL, {micros.format('f.' + at)}, f.id, f.status "
                f"FROM unnest(%s::bigint[], %s::bool[]) AS v(pid, emi) "
                f"CROSS JOIN LATERAL (SELECT y.id, y.{at}, y.status FROM {table} y "
                f"WHERE y.{parcel} = v.pid ORDER BY y.{at} DESC, y.id DESC LIMIT 1) AS e "
                f"LEFT JOIN LATERAL (SELECT z.id, z.{at}, z.status FROM {table} z "
                f"WHERE z.{parcel} = v.pid AND {outcomes_sql('z')} "
                f"ORDER BY {stage_sql('z')} DESC, z.{at} DESC, z.id DESC LIMIT 1) AS f ON true "
                f"LEFT JOIN LATERAL (SELECT true AS found FROM {table} x WHERE v.emi "
                f"AND x.{parcel} = v.pid AND {_EMI_BY_PARCEL} LIMIT 1) AS d ON true",
                [
                    pg_array(parcel_ids),
                    pg_array(["t" if pid in emi else "f" for pid in parcel_ids]),
                ],
                prepare=prepare(),
            )
        else:
            # occurred_at || '': the stored text, without the datetime converter.
            cursor.execute(
                f"SELECT v.value, e.{at} || '', e.id, e.status, "
                f"CASE WHEN v.value IN (SELECT value FROM json_each(?)) THEN EXISTS (SELECT 1 "
                f"FROM {table} x WHERE x.{parcel} = v.value AND x.code = 'EMI') ELSE 0 END, "
                f"NULL, NULL, NULL "
                f"FROM json_each(?) AS v JOIN {table} e ON e.id = {current_sql(table, 'v.value')}",
                [json.dumps(emi_ids), json.dumps(parcel_ids)],
            )
        rows = cursor.fetchall()
    # The current event: the outcome one when there is one (it outranks any later scan).
    return {
        pid: (f_at, f_pk, f_status) if f_pk is not None else (at_key, pk, status)
        for pid, at_key, pk, status, _emi, f_at, f_pk, f_status in rows
    }, {row[0] for row in rows if row[4]}


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def pg_micros(value: dt.datetime) -> int:
    """An aware time as integer microseconds since the epoch, as read_prior reads it back."""
    return (value - _EPOCH) // _MICROSECOND


def time_key() -> Callable[[dt.datetime], Any]:
    """A new event's time as read_prior reads a recorded one back, to compare the two: exact
    integer microseconds on PostgreSQL, Django's own UTC text on SQLite (which orders
    correctly as text); parsing the recorded times back into datetimes would cost more than
    reading them."""
    return pg_micros if connection.vendor == "postgresql" else sqlite_time


def parcels_by_s10(identifiers: set[str]) -> dict[str, tuple[int, int | None, str | None]]:
    """(parcel id, carrier id, gateway time zone) by S10, in one statement written once: the
    ORM spent longer building an IN of a thousand identifiers than the database answering."""
    if not identifiers:
        return {}
    # Any: get_field is typed to include reverse relations, which have no column.
    parcel: Any = Parcel._meta
    gateway: Any = Gateway._meta
    qn = connection.ops.quote_name
    sql = (
        f"SELECT p.{qn('id')}, p.{qn('s10')}, p.{qn(parcel.get_field('carrier').column)}, "
        f"g.{qn(gateway.get_field('timezone').column)} FROM {qn(parcel.db_table)} p "
        f"LEFT JOIN {qn(gateway.db_table)} g "
        f"ON g.{qn('id')} = p.{qn(parcel.get_field('gateway').column)} "
    )
    with raw_cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql + f"WHERE p.{qn('s10')} = ANY(%s)", [list(identifiers)])
        else:
            cursor.execute(
                sql + f"WHERE p.{qn('s10')} IN ({', '.join('?' * len(identifiers))})",
                list(identifiers),
            )
        return {s10: (pk, carrier_id, tz) for pk, s10, carrier_id, tz in cursor.fetchall()}
