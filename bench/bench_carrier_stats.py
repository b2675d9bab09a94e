"""Carrier performance (tracking.carrier_queries) with millions of events stored: how long the
operators' statement takes for a month and for a year of deliveries, and its plan.

Run: .venv/bin/python bench/bench_carrier_stats.py [--events 10000000] [--runs 5]

1. Stored data: bench_tracking's (--events / 10 parcels over a year, 10 events each, written
   by the database itself; reused when present), then, for every stored parcel older than 10
   days, its customs release (EDC), the carrier's first scan (EDD), for one in four a failed
   attempt (EMH) and its delivery (EMI) 2 to 5 days later: 3.25 more events per parcel.
2. The statement for the last 30 and 92 days (--periods), --runs times each (median and best
   shown), then EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL or EXPLAIN QUERY PLAN on
   SQLite, printed to stderr.
3. The daily roll-up (tracking.carrier_rollup, decision 0023): every closed day of the last
   366 rolled (timed: the backfill command's work; skipped when already rolled, unless
   --reroll), then what the page reads, carrier_rollup.bucket_rows + carrier_figures, for the
   last 30, 92 and 365 days (--rollup-periods), --rollup-runs times each: p50/p95/max; and the
   live read of the busiest single day of the data, what "today" costs at that volume.
   A check that the roll-up's figures equal the statement's for the --periods.

Prints markdown tables and writes bench/out/carrier-stats-<vendor>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking import STORED_CODES, STORED_INDICATOR, prepare, stored_events  # noqa: E402
from common import bench_env, machine, percentiles, write_result  # noqa: E402

#: Marks the delivery events this bench adds, so a second run finds them.
SOURCE = "carrier:bench-lastmile"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def add_deliveries(carrier_id: int) -> int:
    """EDC, EDD, (EMH), EMI for every stored parcel created more than 10 days ago that has
    none yet, in one INSERT … SELECT per code (the database does the work)."""
    from django.db import connection, transaction

    from caravana.fulfillment.models import Parcel
    from caravana.tracking.models import TrackingEvent

    qn = connection.ops.quote_name
    pg = connection.vendor == "postgresql"
    ev, parcel = qn(TrackingEvent._meta.db_table), qn(Parcel._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {ev} WHERE source = %s", [SOURCE])
        if cur.fetchone()[0]:
            return 0
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cutoff = now - dt.timedelta(days=10)
    # (code, status, hours after the label, only for parcel ids where id % 4 = 0)
    steps = [("EDC", "in_transit", "108", False), ("EDD", "in_transit", "116", False),
             ("EMH", "delivery_failed", "140", True),
             ("EMI", "delivered", "150 + (p.id %% 72)", False)]  # fmt: skip
    n = 0
    for code, status, hours, some in steps:
        if pg:
            at = f"p.created_at + ({hours}) * interval '1 hour'"
        else:
            at = f"datetime(p.created_at, '+' || ({hours}) || ' hours')"
        where = " AND p.id %% 4 = 0" if some else ""
        sql = (
            f"INSERT INTO {ev} (parcel_id, source, event_id, code, status, occurred_at,"
            f" received_at, location_code, location_name, tz, details, carrier_id)"
            f" SELECT p.id, %s, p.id || '-{code}', %s, %s, {at}, %s, '', '', '',"
            f" {'%s::jsonb' if pg else '%s'}, %s FROM {parcel} p"
            f" WHERE p.s10 LIKE %s AND p.created_at < %s{where}"
        )
        params = [SOURCE, code, status, now if pg else now.isoformat(" ")[:19], "{}",
                  carrier_id, STORED_INDICATOR + "%",
                  cutoff if pg else cutoff.isoformat(" ")[:19]]  # fmt: skip
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, params)
            added = cur.rowcount
        n += added
        log(f"{code}: {added:,} events ({time.perf_counter() - t0:.0f} s)")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return n


def time_statement(days: int, runs: int) -> dict:
    from caravana.tracking import carrier_figures, carrier_queries

    end = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(days=days)
    took, figures = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        buckets = carrier_queries.bucket_rows(start, end)
        figures = carrier_figures.summarise(buckets)
        took.append((time.perf_counter() - t0) * 1000)
    return {
        "days": days,
        "delivered": sum(f.volume for f in figures),
        "median_ms": round(statistics.median(took), 1),
        "best_ms": round(min(took), 1),
        "runs": [round(t, 1) for t in took],
        "plan": explain(start, end),
    }


def explain(start: dt.datetime, end: dt.datetime) -> str:
    from django.db import connection

    from caravana.tracking import carrier_queries

    sql, params = carrier_queries.statement(start, end)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET jit = off")  # as carrier_queries.bucket_rows runs it
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            return "\n".join(r[0] for r in cur.fetchall())
        cur.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(r[-1] for r in cur.fetchall())


def roll_up(reroll: bool) -> dict:
    """Every closed day of the last 366 rolled, timed (days already rolled kept unless
    `reroll`)."""
    from caravana.tracking import carrier_rollup
    from caravana.tracking.models import CarrierDayCount, CarrierDayRolled

    today = dt.datetime.now(dt.UTC).date()
    days = carrier_rollup.closed_days(today - dt.timedelta(days=366), today)
    if not reroll:
        have = set(CarrierDayRolled.objects.values_list("day", flat=True))
        days = [d for d in days if d not in have]
    t0 = time.perf_counter()
    done = carrier_rollup.roll_days(days)
    took = time.perf_counter() - t0
    log(f"roll-up: {done['days']} days, {done['rows']:,} rows in {took:.0f} s")
    return {**done, "seconds": round(took, 1), "stored_rows": CarrierDayCount.objects.count(),
            "per_day_s": round(took / done["days"], 2) if done["days"] else None}  # fmt: skip


def time_rollup(days: int, runs: int) -> dict:
    """What the page reads for the last `days` days and today (cache off)."""
    from caravana.tracking import carrier_figures, carrier_rollup

    end = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end += dt.timedelta(days=1)
    start = end - dt.timedelta(days=days)
    took, figures = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        figures = carrier_figures.summarise(carrier_rollup.bucket_rows(start, end))
        took.append((time.perf_counter() - t0) * 1000)
    return {"days": days, "delivered": sum(f.volume for f in figures), **percentiles(took)}


def busiest_live_day(runs: int) -> dict:
    """The live statement over the busiest single day of the data: what the page's live part
    (today) costs when today is as busy."""
    from django.db.models import Sum

    from caravana.tracking import carrier_queries
    from caravana.tracking.models import CarrierDayCount

    top = CarrierDayCount.objects.values("day").annotate(n=Sum("parcels")).order_by("-n").first()
    if top is None:
        return {}
    start = dt.datetime.combine(top["day"], dt.time(0), tzinfo=dt.UTC)
    took = []
    for _ in range(runs):
        t0 = time.perf_counter()
        carrier_queries.bucket_rows(start, start + dt.timedelta(days=1))
        took.append((time.perf_counter() - t0) * 1000)
    hour = []  # its busiest hour (the most the page reads live once today is rolled hourly)
    for _ in range(runs):
        t0 = time.perf_counter()
        carrier_queries.bucket_rows(start + dt.timedelta(hours=12), start + dt.timedelta(hours=13))
        hour.append((time.perf_counter() - t0) * 1000)
    return {"day": top["day"].isoformat(), "delivered": top["n"], **percentiles(took),
            "one_hour": percentiles(hour)}  # fmt: skip


def same_figures(days: int) -> bool:
    from caravana.tracking import carrier_figures, carrier_queries, carrier_rollup

    end = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end += dt.timedelta(days=1)
    start = end - dt.timedelta(days=days)
    raw = carrier_figures.summarise(carrier_queries.bucket_rows(start, end))
    return raw == carrier_figures.summarise(carrier_rollup.bucket_rows(start, end))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="journey events stored")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--periods", default="30,92", help="period lengths in days, comma-separated"
    )
    parser.add_argument("--rollup-periods", default="30,92,365")
    parser.add_argument("--rollup-runs", type=int, default=40)
    parser.add_argument("--reroll", action="store_true", help="roll every day again")
    parser.add_argument("--skip-statement", action="store_true", help="roll-up part only")
    args = parser.parse_args()
    vendor, context = prepare(bench_env("bench_tracking.sqlite3"))
    from caravana.tracking.models import TrackingEvent

    log(f"{vendor}: preparing {args.events:,} stored events")
    stored_events(context, args.events // len(STORED_CODES), log)
    add_deliveries(context["lane"].carrier_id)
    total = TrackingEvent.objects.count()
    result = {"benchmark": "carrier-stats", "vendor": vendor, "machine": machine(),
              "stored_events": total, "periods": []}  # fmt: skip
    for days in (int(d) for d in args.periods.split(",")) if not args.skip_statement else ():
        row = time_statement(days, args.runs)
        log(f"{days} days: {row['delivered']:,} delivered, median {row['median_ms']} ms\n"
            + row["plan"])  # fmt: skip
        result["periods"].append(row)
    print(f"\n{vendor}, {total:,} events stored, load {result['machine']['load_1m']}\n")
    print("| period | parcels delivered | median | best |\n|---|---|---|---|")
    for row in result["periods"]:
        print(f"| {row['days']} days | {row['delivered']:,} | {row['median_ms']} ms "
              f"| {row['best_ms']} ms |")  # fmt: skip
    result["rollup"] = roll_up(args.reroll)
    result["rollup_periods"] = [
        time_rollup(int(d), args.rollup_runs) for d in args.rollup_periods.split(",")
    ]
    result["live_busiest_day"] = busiest_live_day(max(3, args.runs))
    result["same_figures"] = {d: same_figures(int(d)) for d in args.periods.split(",")}
    r = result["rollup"]
    print(f"\nroll-up: {r['days']} days rolled in {r['seconds']} s ({r['per_day_s']} s a day), "
          f"{r['stored_rows']:,} rows stored; load {machine()['load_1m']}\n")  # fmt: skip
    print("| period (roll-up + today live) | parcels delivered | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    for row in result["rollup_periods"]:
        print(f"| {row['days']} days | {row['delivered']:,} | {row['p50']} ms | {row['p95']} ms "
              f"| {row['max']} ms |")  # fmt: skip
    live = result["live_busiest_day"]
    if live:
        print(f"\nlive statement, busiest day {live['day']} ({live['delivered']:,} delivered): "
              f"p50 {live['p50']} ms, max {live['max']} ms; one hour of it (12:00-13:00): "
              f"p50 {live['one_hour']['p50']} ms, max {live['one_hour']['max']} ms")  # fmt: skip
    print(f"figures equal to the statement's: {result['same_figures']}")
    print(write_result(f"carrier-stats-{vendor}", result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
