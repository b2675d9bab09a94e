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
