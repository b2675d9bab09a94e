"""Tracking: event ingestion (service layer and the carriers' batch API over HTTP) and the
public lookup p99 with millions of events stored, on SQLite by default or the DATABASE_URL given.

Run: .venv/bin/python bench/bench_tracking.py [--events 10000000] [--ingest 100000]
     [--lookups 2000] [--no-reuse]

1. Stored data for the lookup: --events / 10 parcels with 10 events each (label to out for
   delivery), written straight into the tables (COPY on PostgreSQL,
   executemany on SQLite; generated once and reused by later runs with the same size).
2. Ingestion through the service layer: tracking.recording.record_batch, batches of 1,000 events
   (5 per parcel: EDB, EMF, EDD, EDG, EMI, shuffled so they arrive out of order) for fresh
   parcels, the status-change and first-delivery judgement and the follow-up row (outbox)
   included, in turns with a raw executemany of the same rows (the reference line), after
   --warmup untimed pairs (a connection's first batches plan and prepare its statements).
   Then the same through ingest_carrier_events (S10 check digits, ownership, codes, times).
3. Ingestion through POST /api/v1/tracking/events: gunicorn (2 workers) on a loopback port, two
   client threads posting batches of 1,000 with a carrier's token; then the same batches again
   (all duplicates: what a carrier's retry costs).
4. Lookup latency: GET /api/v1/tracking/{identifier} and the page /track/{identifier}/ over
   HTTP (one client, sequential), and tracking.queries.tracking_view in process, for random
   stored parcels, once the tables are in the operating system's page cache (warm_cache).

Goals (issue 5): ≥ 20,000 events/s ingested in bulk on each database; lookup p99 ≤ 10 ms at 10
million events. Prints a markdown table and writes bench/out/tracking-<vendor>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    ROOT,
    bench_env,
    machine,
    percentiles,
    server,
    setup_django,
    write_result,
)

#: Notifications are queued here unless --broker says otherwise (a database of its own).
DEFAULT_BROKER = "redis://127.0.0.1:6379/15"
STORED_INDICATOR = "HB"  # S10 service indicator of the stored (lookup) parcels
INGEST_INDICATOR = "HD"  # fresh parcels for the ingestion runs
STORED_CODES = [
    ("EMA", "pending", "SZX-HUB", "Shenzhen hub", "Asia/Shanghai"),
    ("EMB", "in_transit", "SZX-HUB", "Shenzhen hub", "Asia/Shanghai"),
    ("", "in_transit", "SZX-HUB", "Shenzhen hub", "Asia/Shanghai"),
    ("", "in_transit", "SZX-HUB", "Shenzhen hub", "Asia/Shanghai"),
    ("", "in_transit", "SZX", "Shenzhen (SZX)", "Asia/Shanghai"),
    ("EMC", "in_transit", "SZX", "Shenzhen (SZX)", "Asia/Shanghai"),
    ("EMD", "in_transit", "GRU", "São Paulo (GRU)", "America/Sao_Paulo"),
    ("EDB", "in_transit", "GRU", "São Paulo (GRU)", "America/Sao_Paulo"),
    ("EMF", "in_transit", "GRU", "São Paulo (GRU)", "America/Sao_Paulo"),
    ("EDG", "out_for_delivery", "SAO", "CDD Pinheiros", "America/Sao_Paulo"),
]
STEPS = {2: "bagged", 3: "in_uld", 4: "loaded"}
INGEST_CODES = ["EDB", "EMF", "EDD", "EDG", "EMI"]


# ---------------------------------------------------------------------------------------------
# Bulk writing straight into tables


def _bulk_insert(table: str, columns: list[str], rows) -> int:
    """COPY on PostgreSQL, executemany on SQLite; `rows` yields tuples of plain values."""
    from django.db import connection

    n = 0
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.connection.cursor() as cur, cur.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    raw = connection.connection
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == 50_000:
            raw.executemany(sql, chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        raw.executemany(sql, chunk)
        n += len(chunk)
    return n


def _sqlite_value(v):
    """SQLite stores what Django would: datetimes as ISO text in UTC, Decimals as text."""
    from decimal import Decimal

    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, dict):
        return json.dumps(v)
    return v


def parcel_template(context) -> dict:
    """A stored parcel's columns but its S10 and times: one merchant, lane and address."""
    return {
        "merchant_id": context["merchant"].pk,
        "order_ref": "",
        "hub_id": context["lane"].hub_id,
        "lane_id": context["lane"].pk,
        "service_level_id": context["lane"].service_level_id,
        "gateway_id": context["lane"].gateway_id,
        "carrier_id": context["lane"].carrier_id,
        "carrier_choice": "lane",
        "carrier_tracking_number": "",
        "recipient_name": "Bench Buyer",
        "recipient_address": "Rua Augusta 1500",
        "recipient_city": "São Paulo",
        "recipient_state": "SP",
        "recipient_postal_code": "01304-001",
        "recipient_country": "BR",
        "recipient_phone": "",
        "recipient_email": "",
        "recipient_tax_id": "",
        "recipient_tax_id_type": "",
        "declared_weight_g": 500,
        "declared_length_cm": 20,
        "declared_width_cm": 15,
        "declared_height_cm": 10,
        "declared_value": "178.00",
        "declared_currency": "CNY",
        "battery": "none",
        "ddp": True,
        "measured_weight_g": None,
        "measured_length_cm": None,
        "measured_width_cm": None,
        "measured_height_cm": None,
        "discrepancy": False,
        "shipping_difference_g": 0,
        "shipping_difference": None,
        "shipping_difference_currency": "",
        "state": "arrived",
        "bag_id": None,
        "received_by_id": None,
        "received_at": None,
        "kind": "network",
        "origin_point": "",
    }


