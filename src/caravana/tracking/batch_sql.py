"""The database-specific statements of recording a batch, one version per database: the
INSERT … ON CONFLICT of the events and the judgement of what it changed (on PostgreSQL in the
same statement, through each parcel's state row: docs/decisions/0039; on SQLite after it,
from the parcels' events), and the look-up of a carrier's parcels by S10. SQLite and
PostgreSQL are each given what is fastest on them (tracking.recording says why the batch is
shaped so)."""

from __future__ import annotations

import datetime as dt
import json
import math
from contextlib import closing
from functools import lru_cache, partial
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from caravana.fulfillment.models import Parcel
from caravana.network.models import Gateway
from caravana.tracking import lifecycle, upu
from caravana.tracking.batch import Delivered, EventIn, StatusChange
from caravana.tracking.models import ParcelState, TrackingEvent

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


def rows_json(rows: list[tuple]) -> str:
    """PostgreSQL's batch parameter: the rows as a JSON array of arrays, aware times in RFC
    3339 with their offset and microseconds. orjson, which writes times itself and encodes a
    thousand rows in a tenth of the time json.dumps took with the times made text first (0.2
    against 3.2 ms, measured 2026-12-05); whatever it cannot write (a carrier's details
    holding an integer past 64 bits, say) goes through json.dumps and Django's encoder, as
    before."""
    try:
        return orjson.dumps(rows, default=_ENCODER.default, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(
            [[v.isoformat() if isinstance(v, dt.datetime) else v for v in row] for row in rows],
            cls=DjangoJSONEncoder,
            separators=(",", ":"),
        )


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
    #: PostgreSQL: [the rows as JSON]; SQLite: (the received time, the rows as JSON), or for
    #: executemany (`many`) the rows, a tuple each.
    params: Any
    events: list[EventIn]  # the batch, as checked
    table: str
    many: bool = False


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


#: The state row's columns, in the order the statements below give them.
_STATE_COLUMNS = ("parcel_id", "event_pk", "stage", "occurred_at", "code", "status",
                  "previous_status", "delivered_pk")  # fmt: skip
#: What the upsert gives back: a row per parcel whose state it wrote.
_STATE_RETURNED = ("parcel_id", "event_pk", "code", "previous_status", "status", "delivered_pk")


def _state_upsert() -> str:
    """PostgreSQL: INSERT of the best rows (the CTEs of _best_rows) into the parcels' state, in
    parcel order (so that two statements lock the rows they share in one order), each
    replacing the row already there only when it comes later in the life cycle
    (tracking.lifecycle: higher stage, then later, then recorded last), and the first delivery
    set once. The SET expressions read the row as it was. Under READ
    COMMITTED the upsert judges against the newest committed version of the row, locking it,
    so two batches for one parcel take turns on the row and neither announces a change from a
    state the other has left (tracking.checks)."""
    qn = connection.ops.quote_name
    table = qn(ParcelState._meta.db_table)
    newer = "(excluded.stage, excluded.occurred_at, excluded.event_pk) > (c.stage, c.occurred_at, c.event_pk)"  # noqa: E501
    sets = [
        f"{col} = CASE WHEN {newer} THEN excluded.{col} ELSE c.{col} END"
        for col in ("event_pk", "stage", "occurred_at", "code", "status")
    ]
    sets += [
        f"previous_status = CASE WHEN {newer} THEN c.status ELSE c.previous_status END",
        "delivered_pk = coalesce(c.delivered_pk, excluded.delivered_pk)",
    ]
    return (
        f"INSERT INTO {table} AS c ({', '.join(_STATE_COLUMNS)}) "
        "SELECT b.pid, b.id, b.stage, b.at, b.code, b.status, NULL, e.id "
        "FROM best b LEFT JOIN emi e ON e.pid = b.pid ORDER BY b.pid "
        f"ON CONFLICT (parcel_id) DO UPDATE SET {', '.join(sets)} "
        f"WHERE {newer} OR (c.delivered_pk IS NULL AND excluded.delivered_pk IS NOT NULL)"
    )


class Judged(NamedTuple):
    """What a batch recorded and changed (sqlite_record, pg_record)."""

    created: int
    changes: list[StatusChange]
    delivered: list[Delivered]  # each parcel's first EMI, when none was recorded before


#: A StatusChange from a row of the judging statement, made in C (no Python frame per row).
_status_change = partial(tuple.__new__, StatusChange)


def sqlite_record(insert: Insert, events: list[EventIn]) -> Judged:
    """SQLite: insert a batch and judge what it changed, set-wise, inside the transaction.

    The batch holds SQLite's writer lock from BEGIN (IMMEDIATE) to COMMIT, and AUTOINCREMENT
    ids only grow, so the rows past the highest id before the insert are exactly this batch's,
    and every row at or below it was recorded before. One statement inserts the rows from their
    JSON (event_insert; the driver's executemany where they cannot be written so); then one
    statement finds the parcels whose newest
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
    top, judge, first_emis = _sqlite_statements(insert.table)
    with raw_cursor() as cursor:
        cursor.execute(top)
        (before,) = cursor.fetchone()
        if insert.many:
            cursor.executemany(insert.sql, insert.params)
        else:
            cursor.execute(insert.sql, insert.params)
        created = cursor.rowcount
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


def _best_rows() -> str:
    """The CTEs `best` and `emi` over a relation `ins` (id, pid, at, status, code): each
    parcel's best row (tracking.lifecycle: highest stage, then latest, then recorded last) and
    its earliest EMI. `ins` is a batch's inserted rows (_pg_statement) or every recorded event
    (rebuild_state): one definition for both."""
    return (
        f"best AS (SELECT DISTINCT ON (i.pid) i.pid, i.id, {stage_sql('i')} AS stage, i.at, "
        f"i.code, i.status FROM ins i ORDER BY i.pid, 3 DESC, i.at DESC, i.id DESC), "
        f"emi AS (SELECT DISTINCT ON (i.pid) i.pid, i.id, i.at FROM ins i "
        f"WHERE i.code = 'EMI' ORDER BY i.pid, i.at, i.id)"
    )


def _event_columns() -> str:
    """The event table's columns as `ins` names them (_best_rows)."""
    qn = connection.ops.quote_name
    parcel = qn(TrackingEvent._meta.get_field("parcel").column)
    return f"id, {parcel} AS pid, {qn('occurred_at')} AS at, status, code"


def rebuild_state() -> int:
    """PostgreSQL: every parcel's state row brought up to its recorded events, by the same
    upsert a batch runs (_state_upsert): a row is written where the events hold a later
    current event or a first delivery the row lacks, and never moved back, so what the rows
    know of archived months is kept, and batches may record meanwhile (they take turns on the
    rows). Returns how many rows were written (0 on SQLite, which keeps none). For events
    written around recording: a bulk load, the benchmarks' generated history, a restored
    archive, or batches recorded by the code of before migration 0013 while it ran."""
    if connection.vendor != "postgresql":
        return 0
    table = connection.ops.quote_name(TrackingEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # NOT MATERIALIZED: each of the two CTEs reads the table itself rather than a
            # copy of every event written to disk first.
            f"WITH ins AS NOT MATERIALIZED (SELECT {_event_columns()} FROM {table}), "
            f"{_best_rows()} " + _state_upsert()
        )
        return cursor.rowcount


def pg_record(insert: Insert) -> Judged:
    """PostgreSQL: insert a batch of events and judge what it changed, in one statement
    (_pg_statement): no read of the parcels' earlier events, which sit in every monthly
    partition, and no lock but the state rows' own."""
    delivery = upu.DELIVERY
    s10s = {ev.parcel_id: ev.identifier for ev in insert.events if ev.code == delivery}
    with raw_cursor() as cursor:
        cursor.execute(insert.sql, insert.params, prepare=prepare())
        rows = cursor.fetchall()
    created = rows[0][0]
    utc = dt.UTC
    changes: list[StatusChange] = []
    delivered: list[Delivered] = []
    for _n, pid, pk, code, old, new, changed, d_pk, at in rows:
        if pid is None:  # the count's row when nothing was written
            continue
        if changed:
            changes.append(StatusChange(pid, pk, code, old, new))
        if d_pk is not None:
            delivered.append(Delivered(pid, d_pk, s10s[pid], at.astimezone(utc).isoformat()))
    return Judged(created, changes, delivered)


def event_insert(events: list[EventIn], now: dt.datetime) -> Insert:
    """The insert of a batch of events, skipping repeats (ON CONFLICT DO NOTHING): on
    PostgreSQL the statement of pg_record, which also writes the parcels' state from the rows
    it kept (Django's bulk_create(ignore_conflicts=True) cannot say which those are). The rows
    travel as one JSON parameter of an INSERT … SELECT instead of a parameter per value: the
    drivers spend longer adapting 14,000 values one by one than the databases spend
    inserting (on SQLite the statement reads them with json_each in C: 0.6 ms to write a
    thousand rows and 11.0 ms to insert them, against 2.0 and 12.8 ms for the tuples of an
    executemany, measured 2026-12-05). Built outside the transaction."""
    table, sql = _insert_sql(connection.vendor)
    if connection.vendor == "postgresql":
        rows = [
            (ev.parcel_id, ev.source, ev.event_id, ev.code, ev.status, ev.occurred_at, now,
             ev.location_code[:16], ev.location_name[:120], ev.latitude, ev.longitude,
             ev.tz[:64], ev.details or None, ev.carrier_id)
            for ev in events
        ]  # fmt: skip
        return Insert(sql, [rows_json(rows)], events, table)
    rows = _sqlite_rows(events)
    text = sqlite_rows_json(events, rows)
    if text is None:
        return sqlite_many_insert(events, now, rows)
    return Insert(_sqlite_json_insert_sql(table), (sqlite_time(now), text), events, table)


def _sqlite_rows(events: list[EventIn]) -> list[tuple]:
    """SQLite: a tuple per event of the values stored (the columns of _EVENT_FIELDS but the
    received time), its time an aware datetime in UTC (astimezone only where it is not: a
    copy), its details as their stored text."""
    utc = dt.UTC
    text = details_text
    return [
        (ev.parcel_id, ev.source, ev.event_id, ev.code, ev.status,
         at if (at := ev.occurred_at).tzinfo is utc else at.astimezone(utc),
         ev.location_code[:16], ev.location_name[:120], ev.latitude, ev.longitude,
         ev.tz[:64], text(d) if (d := ev.details) else "{}", ev.carrier_id)
        for ev in events
    ]  # fmt: skip


def sqlite_many_insert(
    events: list[EventIn], now: dt.datetime, rows: list[tuple] | None = None
) -> Insert:
    """SQLite: the insert of a batch as an executemany of a tuple per event, for a batch whose
    JSON SQLite would not read back as given (sqlite_rows_json). `rows`: _sqlite_rows'."""
    table, sql = _insert_sql(connection.vendor)
    received = sqlite_time(now)
    # Django's SQLite text of an aware UTC time: str() with "+00:00" cut off.
    params = [
        (*r[:5], str(r[5])[:-6], received, *r[6:])
        for r in (_sqlite_rows(events) if rows is None else rows)
    ]
    return Insert(sql, params, events, table, many=True)


def sqlite_rows_json(events: list[EventIn], rows: list[tuple]) -> str | None:
    """SQLite's batch parameter: `rows` (_sqlite_rows) as a JSON array of arrays, times ending
    in "Z". None where orjson cannot write a value as SQLite must read it back (a type it does
    not know, which Django's encoder would write differently; an infinite coordinate, which it
    writes as null; a string holding NUL, which SQLite's JSON cuts short): such a batch goes
    to executemany, which binds each value itself."""
    points = [v for ev in events for v in (ev.latitude, ev.longitude) if v is not None]
    try:
        if points and not all(map(math.isfinite, points)):
            return None
    except TypeError:  # not a number: let the driver bind it as it always did
        return None
    try:
        data = orjson.dumps(rows, option=orjson.OPT_UTC_Z)
    except orjson.JSONEncodeError:
        return None
    if b"\\u0000" in data:
        return None
    # SQLite before 3.45 refuses a BLOB as JSON: the text goes as a str.
    return data.decode()


@lru_cache(maxsize=4)
def _sqlite_json_insert_sql(table: str) -> str:
    """SQLite: the INSERT … SELECT of a batch from its JSON (sqlite_rows_json: ?1 the received
    time, ?2 the rows), in the rows' order (ids follow it: the life cycle breaks a tie by id,
    and a repeat inside the batch keeps its first row, as executemany did). Each time is
    turned into Django's text, naive UTC, by dropping the "Z" and the "T"; json_extract
    rather than ->> , which needs SQLite 3.38 (caravana.E007 asks 3.35)."""
    meta: Any = TrackingEvent._meta
    qn = connection.ops.quote_name
    columns = ", ".join(qn(meta.get_field(name).column) for name in _EVENT_FIELDS)
    values = []
    position = 0
    for name in _EVENT_FIELDS:
        if name == "received_at":
            values.append("?1")
            continue
        value = f"json_extract(value, '$[{position}]')"
        if name == "occurred_at":
            value = f"replace(rtrim({value}, 'Z'), 'T', ' ')"
        values.append(value)
        position += 1
    # WHERE true: without it "ON" would be read as a join's (SQLite's documented ambiguity).
    return (
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(values)} FROM json_each(?2) "
        "WHERE true ORDER BY key ON CONFLICT DO NOTHING"
    )


