"""The event table's monthly partitions on PostgreSQL (docs/decisions/0008): which exist,
creating the months ahead, and archiving old months to gzip files before dropping them.

The table is partitioned by range of occurred_at: one partition per calendar month (UTC), named
``tracking_trackingevent_pYYYYMM``, plus two catch-alls so that no event is ever refused for
want of a partition: ``…_old`` (from MINVALUE to the first month) and ``…_future`` (from the
last month to MAXVALUE). There is no DEFAULT partition: with ranges only, PostgreSQL reads the
partitions in time order, so "a parcel's newest event" stops at the first partition holding one.
On SQLite nothing here applies: the table stays one table (every function is a no-op there).
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "tracking_trackingevent"
OLD = f"{TABLE}_old"
FUTURE = f"{TABLE}_future"
_MONTH = re.compile(rf"^{TABLE}_p(\d{{4}})(\d{{2}})$")


def month_start(value: dt.date) -> dt.date:
    return dt.date(value.year, value.month, 1)


def add_months(value: dt.date, months: int) -> dt.date:
    index = value.year * 12 + value.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_name(month: dt.date) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def _bound(month: dt.date) -> str:
    """A month's first instant as a timestamptz literal (UTC)."""
    return f"'{month.isoformat()} 00:00:00+00'"


def is_partitioned(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Whether the event table is a partitioned table (PostgreSQL after migration 0006)."""
    conn = conn or connection
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [TABLE],
        )
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class Partition:
    name: str
    month: dt.date | None  # None for the two catch-alls
    rows_estimate: int


def partitions(conn: BaseDatabaseWrapper | None = None) -> list[Partition]:
    """The event table's partitions, months in order, catch-alls last."""
    conn = conn or connection
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reltuples::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        rows = cursor.fetchall()
    out = []
    for name, estimate in rows:
        m = _MONTH.match(name)
        month = dt.date(int(m[1]), int(m[2]), 1) if m else None
        out.append(Partition(name, month, max(int(estimate), 0)))
    return sorted(out, key=lambda p: (p.month is None, p.month or dt.date.min, p.name))


def _months(conn: BaseDatabaseWrapper) -> list[dt.date]:
    return [p.month for p in partitions(conn) if p.month is not None]


def create_months(
    first: dt.date, last: dt.date, conn: BaseDatabaseWrapper | None = None
) -> list[str]:
    """Monthly partitions for every month from `first` to `last` (inclusive) that has none yet,
    taking their range from the catch-alls: ``_future`` is detached, the new months created,
    any of its rows that now belong to a month moved into it, and ``_future`` attached again
    from the new last month (likewise ``_old`` for months before the first). Returns the names
    created. One transaction; the table is locked against writes for its (short) duration."""
    conn = conn or connection
    if not is_partitioned(conn):
        return []
    first, last = month_start(first), month_start(last)
    have = _months(conn)
    wanted = []
    month = first
    while month <= last:
        if month not in have:
            wanted.append(month)
        month = add_months(month, 1)
    if not wanted:
        return []
    # Only contiguous months: a gap between existing months would be covered by no partition.
    lo, hi = min(wanted + have), max(wanted + have)
    wanted, month = [], lo
    while month <= hi:
        if month not in have:
            wanted.append(month)
        month = add_months(month, 1)
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        # DETACH takes this lock anyway: asking for it first avoids upgrading a weaker one.
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {FUTURE}")
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {OLD}")
        for month in wanted:
            cursor.execute(
                f"CREATE TABLE {month_name(month)} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(add_months(month, 1))})"
            )
        start, end = _bound(lo), _bound(add_months(hi, 1))
        # Rows the catch-alls held for the new months go into them (normally none).
        for catch_all, where in (
            (FUTURE, f"occurred_at < {end}"),
            (OLD, f"occurred_at >= {start}"),
        ):
            cursor.execute(
                f"WITH moved AS (DELETE FROM {catch_all} WHERE {where} RETURNING *) "
                f"INSERT INTO {TABLE} SELECT * FROM moved"
            )
        cursor.execute(
            f"ALTER TABLE {TABLE} ATTACH PARTITION {FUTURE} FOR VALUES FROM ({end}) TO (MAXVALUE)"
        )
        cursor.execute(
            f"ALTER TABLE {TABLE} ATTACH PARTITION {OLD} FOR VALUES FROM (MINVALUE) TO ({start})"
        )
    return [month_name(m) for m in wanted]


def create_ahead(months: int, today: dt.date | None = None) -> list[str]:
    """The current month and the `months` after it, where missing (the beat task's job)."""
    current = month_start(today or dt.datetime.now(dt.UTC).date())
    return create_months(current, add_months(current, months))


def _copy_out(cursor: Any, table: str, path: Path) -> int:
    """COPY the table's rows to a gzip file (PostgreSQL's text format, with a header line);
    the number of rows written."""
    tmp = path.with_suffix(path.suffix + ".part")
    sql = f"COPY {table} TO STDOUT WITH (FORMAT text, HEADER true)"
    with gzip.open(tmp, "wb") as out, cursor.copy(sql) as copy:
        for data in copy:
            out.write(data)
    cursor.execute(f"SELECT count(*) FROM {table}")
    rows = cursor.fetchone()[0]
    tmp.rename(path)
    return rows


@dataclass(frozen=True)
class Archived:
    partition: str
    path: Path
    rows: int


def archive_before(
    month: dt.date, to: Path, conn: BaseDatabaseWrapper | None = None
) -> list[Archived]:
    """Every monthly partition wholly before `month` (and whatever ``_old`` holds) detached,
    written to ``<to>/<partition>.tsv.gz`` with COPY, and dropped; ``_old`` is then made to
    cover everything before the first month left, so an event that late still has a place.
    A partition is dropped only after its file is complete (written to ``.part``, then
    renamed). Restore: docs/operations.md."""
    conn = conn or connection
    if not is_partitioned(conn):
        return []
    month = month_start(month)
    to.mkdir(parents=True, exist_ok=True)
    months = _months(conn)
    doomed = [m for m in months if add_months(m, 1) <= month]
    remaining = [m for m in months if m not in doomed]
    # _old's new upper bound: the first month kept (or where _future starts when none is).
    new_start = remaining[0] if remaining else add_months(months[-1], 1) if months else month
    done: list[Archived] = []
    conn.ensure_connection()
    import psycopg

    for m in doomed:
        name = month_name(m)
        with transaction.atomic(using=conn.alias):
            with conn.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
            with psycopg.Cursor(conn.connection) as raw:
                rows = _copy_out(raw, name, to / f"{name}.tsv.gz")
            with conn.cursor() as cursor:
                cursor.execute(f"DROP TABLE {name}")
        done.append(Archived(name, to / f"{name}.tsv.gz", rows))
    if not doomed:
        return done
    # _old: its rows (events older than every month we had) go to a file of their own, and
    # it comes back empty, covering everything before the first month left.
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {OLD}")
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {OLD})")
            has_rows = cursor.fetchone()[0]
        if has_rows:
            path = to / f"{OLD}-before-{month:%Y%m}.tsv.gz"
            with psycopg.Cursor(conn.connection) as raw:
                rows = _copy_out(raw, OLD, path)
            done.append(Archived(OLD, path, rows))
        with conn.cursor() as cursor:
            cursor.execute(f"DROP TABLE {OLD}")
            cursor.execute(
                f"CREATE TABLE {OLD} PARTITION OF {TABLE} "
                f"FOR VALUES FROM (MINVALUE) TO ({_bound(new_start)})"
            )
    return done
