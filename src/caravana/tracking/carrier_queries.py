"""Carrier performance per country and carrier, read set-wise from the tracking events.

One statement for any period (tracking.carrier_figures turns its rows into the figures):

1. **delivered**: each parcel's first EMI in the period, read through the partial index
   ``trk_event_delivered`` (occurred_at, parcel) WHERE code = 'EMI', so the period is an index
   range, never a scan of the events (on PostgreSQL also pruned to the period's months);
   a parcel with an EMI before the period was delivered then and is left out;
2. per delivered parcel, index probes of ``trk_event_parcel_time`` (parcel, occurred_at, id):
   a failed attempt (EMH) before the EMI, the customs release (EDC) and the handover
   (``handover_sql``). Every probe is bounded below by the period's start less JOURNEY_DAYS
   (PostgreSQL prunes the older months when planning) and by the parcel's delivery less
   JOURNEY_DAYS (it prunes the rest per parcel as it runs), so each touches the two or three
   months that can hold the journey.
   The CTE holding them is MATERIALIZED (SQLite ≥ 3.35, PostgreSQL ≥ 12): inlined, SQLite
   evaluated the handover twice, once for the SELECT and once for the GROUP BY;
3. joined to the parcel (destination country, last-mile carrier, label time) and its service
   level (the promise), then counted per (country, carrier, whole hours from handover to
   delivery): a few thousand rows at most, whatever the number of parcels.

The promise (network.promise.window): the last day is the label's date in the destination's
time zone + PROMISE_HANDLING_DAYS_AFTER_LABEL (0: a parcel with a label has been handled) +
the service level's transit_max_days; a parcel is within it when its EMI's date in that zone is
on or before that day. The order's own promised_by (counted from payment) is not read: orders
listens to tracking, tracking never imports orders (DESIGN.md), and a parcel made without an
order (the merchant console, the API) has no such date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from caravana import markets
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier, ServiceLevel
from caravana.tracking.carrier_figures import Bucket
from caravana.tracking.models import TrackingEvent

#: How far before its delivery a parcel's journey is looked at (its failed attempts, release,
#: handover), and before the period an earlier delivery: longer than any journey Caravana
#: promises (the seeded levels: at most 45 days), short enough that PostgreSQL probes only
#: the two or three monthly partitions that can hold it (pruned per parcel as it runs).
JOURNEY_DAYS = 60
#: Days added to the label's date for the promise: the merchant's handling (network.promise)
#: is over once the parcel has its label.
PROMISE_HANDLING_DAYS_AFTER_LABEL = 0
#: Events of the arrival gateway and import customs: never the carrier's handover.
GATEWAY_CODES = ("EMD", "EDA", "EDB", "EME", "EDC", "EDX")
#: The longest period the page accepts, in days (a year, a leap one included). Read whole from
#: the events, every delivered parcel of the period costs its own index probes (a month at 5
#: million events took 8.6 s, a year 123 s on a loaded two-core machine: bench_carrier_stats.py),
#: so the page sums the daily roll-up (tracking.carrier_rollup, decision 0023) and reads only
#: the days not rolled yet (today) with this statement.
MAX_PERIOD_DAYS = 366


def handover_sql(ev: str, parcel: str, released: str, delivered: str, since: str) -> str:
    """SQL for when a delivered parcel was handed over to its last-mile carrier: **the first
    event at or after the parcel's customs release (EDC) that is not a gateway or customs
    event** (GATEWAY_CODES), up to the delivery. A parcel handed over on a manifest
    (caravana.handover) has its EMF there, stamped at the manifest's close; one handed over
    without a manifest gets the carrier's first scan. A parcel without a release before its
    delivery has no handover: it counts in volume, first attempt and promise, not in the days.
    `ev` is the event table's quoted name; the others are SQL expressions for the parcel id,
    the release time, the delivery time and the earliest time looked at (the delivery less
    JOURNEY_DAYS)."""
    codes = ", ".join(f"'{c}'" for c in GATEWAY_CODES)
    return (
        f"(SELECT MIN(h.occurred_at) FROM {ev} h WHERE h.parcel_id = {parcel}"
        f" AND h.occurred_at >= {released} AND h.occurred_at <= {delivered}"
        f" AND h.occurred_at >= %(since)s AND h.occurred_at >= {since}"
        f" AND h.code NOT IN ({codes}))"
    )


def _local_date(vendor: str, column: str) -> tuple[str, list[Any]]:
    """SQL for `column`'s date in its parcel's destination time zone (markets), per backend
    through Django's own conversion (PostgreSQL: AT TIME ZONE; SQLite: Django's function)."""
    ops = connections[DEFAULT_DB_ALIAS].ops
    parts, params = ["CASE p.recipient_country"], []
    for market in markets.all():
        sql, more = ops.datetime_cast_date_sql(column, (), market.time_zone)
        parts.append(f" WHEN '{market.code}' THEN {sql}")
        params += list(more)
    sql, more = ops.datetime_cast_date_sql(column, (), "UTC")
    parts.append(f" ELSE {sql} END")
    return "".join(parts), [*params, *more]


@cache
def _statement(vendor: str) -> tuple[str, tuple[Any, ...]]:
    """The statement with %(start)s, %(end)s, %(since)s left to bind, and the fixed parameters
    of its time-zone conversions (positional, bound ahead of the named ones: see bucket_rows)."""
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    ev = qn(TrackingEvent._meta.db_table)
    parcel = qn(Parcel._meta.db_table)
    level = qn(ServiceLevel._meta.db_table)
    carrier = qn(Carrier._meta.db_table)
    delivered_day, p1 = _local_date(vendor, "f.delivered_at")
    label_day, p2 = _local_date(vendor, "p.created_at")
    if vendor == "postgresql":
        back = f"interval '{JOURNEY_DAYS:d} days'"
        d_since, g_since = f"d.delivered_at - {back}", f"g.delivered_at - {back}"
        hours = "FLOOR(EXTRACT(EPOCH FROM (f.delivered_at - f.handover_at)) / 3600)::integer"
        late = f"(({delivered_day}) - ({label_day}))"
    else:  # stored as ISO text in UTC: datetime()'s text compares in the same order
        d_since = f"datetime(d.delivered_at, '-{JOURNEY_DAYS:d} days')"
        g_since = f"datetime(g.delivered_at, '-{JOURNEY_DAYS:d} days')"
        hours = "CAST((julianday(f.delivered_at) - julianday(f.handover_at)) * 24 AS INTEGER)"
        late = f"(julianday({delivered_day}) - julianday({label_day}))"
    sql = f"""