@lru_cache(maxsize=4)
def _insert_sql(vendor: str) -> tuple[str, str]:
    """event_insert's table and statement, written once per database (`vendor`); on SQLite
    the executemany one (the JSON one is _sqlite_json_insert_sql)."""
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
        insert = (
            head + f"SELECT {select} FROM jsonb_array_elements(%s::jsonb) AS r "
            f"ON CONFLICT DO NOTHING"
        )
        return table, _pg_statement(insert)
    return table, head + f"VALUES ({', '.join('?' * len(columns))}) ON CONFLICT DO NOTHING"


def _pg_statement(insert: str) -> str:
    """pg_record's statement around `insert` (the batch's INSERT … ON CONFLICT DO NOTHING):
    from the rows the insert kept, each parcel's best one (tracking.lifecycle) and earliest
    EMI, upserted into the parcels' state (_state_upsert) in parcel order, so that two batches
    lock the rows they share in the same order; then a row per state written, saying whether
    its current event and its first delivery are now this batch's, each with the count of
    events inserted (a single row of the count alone when no state was written)."""
    return (
        f"WITH ins AS ({insert} RETURNING {_event_columns()}), {_best_rows()}, "
        f"up AS ({_state_upsert()} RETURNING {', '.join(_STATE_RETURNED)}) "
        f"SELECT n.n, up.parcel_id, up.event_pk, up.code, up.previous_status, up.status, "
        f"up.event_pk = b.id, e.id, e.at "
        f"FROM (SELECT count(*) AS n FROM ins) AS n LEFT JOIN up ON true "
        f"LEFT JOIN best b ON b.pid = up.parcel_id "
        f"LEFT JOIN emi e ON e.pid = up.parcel_id AND e.id = up.delivered_pk"
    )


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