def make_parcels(context, indicator: str, start: int, count: int, created: dt.datetime) -> int:
    """`count` parcels with S10 serials start…start+count−1 (no events), inserted in bulk."""
    from django.db import connection, transaction

    from caravana.codes import s10
    from caravana.fulfillment.models import Parcel

    template = parcel_template(context)
    columns = [f.column for f in Parcel._meta.concrete_fields if f.column != "id"]
    missing = set(columns) - set(template) - {"s10", "created_at", "updated_at"}
    if missing:
        raise SystemExit(f"bench: Parcel has new columns {sorted(missing)}; update the bench")
    pg = connection.vendor == "postgresql"

    def rows():
        for i in range(start, start + count):
            at = created + dt.timedelta(seconds=i % 86_400)
            values = {**template, "s10": s10.build(indicator, i, "CN"), "created_at": at,
                      "updated_at": at}  # fmt: skip
            row = tuple(values[c] for c in columns)
            yield row if pg else tuple(_sqlite_value(v) for v in row)

    with transaction.atomic():
        return _bulk_insert(Parcel._meta.db_table, columns, rows())


#: Stored parcels are created evenly over this many days before now, their events 12 hours
#: apart: on PostgreSQL they fill a year of monthly partitions, whatever their number.
STORED_SPAN_DAYS = 365
#: Parcels (and their 10 events) written per statement and transaction.
STORED_CHUNK = 250_000


def _s10_sql(vendor: str, n: str) -> str:
    """The S10 identifier of serial `n` with indicator STORED_INDICATOR, in SQL (tracking's
    codes.s10 check digit: weights 8 6 4 2 3 5 9 7, 11 − sum mod 11, 10 → 0, 11 → 5)."""
    weights = (8, 6, 4, 2, 3, 5, 9, 7)
    # %% : the statement goes through Django's cursor with parameters.
    total = " + ".join(f"{w} * (({n} / {10 ** (7 - i)}) %% 10)" for i, w in enumerate(weights))
    check = f"(11 - ({total}) %% 11)"
    digit = f"(CASE {check} WHEN 10 THEN 0 WHEN 11 THEN 5 ELSE {check} END)"
    serial = (
        f"lpad({n}::text, 8, '0')"
        if vendor == "postgresql"
        else (f"substr('00000000' || {n}, -8, 8)")
    )
    return f"'{STORED_INDICATOR}' || {serial} || {digit} || 'CN'"