WITH delivered AS (
  SELECT e.parcel_id AS parcel_id, MIN(e.occurred_at) AS delivered_at
  FROM {ev} e
  WHERE e.code = 'EMI' AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
  GROUP BY e.parcel_id
), firsts AS (
  SELECT d.parcel_id, d.delivered_at,
    (SELECT MIN(r.occurred_at) FROM {ev} r WHERE r.parcel_id = d.parcel_id AND r.code = 'EDC'
       AND r.occurred_at >= %(since)s AND r.occurred_at >= {d_since}
       AND r.occurred_at <= d.delivered_at) AS released_at,
    CASE WHEN EXISTS (SELECT 1 FROM {ev} m WHERE m.parcel_id = d.parcel_id AND m.code = 'EMH'
       AND m.occurred_at >= %(since)s AND m.occurred_at >= {d_since}
       AND m.occurred_at < d.delivered_at) THEN 0 ELSE 1 END
      AS first_attempt
  FROM delivered d
  WHERE NOT EXISTS (SELECT 1 FROM {ev} x WHERE x.parcel_id = d.parcel_id AND x.code = 'EMI'
       AND x.occurred_at >= %(since)s AND x.occurred_at < %(start)s)
), timed AS MATERIALIZED (
  SELECT g.parcel_id, g.delivered_at, g.first_attempt,
    {handover_sql(ev, "g.parcel_id", "g.released_at", "g.delivered_at", g_since)} AS handover_at
  FROM firsts g
)
SELECT p.recipient_country, p.carrier_id, COALESCE(c.name, ''), {hours} AS hours,
  COUNT(*), SUM(f.first_attempt),
  SUM(CASE WHEN {late} <= sl.transit_max_days + {PROMISE_HANDLING_DAYS_AFTER_LABEL:d}
      THEN 1 ELSE 0 END)
