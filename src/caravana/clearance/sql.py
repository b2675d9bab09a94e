"""The one statement the desk runs set-wise that the ORM has no form for: many cases' new
status, each with its own times, in one UPDATE … FROM (VALUES …) per chunk (SQLite ≥ 3.33 and
PostgreSQL both have it; Django's bulk_update would write a CASE per column per row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from caravana.clearance.models import Case, Decision
from caravana.tracking.batch_sql import sqlite_time

#: Rows per statement: 6 parameters a row stays far under SQLite's 32,766.
CHUNK = 800


def update_cases(
    rows: Sequence[tuple[int, str, str, dt.datetime | None, dt.datetime | None, int | None]],
    now: dt.datetime,
) -> int:
    """(case id, status, hold reason, held at, released at, clearance seconds) per case; a
    None time or seconds keeps what the case holds."""
    table = connection.ops.quote_name(Case._meta.db_table)
    adapt = _adapt()
    pg = connection.vendor == "postgresql"
    one = (
        "(%s::bigint, %s::varchar, %s::varchar, %s::timestamptz, %s::timestamptz, %s::integer)"
        if pg
        else "(%s, %s, %s, %s, %s, %s)"
    )
    done = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            params: list = []
            for pk, status, reason, held, released, secs in chunk:
                params += [pk, status, reason, adapt(held), adapt(released), secs]
            values = ", ".join([one] * len(chunk))
            sql = (
                f"WITH v(id, status, reason, held_at, released_at, secs) AS (VALUES {values}) "
                f"UPDATE {table} SET status = v.status, hold_reason = v.reason, "
                f"held_at = COALESCE(v.held_at, {table}.held_at), "
                f"released_at = COALESCE(v.released_at, {table}.released_at), "
                f"clearance_seconds = COALESCE(v.secs, {table}.clearance_seconds), "
                f"updated_at = %s FROM v WHERE {table}.id = v.id"
            )
            cursor.execute(sql, [*params, adapt(now)])
            done += cursor.rowcount
    return done


def _adapt():
    """A time as the database takes it: PostgreSQL an aware datetime, SQLite Django's naive UTC
    text (remembered: a file repeats a few times thousands of times)."""
    if connection.vendor == "postgresql":
        return lambda value: value
    return lambda value: None if value is None else sqlite_time(value)


#: The decision columns insert_decisions writes, in order.
DECISION_COLUMNS = (
    "case_id", "gateway_id", "outcome", "reason", "note", "decided_at", "source", "reference",
    "actor_id", "recorded_at",
)  # fmt: skip
DECISION_CHUNK = 500


def insert_decisions(rows: Sequence[tuple]) -> None:
    """New Decision rows, DECISION_COLUMNS per row, a multi-row INSERT per chunk: the ORM's
    bulk_create spent most of a 60,000-row file preparing each value of each model instance."""
    qn = connection.ops.quote_name
    table = qn(Decision._meta.db_table)
    columns = ", ".join(qn(c) for c in DECISION_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(DECISION_COLUMNS)) + ")"
    adapt = _adapt()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), DECISION_CHUNK):
            chunk = rows[start : start + DECISION_CHUNK]
            params: list = []
            for case, gw, outcome, reason, note, at, source, ref, actor, now in chunk:
                params += [case, gw, outcome, reason, note, adapt(at), source, ref, actor,
                           adapt(now)]  # fmt: skip
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))}", params
            )


def insert_cases(manifest_id: int, gateway_id: int, flight_id: int, arrived, presented, now) -> int:
    """A case for every parcel of `flight_id` for `gateway_id` without one yet, in one
    INSERT … SELECT: presenting a 60,000-parcel flight moves no row through Python."""
    from caravana.fulfillment.models import Bag, Parcel, Uld

    qn = connection.ops.quote_name
    adapt = _adapt()
    case, parcel = qn(Case._meta.db_table), qn(Parcel._meta.db_table)
    bag, uld = qn(Bag._meta.db_table), qn(Uld._meta.db_table)
    sql = (
        f"INSERT INTO {case} (parcel_id, manifest_id, gateway_id, status, hold_reason, "
        f"arrived_at, presented_at, updated_at) "
        f"SELECT p.id, %s, %s, 'presented', '', %s, %s, %s FROM {parcel} p "
        f"JOIN {bag} b ON b.id = p.bag_id JOIN {uld} u ON u.id = b.uld_id "
        f"WHERE u.flight_id = %s AND p.gateway_id = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {case} c WHERE c.parcel_id = p.id)"
    )
    params = [manifest_id, gateway_id, adapt(arrived), adapt(presented), adapt(now), flight_id,
              gateway_id]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def cases_by_s10(identifiers: Sequence[str], chunk: int) -> list[tuple]:
    """(case, parcel, S10, gateway, country, order ref, merchant, status, hold reason,
    presented at, held at) of the presented parcels among `identifiers`; raw SQL because
    Django's IN lookup prepares each of a thousand values one by one."""
    from caravana.fulfillment.models import Parcel

    qn = connection.ops.quote_name
    case, parcel = qn(Case._meta.db_table), qn(Parcel._meta.db_table)
    conv = _time_from_db()
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(identifiers), chunk):
            part = identifiers[start : start + chunk]
            cursor.execute(
                f"SELECT c.id, p.id, p.s10, c.gateway_id, p.recipient_country, p.order_ref, "
                f"p.merchant_id, c.status, c.hold_reason, c.presented_at, c.held_at "
                f"FROM {case} c JOIN {parcel} p ON p.id = c.parcel_id "
                f"WHERE p.s10 IN ({', '.join(['%s'] * len(part))})",
                list(part),
            )
            rows += [(*r[:9], conv(r[9]), conv(r[10])) for r in cursor.fetchall()]
    return rows


def decision_keys(case_ids: Sequence[int], chunk: int) -> list[tuple]:
    """(case, outcome, reason, decided at in UTC) of the decisions recorded for `case_ids`."""
    table = connection.ops.quote_name(Decision._meta.db_table)
    conv = _time_from_db()
    keys: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(case_ids), chunk):
            part = case_ids[start : start + chunk]
            cursor.execute(
                f"SELECT case_id, outcome, reason, decided_at FROM {table} "
                f"WHERE case_id IN ({', '.join(['%s'] * len(part))})",
                list(part),
            )
            keys += [(c, out, reason, conv(at)) for c, out, reason, at in cursor.fetchall()]
    return keys


def _time_from_db():
    """A time column's raw value as an aware UTC datetime (SQLite gives naive UTC text)."""
    if connection.vendor == "postgresql":
        return lambda v: None if v is None else v.astimezone(dt.UTC)

    def sqlite(v):
        if v is None:
            return None
        if isinstance(v, str):
            v = dt.datetime.fromisoformat(v)
        return v.replace(tzinfo=dt.UTC)

    return sqlite