def stored_events(context, parcels: int, log) -> None:
    """Parcels × 10 events each, generated by the database itself (INSERT … SELECT over a
    series: generate_series on PostgreSQL, a recursive CTE on SQLite), a chunk of parcels and
    their events per transaction, so an interrupted run resumes where it stopped."""
    from django.db import connection, transaction

    from caravana.fulfillment.models import Parcel
    from caravana.tracking.models import TrackingEvent

    vendor = connection.vendor
    pg = vendor == "postgresql"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    first = now - dt.timedelta(days=STORED_SPAN_DAYS)
    try:  # the months the stored events fall in (the code under test may not partition)
        from caravana.tracking import partitions
    except ImportError:
        partitions = None
    if partitions is not None and partitions.is_partitioned():
        made = partitions.create_months(first.date(), now.date())
        if made:
            log(f"partitions created for the stored range: {len(made)}")
    have = Parcel.objects.filter(s10__startswith=STORED_INDICATOR).count()
    had = have
    qn = connection.ops.quote_name
    template = parcel_template(context)
    p_cols = [c for c in template]
    spacing = STORED_SPAN_DAYS * 86_400 / max(parcels, 1)  # seconds between two parcels
    t0 = time.perf_counter()
    e_cols = ["parcel_id", "source", "event_id", "code", "status", "occurred_at", "received_at",
              "location_code", "location_name", "latitude", "longitude", "tz", "details",
              "carrier_id"]  # fmt: skip
    steps = []
    for k, (code, status, loc, name, tz) in enumerate(STORED_CODES):
        source = "carrier:br-correios" if k >= 7 else ("flight" if k in (5, 6) else "hub")
        details = json.dumps({"step": STEPS[k]} if k in STEPS else {})
        steps.append((k, code, status, loc, name, tz, source, details, 1 if k >= 7 else 0))
    steps_sql = ", ".join("(" + ", ".join("%s" for _ in row) + ")" for row in steps)
    steps_params = [v for row in steps for v in row]
    carrier_id = context["lane"].carrier_id
    received = now
    while have < parcels:
        lo, hi = have + 1, min(parcels, have + STORED_CHUNK)
        if pg:
            series = f"(SELECT n FROM generate_series({lo}, {hi}) AS n) AS g"
            created = "%s::timestamptz + (g.n * %s::float8) * interval '1 second'"
            at = "p.created_at + s.k::int * interval '12 hours'"
            details = "s.details::jsonb"
            carrier = "CASE WHEN s.by_carrier::int = 1 THEN %s::bigint END"
        else:
            series = (f"(WITH RECURSIVE r(n) AS (SELECT {lo} UNION ALL SELECT n + 1 FROM r "
                      f"WHERE n < {hi}) SELECT n FROM r) AS g")  # fmt: skip
            created = "datetime(%s, '+' || CAST(g.n * %s AS INTEGER) || ' seconds')"
            at = "datetime(p.created_at, '+' || (s.k * 12) || ' hours')"
            details = "s.details"
            carrier = "CASE WHEN s.by_carrier = 1 THEN %s END"
        start_at = first if pg else _sqlite_value(first)
        values = [template[c] for c in p_cols]
        parcel_sql = (
            f"INSERT INTO {qn(Parcel._meta.db_table)} ({', '.join(qn(c) for c in p_cols)}, "
            f"s10, created_at, updated_at) SELECT {', '.join('%s' for _ in p_cols)}, "
            f"{_s10_sql(vendor, 'g.n')}, {created}, {created} FROM {series}"
        )
        event_sql = (
            f"WITH s(k, code, status, loc, name, tz, source, details, by_carrier) AS "
            f"(VALUES {steps_sql}) "
            f"INSERT INTO {qn(TrackingEvent._meta.db_table)} ({', '.join(e_cols)}) "
            f"SELECT p.id, s.source, p.id || '-' || s.k, s.code, s.status, {at}, %s, s.loc, "
            f"s.name, NULL, NULL, s.tz, {details}, {carrier} "
            f"FROM {qn(Parcel._meta.db_table)} p CROSS JOIN s "
            f"WHERE p.id > %s AND p.s10 LIKE %s"
        )
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"SELECT coalesce(max(id), 0) FROM {qn(Parcel._meta.db_table)}")
            (last_id,) = cur.fetchone()
            sql_values = [_sqlite_value(v) for v in values] if not pg else values
            cur.execute(parcel_sql, [*sql_values, start_at, spacing, start_at, spacing])
            cur.execute(
                event_sql,
                [*steps_params, received if pg else _sqlite_value(received), carrier_id,
                 last_id, STORED_INDICATOR + "%"],
            )  # fmt: skip
        have = hi
        log(f"stored: {have:,} parcels, {have * len(STORED_CODES):,} events "
            f"({time.perf_counter() - t0:.0f} s)")  # fmt: skip
    try:  # written around recording: the parcels' state rows are rebuilt from them
        from caravana.tracking.batch_sql import rebuild_state
    except ImportError:  # code from before the state rows (docs/decisions/0039)
        rebuild_state = None
    if rebuild_state is not None and have != had:
        t0 = time.perf_counter()
        rows = rebuild_state()
        log(f"state rows rebuilt: {rows:,} ({time.perf_counter() - t0:.0f} s)")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    log(f"analyze ({time.perf_counter() - t0:.0f} s)")


# ---------------------------------------------------------------------------------------------
# Ingestion


def fresh_parcels(context, count: int) -> list[tuple[int, str]]:
    from caravana.fulfillment.models import Parcel

    start = Parcel.objects.filter(s10__startswith=INGEST_INDICATOR).count() + 1
    make_parcels(context, INGEST_INDICATOR, start, count, dt.datetime.now(dt.UTC))
    from caravana.codes import s10

    wanted = [s10.build(INGEST_INDICATOR, i, "CN") for i in range(start, start + count)]
    found = dict(Parcel.objects.filter(s10__in=wanted).values_list("s10", "pk"))
    return [(found[s], s) for s in wanted]


def event_dicts(parcels: list[tuple[int, str]], seed: int) -> list[dict]:
    """5 carrier events per parcel, shuffled (disorder), with ids unique per run."""
    rnd = random.Random(seed)
    base = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    out = []
    for pk, s10 in parcels:
        for k, code in enumerate(INGEST_CODES):
            out.append(
                {
                    "event_id": f"{s10}-{code}",
                    "identifier": s10,
                    "code": code,
                    "occurred_at": base + dt.timedelta(hours=6 * k, seconds=pk % 3600),
                    "location_code": "SAO",
                    "location_name": "CDD Pinheiros",
                }
            )
    rnd.shuffle(out)
    return out