FROM timed f
JOIN {parcel} p ON p.id = f.parcel_id
JOIN {level} sl ON sl.id = p.service_level_id
LEFT JOIN {carrier} c ON c.id = p.carrier_id
GROUP BY p.recipient_country, p.carrier_id, c.name, {hours}
"""
    return sql, tuple(p1 + p2)


def _named(sql: str, fixed: tuple[Any, ...], values: dict[str, Any]) -> tuple[str, list[Any]]:
    """The statement with its named parameters turned positional, in the order they appear
    (the time-zone names are positional %s already), so one text serves both backends."""
    out, params, fixed_iter = [], [], iter(fixed)
    i = 0
    while i < len(sql):
        if sql.startswith("%(", i):
            end = sql.index(")s", i)
            params.append(values[sql[i + 2 : end]])
            out.append("%s")
            i = end + 2
        elif sql.startswith("%s", i):
            params.append(next(fixed_iter))
            out.append("%s")
            i += 2
        else:
            out.append(sql[i])
            i += 1
    return "".join(out), params


def statement(start: dt.datetime, end: dt.datetime) -> tuple[str, list[Any]]:
    """The SQL and parameters for parcels first delivered in [start, end) (aware, UTC)."""
    conn = connections[DEFAULT_DB_ALIAS]
    sql, fixed = _statement(conn.vendor)
    since = start - dt.timedelta(days=JOURNEY_DAYS)
    # SQLite compares times as text: an aware datetime binds as "… 00:00:00+00:00", which sorts
    # after the stored "… 00:00:00", so a delivery at the period's first second was left out.
    # Bound as the column stores them (naive UTC text).
    bind = conn.ops.adapt_datetimefield_value if conn.vendor == "sqlite" else (lambda v: v)
    return _named(sql, fixed, {"start": bind(start), "end": bind(end), "since": bind(since)})


def bucket_rows(start: dt.datetime, end: dt.datetime, country: str = "") -> list[Bucket]:
    """Counted buckets of the parcels first delivered in [start, end), optionally of one
    destination country (filtered after counting: the rows are few)."""
    sql, params = statement(start, end)
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor == "postgresql":
        # PostgreSQL's JIT spent 14 s of a 20 s run compiling this plan (a subplan per
        # partition); without it the run took 9 s (bench/bench_carrier_stats.py, 5 million
        # events, a loaded machine). Off for this transaction only (SET LOCAL needs one).
        with transaction.atomic(using=DEFAULT_DB_ALIAS), conn.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    return [
        Bucket(
            c,
            cid,
            name,
            None if hours is None else int(hours),
            int(n),
            int(first or 0),
            int(within or 0),
        )  # fmt: skip
        for c, cid, name, hours, n, first, within in rows
        if not country or c == country
    ]


#: Where returns figures come from: the returns app registers its own at start-up
#: (returns.apps), since tracking may not import returns (.importlinter).
_returns_source: Callable[[dt.datetime, dt.datetime, str], list[Any]] | None = None


def register_returns_source(source: Callable[[dt.datetime, dt.datetime, str], list[Any]]) -> None:
    global _returns_source
    _returns_source = source


def returns_by_reason(start: dt.datetime, end: dt.datetime, country: str = "") -> list[Any] | None:
    """Returns per country, carrier and reason for the period: the fourth figure of issue 15
    item 9, from the source the returns app registered (None when none is: the page leaves the
    section out)."""
    return None if _returns_source is None else _returns_source(start, end, country)
