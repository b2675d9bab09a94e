"""Carrier events through the webhook path: a carrier's own payloads (99minutos' documented
notification shape), signed, verified, decoded, parsed and mapped by the adapter, and recorded
by the same set-wise ingestion the carriers' tracking API uses (tracking.recording.record_batch),
on SQLite by default or the DATABASE_URL given.

Run: .venv/bin/python bench/bench_carrier_events.py [--ingest 100000] [--runs 3] [--quick]

1. In process: carrier_events.services.receive_webhook, the function the endpoint calls, one
   request body per 1,000 events (200 shipments × 5 events: collected, stored, on linehaul,
   out for delivery, delivered; the notifications shuffled, so parcels' events arrive in no
   particular order), for fresh parcels; the clock runs over the calls only (bodies built and
   signed before). Median of --runs.
2. Over HTTP: POST /api/v1/carriers/<code>/events on gunicorn (2 workers), two client threads;
   then the same bodies again (all duplicates: a carrier's retry). Skipped with --quick.

Goal (issue 15): ≥ 20,000 events/s, as through the tracking API. Prints a markdown table with
the machine's load and writes bench/out/carrier-events-<vendor>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking import clear_queue, drain_notifications, make_parcels, prepare  # noqa: E402
from common import ROOT, bench_env, machine, percentiles, server, write_result  # noqa: E402

INDICATOR = "HE"  # S10 service indicator of this bench's parcels
CARRIER = "mx-99minutos"
#: 99minutos status codes a shipment goes through here (the document's table).
CODES = [("2003", "collected"), ("3001", "stored"), ("3004", "onLinehaul"),
         ("4001", "onRoadToDelivery"), ("4002", "delivered")]  # fmt: skip
PER_BODY = 1000
#: The follow-up tasks are queued here, as in production (a database of this bench's own).
DEFAULT_BROKER = "redis://127.0.0.1:6379/14"
#: The UPU code each status maps to, for the reference run through the carriers' API service.
UPU = {"2003": None, "3001": "EDD", "3004": None, "4001": "EDG", "4002": "EMI"}


def fresh_numbers(context, count: int) -> list[str]:
    """`count` new parcels handed to the carrier; their number is their S10 (any unique
    string does: the adapter finds parcels by the carrier's number)."""
    from django.db.models import F

    from caravana.codes import s10
    from caravana.fulfillment.models import Parcel

    start = Parcel.objects.filter(s10__startswith=INDICATOR).count() + 1
    make_parcels(context, INDICATOR, start, count, dt.datetime.now(dt.UTC))
    wanted = [s10.build(INDICATOR, i, "CN") for i in range(start, start + count)]
    Parcel.objects.filter(s10__in=wanted).update(
        carrier=context["feed"].carrier, carrier_tracking_number=F("s10")
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a change this size: without it the planner
        # believes the carrier has a handful of parcels and walks them all, not the index
        # on (carrier, number).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Parcel._meta.db_table}")
    return wanted


def bodies(context, n_events: int, seed: int) -> list[bytes]:
    """Request bodies of PER_BODY events: lists of notifications in the documented shape."""
    numbers = fresh_numbers(context, n_events // len(CODES))
    base = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    notes = []
    for k, number in enumerate(numbers):
        events = [
            {"StatusCode": code, "StatusName": name,
             "Data": {"comment": "", "evidence": []},
             "CreatedAt": (base + dt.timedelta(hours=6 * j, seconds=k % 3600))
             .strftime("%Y-%m-%d %H:%M:%S")}
            for j, (code, name) in enumerate(CODES)
        ]  # fmt: skip
        notes.append({"StatusName": "delivered", "TrackingId": number, "InternalKey": str(k),
                      "Events": events})  # fmt: skip
    random.Random(seed).shuffle(notes)
    per = PER_BODY // len(CODES)
    return [json.dumps(notes[i : i + per]).encode() for i in range(0, len(notes), per)]


def signed(context, body: bytes) -> dict[str, str]:
    from caravana import webhook_signing

    return webhook_signing.sign(context["feed"].webhook_secret, body)


def bench_service(context, n_events: int) -> dict:
    from caravana.carrier_events import services

    feed = context["feed"]
    calls = [(b, signed(context, b)) for b in bodies(context, n_events, random.randrange(1 << 30))]
    t0, c0 = time.perf_counter(), time.process_time()
    created = sum(services.receive_webhook(feed, b, h).created for b, h in calls)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    events = len(calls) * PER_BODY
    assert created == events, (created, events)
    load = round(os.getloadavg()[0], 2)
    return {"events": events, "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 3),
            "events_per_s": round(events / elapsed), "load_1m": load}  # fmt: skip


def bench_reference(context, n_events: int) -> dict:
    """The same shipments' events through the carriers' tracking API service
    (tracking.ingestion.ingest_carrier_events, 1,000 per batch, UPU codes already), in turns
    with the webhook path, so both see the same machine."""
    from caravana.tracking.ingestion import CarrierEventIn, ingest_carrier_events

    numbers = fresh_numbers(context, n_events // len(CODES))
    base = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    events = [
        CarrierEventIn(event_id=f"{n}-{code}", identifier=n, code=UPU[code] or "EDE",
                       occurred_at=base + dt.timedelta(hours=6 * j, seconds=k % 3600))
        for k, n in enumerate(numbers)
        for j, (code, _name) in enumerate(CODES)
    ]  # fmt: skip
    random.Random(7).shuffle(events)
    carrier = context["feed"].carrier
    batches = [events[i : i + PER_BODY] for i in range(0, len(events), PER_BODY)]
    t0 = time.perf_counter()
    created = sum(ingest_carrier_events(carrier, b).created for b in batches)
    elapsed = time.perf_counter() - t0
    assert created == len(events), (created, len(events))
    return {"events": len(events), "seconds": round(elapsed, 2),
            "events_per_s": round(len(events) / elapsed)}  # fmt: skip


def bench_http(context, port: int, n_events: int, clients: int = 2) -> dict:
    path = f"/api/v1/carriers/{CARRIER}/events"
    all_bodies = bodies(context, n_events, seed=5)

    def run(items: list[bytes]) -> tuple[float, int, list[float]]:
        lock = threading.Lock()
        queue = list(items)
        created, latencies, errors = [0], [], []

        def worker():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while True:
                with lock:
                    if not queue:
                        break
                    body = queue.pop(0)
                headers = {"Content-Type": "application/json", **signed(context, body)}
                t = time.perf_counter()
                conn.request("POST", path, body=body, headers=headers)
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
            raise SystemExit(f"bench: the webhook refused a body: {errors[0]}")
        return time.perf_counter() - t0, created[0], latencies

    run(bodies(context, 400, seed=6))  # warm both server processes up
    elapsed, created, lat = run(all_bodies)
    events = len(all_bodies) * PER_BODY
    assert created == events, (created, events)
    replay_s, replay_created, replay_lat = run(all_bodies)
    assert replay_created == 0
    return {"events": events, "clients": clients, "seconds": round(elapsed, 2),
            "events_per_s": round(events / elapsed), "body_ms": percentiles(lat),
            "replay_events_per_s": round(events / replay_s),
            "replay_body_ms": percentiles(replay_lat)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ingest", type=int, default=100_000, help="events per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="in process only, no HTTP run")
    parser.add_argument(
        "--broker",
        default=DEFAULT_BROKER,
        help="Celery broker the follow-up tasks are queued on; 'eager' runs them in process",
    )
    args = parser.parse_args()
    env = bench_env("bench_carrier_events.sqlite3")
    env["RATE_LIMIT_CARRIER_WEBHOOK"] = ""  # no limit on the rig, like the API's
    # The server runs this checkout's code, whatever the virtualenv has installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    if args.broker != "eager":
        import redis

        try:
            clear_queue(args.broker)
        except (OSError, redis.RedisError) as exc:
            print(f"bench: no broker at {args.broker} ({exc}); tasks run in process",
                  file=sys.stderr)  # fmt: skip
            args.broker = "eager"
        else:
            env["CELERY_BROKER_URL"] = args.broker
    vendor, context = prepare(env)
    from caravana.carrier_events import services
    from caravana.network.models import Carrier

    context["feed"] = services.ensure_feed(Carrier.objects.get(code=CARRIER), "99minutos")
    bench_service(context, 2000)  # warm up: imports, the broker's connection
    uptime_before = os.popen("uptime").read().strip()
    runs, refs = [], []
    for _ in range(args.runs):
        runs.append(bench_service(context, args.ingest))
        refs.append(bench_reference(context, args.ingest))
    rates = sorted(r["events_per_s"] for r in runs)
    ref_rates = sorted(r["events_per_s"] for r in refs)
    ratios = sorted(a["events_per_s"] / b["events_per_s"] for a, b in zip(runs, refs, strict=True))
    result = {
        "benchmark": "carrier-events",
        "vendor": vendor,
        "machine": machine(),
        "uptime_before": uptime_before,
        "goal": {"events_per_s": 20_000},
        "service": {
            "events_per_s": rates[len(rates) // 2],
            "runs": rates,
            "loads": [r["load_1m"] for r in runs],
        },  # fmt: skip
        "tracking_api_service": {
            "events_per_s": ref_rates[len(ref_rates) // 2],
            "runs": ref_rates,
        },  # fmt: skip
        "ratio": {
            "median": round(ratios[len(ratios) // 2], 3),
            "runs": [round(r, 3) for r in ratios],
        },  # fmt: skip
        "broker": args.broker,
    }
    if not args.quick:
        with server(env, workers=2) as port:
            result["http"] = bench_http(context, port, args.ingest)
    if args.broker != "eager":
        result["follow_up_tasks"] = drain_notifications(env, lambda m: print(m, file=sys.stderr))
    result["uptime_after"] = os.popen("uptime").read().strip()
    s = result["service"]
    print(f"\n### Carrier events (webhook path) on {vendor}, {result['machine']['date']}\n")
    print(f"uptime before: `{uptime_before}`  \nuptime after: `{result['uptime_after']}`\n")
    print("| measure | result | goal |")
    print("|---|---|---|")
    print(f"| receive_webhook in process (verify + JSON + 99minutos adapter + record_batch), "
          f"{PER_BODY} events/body, median of {args.runs} | **{s['events_per_s']:,} events/s** "
          f"(runs {s['runs']}, load {s['loads']}) | ≥ 20,000 |")  # fmt: skip
    r, q = result["tracking_api_service"], result["ratio"]
    print(
        f"| reference, in turns: the carriers' API service (ingest_carrier_events), same "
        f"events with UPU codes | {r['events_per_s']:,} events/s (runs {r['runs']}) | |"
    )
    print(f"| webhook path ÷ API service, run by run | {q['median']:.2f} (runs {q['runs']}) | |")
    if "http" in result:
        h = result["http"]
        print(
            f"| POST /api/v1/carriers/{CARRIER}/events (gunicorn ×2, 2 clients) | "
            f"{h['events_per_s']:,} events/s (body p99 {h['body_ms']['p99']} ms) | ≥ 20,000 |"
        )
        print(f"| same bodies again (all duplicates) | {h['replay_events_per_s']:,} events/s | |")
    path = write_result(f"carrier-events-{vendor}", result)
    print(f"\nwritten {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