def service_batches(context, n_events: int, batch: int, validated: bool) -> list[list]:
    """Fresh parcels and their carrier events, cut into the batches a caller would pass: the
    input is built before any clock starts, so what is timed is the service call."""
    from caravana.tracking.batch import EventIn
    from caravana.tracking.ingestion import CarrierEventIn

    parcels = fresh_parcels(context, n_events // len(INGEST_CODES))
    pk_of = dict((s, pk) for pk, s in parcels)
    events = event_dicts(parcels, seed=random.randrange(1 << 30))
    carrier = context["carrier"]
    if validated:
        return [[CarrierEventIn(**e) for e in events[i : i + batch]]
                for i in range(0, len(events), batch)]  # fmt: skip
    return [
        [
            EventIn(
                parcel_id=pk_of[e["identifier"]],
                identifier=e["identifier"],
                source="carrier:br-correios",
                event_id=e["event_id"],
                code=e["code"],
                occurred_at=e["occurred_at"],
                location_code=e["location_code"],
                location_name=e["location_name"],
                tz="America/Sao_Paulo",
                carrier_id=carrier.pk,
            )
            for e in events[i : i + batch]
        ]
        for i in range(0, len(events), batch)
    ]


def _ingest(carrier, batches: list[list], validated: bool) -> int:
    from caravana.tracking import recording
    from caravana.tracking.ingestion import ingest_carrier_events

    created = 0
    for chunk in batches:
        if validated:
            created += ingest_carrier_events(carrier, chunk).created
        else:
            created += recording.record_batch(chunk).created
    return created


def bench_service(context, n_events: int, batch: int, validated: bool) -> dict:
    batches = service_batches(context, n_events, batch, validated)
    events = sum(len(b) for b in batches)
    t0, c0 = time.perf_counter(), time.process_time()
    created = _ingest(context["carrier"], batches, validated)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert created == events, (created, events)
    return {"events": events, "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 3),
            "events_per_s": round(events / elapsed)}  # fmt: skip


RAW_COLUMNS = ("parcel_id", "source", "event_id", "code", "status", "occurred_at", "received_at",
               "location_code", "location_name", "latitude", "longitude", "tz", "details",
               "carrier_id")  # fmt: skip


def raw_rows(batch: list) -> list[tuple]:
    """The rows record_batch would insert for a batch of EventIn, as plain values the driver
    takes (status from the code, times in UTC; on SQLite as Django's text)."""
    from django.db import connection

    from caravana.tracking import upu

    pg = connection.vendor == "postgresql"
    now = dt.datetime.now(dt.UTC)
    rows = []
    for ev in batch:
        status = ev.status or upu.lookup(ev.code).status
        at = ev.occurred_at.astimezone(dt.UTC)
        row = (ev.parcel_id, ev.source, ev.event_id, ev.code, status, at, now,
               ev.location_code, ev.location_name, ev.latitude, ev.longitude, ev.tz,
               json.dumps(ev.details or {}), ev.carrier_id)  # fmt: skip
        rows.append(row if pg else tuple(_sqlite_value(v) for v in row))
    return rows


def bench_raw(context, n_events: int, batch: int) -> dict:
    """The reference line: the same kind of rows (fresh parcels, 5 shuffled carrier events
    each, batches of `batch`) written by the driver's own executemany into the same table,
    a transaction per batch, with nothing else: no check, no read, no conflict handling, no
    notification. The rows are built before the clock starts, as the service's input is."""
    from django.db import connection, transaction

    from caravana.tracking.models import TrackingEvent

    inputs = service_batches(context, n_events, batch, validated=False)
    events = sum(len(b) for b in inputs)
    table = connection.ops.quote_name(TrackingEvent._meta.db_table)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        marks = ", ".join("%s::jsonb" if c == "details" else "%s" for c in RAW_COLUMNS)
        cursor = psycopg.Cursor(connection.connection)
    else:
        marks = ", ".join("?" for _ in RAW_COLUMNS)
        cursor = connection.connection.cursor()
    sql = f"INSERT INTO {table} ({', '.join(RAW_COLUMNS)}) VALUES ({marks})"
    # The rows are built batch by batch outside the clock: the reference is the executemany.
    elapsed = cpu = 0.0
    for inp in inputs:
        rows = raw_rows(inp)
        t, c = time.perf_counter(), time.process_time()
        with transaction.atomic():
            cursor.executemany(sql, rows)
        elapsed += time.perf_counter() - t
        cpu += time.process_time() - c
    cursor.close()
    return {"events": events, "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 3),
            "events_per_s": round(events / elapsed)}  # fmt: skip


def _worker(env: dict, carrier_pk: int, pickled: bytes, ready, go, out) -> None:
    """One ingesting process: its own interpreter, Django and database connection. The batches
    come pickled: their classes can only be loaded once Django is set up."""
    import pickle

    setup_django(env)
    batches = pickle.loads(pickled)
    from caravana.network.models import Carrier
    from caravana.tracking import tasks

    carrier = Carrier.objects.get(pk=carrier_pk)
    if env.get("CELERY_BROKER_URL"):
        tasks.notify_changes.delay([])  # connect to the broker before the clock starts
    ready.set()
    go.wait()
    out.put(_ingest(carrier, batches, validated=False))


def bench_service_parallel(context, env: dict, n_events: int, batch: int, procs: int) -> dict:
    """The service layer in `procs` processes at once (a bulk import, or Celery workers
    ingesting files): each takes every procs-th batch; the clock runs from the signal to go
    until the last one is done."""
    import multiprocessing as mp
    import pickle

    batches = service_batches(context, n_events, batch, validated=False)
    events = sum(len(b) for b in batches)
    ctx = mp.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    readies = [ctx.Event() for _ in range(procs)]
    workers = [
        ctx.Process(target=_worker, args=(env, context["carrier"].pk,
                                          pickle.dumps(batches[i::procs]), readies[i], go, out))
        for i in range(procs)
    ]  # fmt: skip
    for w in workers:
        w.start()
    for r in readies:
        if not r.wait(120):
            raise SystemExit("bench: an ingesting process did not start")
    t0 = time.perf_counter()
    go.set()
    created = sum(out.get(timeout=600) for _ in workers)
    elapsed = time.perf_counter() - t0
    for w in workers:
        w.join()
    assert created == events, (created, events)
    return {"events": events, "processes": procs, "seconds": round(elapsed, 2),
            "events_per_s": round(events / elapsed)}  # fmt: skip


def bench_api(context, port: int, n_events: int, batch: int, clients: int = 2) -> dict:
    parcels = fresh_parcels(context, n_events // len(INGEST_CODES))
    events = event_dicts(parcels, seed=3)
    for e in events:
        e["occurred_at"] = e["occurred_at"].isoformat()
    bodies = [
        json.dumps({"events": events[i : i + batch]}).encode() for i in range(0, len(events), batch)
    ]
    headers = {"Content-Type": "application/json",
               "Authorization": f"Bearer {context['token']}"}  # fmt: skip

    def run(all_bodies: list[bytes]) -> tuple[float, int, list[float]]:
        lock = threading.Lock()
        queue = list(enumerate(all_bodies))
        created = [0]
        latencies: list[float] = []
        errors: list[str] = []

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while True:
                with lock:
                    if not queue:
                        break
                    _i, body = queue.pop(0)
                t = time.perf_counter()
                conn.request("POST", "/api/v1/tracking/events", body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    latencies.append(ms)
                    if resp.status != 200:
                        errors.append(data[:300].decode(errors="replace"))
                    else:
                        created[0] += json.loads(data)["created"]
            conn.close()

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        if errors:
            raise SystemExit(f"bench: API refused a batch: {errors[0]}")
        return time.perf_counter() - t0, created[0], latencies

    # Each server process pays for its first request (imports, the broker connection): warm
    # both up with a few small batches for other parcels before the clock starts.
    warm = event_dicts(fresh_parcels(context, 40), seed=4)
    for e in warm:
        e["occurred_at"] = e["occurred_at"].isoformat()
    run([json.dumps({"events": warm[i : i + 50]}).encode() for i in range(0, len(warm), 50)])
    elapsed, created, lat = run(bodies)
    assert created == len(events), (created, len(events))
    replay_s, replay_created, replay_lat = run(bodies)
    assert replay_created == 0
    return {
        "events": len(events),
        "batch": batch,
        "clients": clients,
        "seconds": round(elapsed, 2),
        "events_per_s": round(len(events) / elapsed),
        "batch_ms": percentiles(lat),
        "replay_events_per_s": round(len(events) / replay_s),
        "replay_batch_ms": percentiles(replay_lat),
    }


# ---------------------------------------------------------------------------------------------
# Lookups


def sample_identifiers(n: int) -> list[str]:
    """Random stored parcels: random ids between the first and last stored one (no ORDER BY
    random() over a million rows)."""
    from django.db.models import Max, Min

    from caravana.fulfillment.models import Parcel

    stored = Parcel.objects.filter(s10__startswith=STORED_INDICATOR)
    bounds = stored.aggregate(lo=Min("pk"), hi=Max("pk"))
    rnd = random.Random(3)
    pks = {rnd.randint(bounds["lo"], bounds["hi"]) for _ in range(n)}
    return list(stored.filter(pk__in=pks).values_list("s10", flat=True))


def warm_cache(log) -> str:
    """Read the lookup's tables into the operating system's page cache first, as on a server
    that has been answering for a while (the 3 GB database fits in this machine's memory many
    times over); otherwise the first lookups measure the disk. SQLite: the file, read once.
    PostgreSQL: pg_prewarm's 'read' mode on the tables and indexes a lookup touches."""
    from django.conf import settings
    from django.db import connection

    t0 = time.perf_counter()
    if connection.vendor == "sqlite":
        size = 0
        with open(settings.DATABASES["default"]["NAME"], "rb", buffering=0) as f:
            while chunk := f.read(1 << 24):
                size += len(chunk)
        how = f"SQLite file read once ({size / 1e9:.1f} GB)"
    else:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            # The tables, or their partitions when partitioned, and their indexes.
            cursor.execute(
                "WITH t AS (SELECT relid FROM pg_partition_tree('fulfillment_parcel') "
                "UNION ALL SELECT relid FROM pg_partition_tree('tracking_trackingevent')) "
                "SELECT sum(pg_prewarm(c.oid, 'read')) FROM pg_class c "
                "LEFT JOIN pg_index i ON i.indexrelid = c.oid "
                "WHERE c.relkind IN ('r', 'i') AND (c.oid IN (SELECT relid FROM t) "
                "OR i.indrelid IN (SELECT relid FROM t))"
            )
            blocks = cursor.fetchone()[0] or 0
        how = f"pg_prewarm 'read' of the parcel and tracking tables and indexes ({blocks:,} blocks)"
    log(f"page cache warmed in {time.perf_counter() - t0:.0f} s: {how}")
    return how


def bench_lookups(port: int, identifiers: list[str], n: int) -> dict:
    from caravana.tracking import queries

    rnd = random.Random(7)
    picks = [rnd.choice(identifiers) for _ in range(n)]
    out = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for name, path in (("api", "/api/v1/tracking/{}"), ("page", "/track/{}/")):
        for s in picks[:50]:  # warm both workers
            conn.request("GET", path.format(s))
            conn.getresponse().read()
        samples = []
        for s in picks:
            t = time.perf_counter()
            conn.request("GET", path.format(s), headers={"Cookie": "django_language=pt-br"})
            resp = conn.getresponse()
            resp.read()
            samples.append((time.perf_counter() - t) * 1000)
            if resp.status != 200:
                raise SystemExit(f"bench: {path.format(s)} → {resp.status}")
        out[name] = percentiles(samples)
    conn.close()
    samples = []
    for s in picks:
        t = time.perf_counter()
        view = queries.tracking_view(s)
        samples.append((time.perf_counter() - t) * 1000)
        assert view is not None and len(view.timeline) == len(STORED_CODES)
    out["in_process"] = percentiles(samples)
    return out


# ---------------------------------------------------------------------------------------------
# Notifications


def clear_queue(broker: str) -> None:
    """Start from an empty queue, so the backlog drained at the end is this run's own."""
    import redis

    redis.Redis.from_url(broker).delete("celery", "unacked", "unacked_index")


def drain_notifications(env: dict[str, str], log) -> dict:
    """The ingestion runs left their follow-ups (buyer e-mails, merchant webhooks, deliveries)
    as production does: rows in the outbox (tracking.follow_ups), or, from code before it, one
    task per batch on the broker. A Celery worker (one process, solo pool) with the beat that
    drains the outbox now works through that backlog, timed, so the work moved off the request
    is measured too."""
    import redis

    from caravana.celery import app

    try:
        from caravana.tracking.models import FollowUp
    except ImportError:  # code from before the outbox
        FollowUp = None  # noqa: N806
    queue = app.conf.task_default_queue or "celery"
    client = redis.Redis.from_url(env["CELERY_BROKER_URL"])
    backlog = client.llen(queue)
    owed = FollowUp.objects.count() if FollowUp is not None else 0
    if not backlog and not owed:
        return {"tasks": 0, "follow_ups": 0}
    celery = Path(sys.executable).parent / "celery"
    schedule = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-beat-{os.getpid()}"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(celery), "-A", "caravana", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-B",
         "--schedule", str(schedule)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # Queued, or taken by the worker and not yet acknowledged (kombu's "unacked" hash),
        # or still in the outbox.
        while (
            client.llen(queue)
            or client.hlen("unacked")
            or (FollowUp is not None and FollowUp.objects.exists())
        ):
            if time.perf_counter() - t0 > 600 or proc.poll() is not None:
                raise SystemExit("bench: the notification worker stopped or took over 10 min")
            time.sleep(0.1)
        seconds = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log(f"notifications: {backlog} tasks and {owed} follow-ups drained in {seconds:.1f} s")
    return {"tasks": backlog, "follow_ups": owed, "seconds": round(seconds, 1),
            "note": "one worker process (solo pool) with the beat, startup included"}  # fmt: skip


# ---------------------------------------------------------------------------------------------


def prepare(env: dict[str, str]) -> tuple[str, dict]:
    vendor = setup_django(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from caravana.accounts.models import Role, User
    from caravana.accounts.services import create_token
    from caravana.catalog.models import Merchant
    from caravana.network.models import Carrier, Lane
    from caravana.network.seed import seed_network
    from caravana.network.services import add_carrier_member

    if not Lane.objects.exists():
        seed_network(dt.date.today())
    lane = Lane.objects.select_related("carrier").get(
        hub__code="SZX-HUB", destination_country="BR", service_level__code="standard"
    )
    merchant = Merchant.objects.order_by("pk").first()
    if merchant is None:
        from stdnum.cn import uscc

        from caravana.catalog import services as catalog

        body = "91440300000000010"
        merchant = catalog.create_merchant(
            legal_name="Shenzhen Bench Co., Ltd.",
            uscc=body + uscc.calc_check_digit(body),
            contact_name="Li Wei",
            contact_email="bench@example.cn",
            city="Shenzhen",
        )
    carrier = Carrier.objects.get(pk=lane.carrier_id)
    user, _ = User.objects.get_or_create(username="bench-correios", defaults={"role": Role.BUYER})
    add_carrier_member(carrier, user)
    _token, secret = create_token(user, "bench")
    return vendor, {"lane": lane, "merchant": merchant, "carrier": carrier, "token": secret}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="events stored")
    parser.add_argument("--ingest", type=int, default=100_000, help="events per ingestion run")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3, help="service-layer runs (median shown)")
    parser.add_argument(
        "--warmup", type=int, default=1,
        help="service and raw pairs run first and left out of the medians (printed)",
    )  # fmt: skip
    parser.add_argument("--procs", type=int, default=2, help="processes in the parallel run")
    parser.add_argument(
        "--prepare-only", action="store_true", help="write the stored events, then stop"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only the service layer, its raw executemany reference and the lookups "
        "(no parallel and API runs)",
    )
    parser.add_argument(
        "--broker",
        default=os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER),
        help="Celery broker the notifications are queued on, as in production; 'eager' runs "
        "them in the ingesting process instead",
    )
    args = parser.parse_args()

    env = bench_env("bench_tracking.sqlite3")
    if args.broker != "eager":
        import redis

        try:
            clear_queue(args.broker)
        except (OSError, redis.RedisError) as exc:
            print(f"bench: no broker at {args.broker} ({exc}); notifications run in process",
                  file=sys.stderr)  # fmt: skip
            args.broker = "eager"
        else:
            env["CELERY_BROKER_URL"] = args.broker
    vendor, context = prepare(env)
    from caravana.tracking.models import FollowUp

    FollowUp.objects.all().delete()  # the backlog drained at the end is this run's own

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    from caravana.tracking.models import TrackingEvent

    log(f"{vendor}: preparing {args.events:,} stored events")
    stored_events(context, args.events // len(STORED_CODES), log)
    if args.prepare_only:
        return 0
    stored_total = TrackingEvent.objects.count()
    identifiers = sample_identifiers(20_000)
    log(f"{stored_total:,} events in the table; ingesting")
    result = {
        "benchmark": "tracking",
        "vendor": vendor,
        "machine": machine(),
        "stored_events": stored_total,
        "stored_parcels_for_lookup": args.events // len(STORED_CODES),
        "goal": {"ingest_events_per_s": 20_000, "lookup_p99_ms": 10},
    }
    # A first pair, untimed in the result: a connection's first batches plan and prepare the
    # statements (PostgreSQL's over every partition), which a running ingester has done long
    # before; printed so that the cold figure stays visible.
    for _ in range(args.warmup):
        cold = bench_service(context, args.ingest, args.batch, False)
        cold_raw = bench_raw(context, args.ingest, args.batch)
        result.setdefault("warmup", []).append(
            {"service": cold["events_per_s"], "raw_executemany": cold_raw["events_per_s"]}
        )
        log(f"warm-up (not counted): service {cold['events_per_s']:,} vs raw executemany "
            f"{cold_raw['events_per_s']:,} events/s "
            f"(ratio {cold['events_per_s'] / cold_raw['events_per_s']:.2f})")  # fmt: skip
    # The service and its reference line in turns, so that both see the same machine.
    pairs = []
    for _ in range(args.runs):
        service = bench_service(context, args.ingest, args.batch, False)
        raw = bench_raw(context, args.ingest, args.batch)
        pairs.append((service["events_per_s"], raw["events_per_s"],
                      raw["cpu_seconds"] / service["cpu_seconds"]))  # fmt: skip
        log(f"service {service['events_per_s']:,} vs raw executemany {raw['events_per_s']:,} "
            f"events/s (ratio {service['events_per_s'] / raw['events_per_s']:.2f}; "
            f"in this process's CPU: {pairs[-1][2]:.2f}); "
            f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    for key, index in (("service", 0), ("raw_executemany", 1)):
        rates = sorted(p[index] for p in pairs)
        result[key] = {"events_per_s": rates[len(rates) // 2], "best": rates[-1], "runs": rates}
    for key, ratios in (
        ("ratio_to_raw", sorted(p[0] / p[1] for p in pairs)),
        # SQLite works inside this process, so its CPU time holds both sides' whole cost and
        # is steadier than the wall clock on a shared machine (PostgreSQL's is elsewhere).
        ("cpu_ratio_to_raw", sorted(p[2] for p in pairs)),
    ):
        result[key] = {"median": round(ratios[len(ratios) // 2], 3),
                       "runs": [round(r, 3) for r in ratios]}  # fmt: skip
    runs = [bench_service(context, args.ingest, args.batch, True) for _ in range(args.runs)]
    rates = sorted(r["events_per_s"] for r in runs)
    result["service_validated"] = {"events_per_s": rates[len(rates) // 2], "best": rates[-1],
                                   "runs": rates}  # fmt: skip
    log(f"service_validated: {rates} events/s")
    if not args.quick:
        runs = [
            bench_service_parallel(context, env, args.ingest, args.batch, args.procs)
            for _ in range(args.runs)
        ]
        rates = sorted(r["events_per_s"] for r in runs)
        result["service_parallel"] = {**runs[0], "events_per_s": rates[len(rates) // 2],
                                      "best": rates[-1], "runs": rates}  # fmt: skip
        log(f"service_parallel ({args.procs} processes): {rates} events/s")
    with server(env, workers=2) as port:
        if not args.quick:
            result["api"] = bench_api(context, port, args.ingest, args.batch)
            log(f"api: {result['api']['events_per_s']:,} events/s")
        result["lookup_cache"] = warm_cache(log)
        result["lookup"] = bench_lookups(port, identifiers, args.lookups)
    result["broker"] = "eager (in the ingesting process)" if args.broker == "eager" else args.broker
    if args.broker != "eager":
        result["notifications"] = drain_notifications(env, log)
    result["stored_events_after"] = TrackingEvent.objects.count()

    s, v, lk = result["service"], result["service_validated"], result["lookup"]
    raw, ratio = result["raw_executemany"], result["ratio_to_raw"]
    m = result["machine"]
    print(f"\n### Tracking on {vendor} — {result['stored_events_after']:,} events stored, "
          f"{m['cores']} cores, load {m['load_1m']:.1f}, {m['date']}\n")  # fmt: skip
    print("| measure | result | goal |")
    print("|---|---|---|")
    print(f"| ingest, service layer (record_batch, {args.batch}/batch), median of {args.runs} | "
          f"{s['events_per_s']:,} events/s (runs {s['runs']}) | ≥ 20,000 |")  # fmt: skip
    print(f"| reference: raw executemany of the same rows, in turns with it | "
          f"{raw['events_per_s']:,} events/s (runs {raw['runs']}) | |")  # fmt: skip
    print(f"| service ÷ raw executemany, run by run | **{ratio['median']:.2f}** "
          f"(runs {ratio['runs']}) | ≥ 0.8 |")  # fmt: skip
    for w in result.get("warmup", []):
        print(f"| the warm-up pair before them (not counted) | service {w['service']:,}, raw "
              f"{w['raw_executemany']:,} events/s, ratio "
              f"{w['service'] / w['raw_executemany']:.2f} | |")  # fmt: skip
    cr = result["cpu_ratio_to_raw"]
    if vendor == "sqlite":
        print(f"| the same in CPU time (SQLite runs in this process) | {cr['median']:.2f} "
              f"(runs {cr['runs']}) | |")  # fmt: skip
    if "service_parallel" in result:
        sp = result["service_parallel"]
        print(
            f"| ingest, service layer in {sp['processes']} processes at once, median of "
            f"{args.runs} | {sp['events_per_s']:,} events/s (best {sp['best']:,}) | ≥ 20,000 |"
        )
    print(f"| ingest, service layer with carrier validation | {v['events_per_s']:,} events/s "
          f"(best {v['best']:,}) | |")  # fmt: skip
    if "api" in result:
        a = result["api"]
        print(f"| ingest, POST /api/v1/tracking/events (gunicorn ×2, 2 clients) | "
              f"{a['events_per_s']:,} events/s (batch p99 {a['batch_ms']['p99']} ms) "
              "| ≥ 20,000 |")  # fmt: skip
        print(f"| same batches again (all duplicates) | {a['replay_events_per_s']:,} events/s | |")
    for name, label in (("api", "GET /api/v1/tracking/{id}"), ("page", "GET /track/{id}/"),
                        ("in_process", "tracking_view() in process")):  # fmt: skip
        p = lk[name]
        print(f"| lookup {label} | p50 {p['p50']} ms · p95 {p['p95']} ms · **p99 {p['p99']} ms**"
              f" (n={p['n']}) | p99 ≤ 10 ms |")  # fmt: skip
    print(f"| lookups ran after | {result['lookup_cache']} | |")
    n = result.get("notifications")
    if n and (n.get("tasks") or n.get("follow_ups")):
        print(f"| notifications owed ({n['follow_ups']} outbox rows, {n['tasks']} tasks on "
              f"{args.broker}), drained by one Celery worker | {n['seconds']} s | |")  # fmt: skip
    else:
        print(f"| notifications | {result['broker']} | |")
    path = write_result(f"tracking-{vendor}", result)
    print(f"\nwritten {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
