"""The one statement the desk runs set-wise that the ORM has no form for: many cases' new
status, each with its own times, in one UPDATE … FROM (VALUES …) per chunk (SQLite ≥ 3.33 and
PostgreSQL both have it; Django's bulk_update would write a CASE per column per row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from caravana.clearance.models import Case

#: Rows per statement: 6 parameters a row stays far under SQLite's 32,766.
CHUNK = 800


def update_cases(
    rows: Sequence[tuple[int, str, str, dt.datetime | None, dt.datetime | None, int | None]],
    now: dt.datetime,
) -> int:
    """(case id, status, hold reason, held at, released at, clearance seconds) per case; a
    None time or seconds keeps what the case holds."""
    table = connection.ops.quote_name(Case._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
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
