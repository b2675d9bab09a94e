"""Scale-out on one machine: 1 then 2 web "hosts" and 1 then 2 Celery workers sharing one
PostgreSQL and one Redis, each a separate process tree, driven over HTTP.

    python bench/bench_scaleout.py [--seconds 15] [--warmup 3] [--clients 16] [--events 40000]
                                   [--rounds 2] [--hosts 1,2]
                                   [--parts checkout,ingestion]
                                   [--cpus-per-host 0] [--order shuffled|time]

Needs DATABASE_URL (PostgreSQL: the shape this measures is production's) and Redis
(CELERY_BROKER_URL, default redis://127.0.0.1:6379/6; the queue is emptied first). Per round and
per size N (rounds alternate 1, 2, 1, 2 so drift on a shared machine hits both sizes alike):

1. N gunicorn hosts (each `gunicorn -w 2`, its own port) and N Celery workers (solo pool, one
   process each) are started.
2. Checkout: `--clients` closed-loop clients, spread round-robin over the hosts, POST
   /api/v1/checkout (Pix, two merchants per cart, a fresh Idempotency-Key each) for `--warmup`
   seconds untimed, then `--seconds` timed; every 201 is checked to be exactly one order group.
3. Tracking ingestion: `--events` carrier events in batches of 1,000 (bench_tracking's batches:
   fresh parcels, 5 shuffled events each) POSTed to /api/v1/tracking/events by 2 clients per host;
   the after-commit notification tasks go to Redis and the N workers drain them: events/s over
   HTTP, and tasks/s from the first batch to an empty queue. Every gunicorn worker first gets
   untimed small batches (a cold worker's first request is not the design's cost); the run
   also reports the CPU the web hosts, the Celery workers and their PostgreSQL sessions spent
   per batch (from /proc), and the share of 20 ms samples in which a batch waited on another
   batch's parcel locks. `--parts ingestion` skips the checkout part.
4. Everything is stopped.

`--cpus-per-host K` pins host i's gunicorn and Celery worker to their own K cores
(sched_setaffinity, inherited by the forked workers), the database and the load generator
staying free: each "host" then brings its own CPU, as a second machine would. Unpinned (0), the
hosts share the same 2 cores and a second one can only add processes, not capacity.
`--order time` sends the events in the order they happened (a carrier's webhook sends what just
happened; batches posted at the same moment concern different parcels); `shuffled` (the default,
as bench_tracking) shuffles them over the whole run, so that every batch touches parcels that
the batches beside it touch too, and batches queue for each other's parcel locks.

The same client count drives both sizes, so a difference is the servers', not the load's. The
load generator runs on the same 2 cores as the servers and the database; the table gives the
load average beside each run. Writes bench/out/scaleout-postgresql.json and prints a table.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import shlex
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, bench_env, free_port, machine, percentiles, write_result  # noqa: E402

DEFAULT_BROKER = "redis://127.0.0.1:6379/6"
#: The application_name of the servers' database sessions (libpq reads PGAPPNAME).
APP_NAME = "caravana-bench-scaleout"
BATCH = 1000


def _wait_http(port: int, proc: subprocess.Popen, deadline: float) -> None:
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            return
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError(f"host on port {port} did not start") from None
            time.sleep(0.3)


def _pinned(cpus: set[int]):
    """A preexec_fn that pins the child (and what it forks) to `cpus`; None when unpinned."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def host_cpus(i: int, per_host: int) -> set[int]:
    """Host i's own cores when pinned (wrapping round the machine's), else none."""
    n = os.cpu_count() or 1
    return {(i * per_host + k) % n for k in range(per_host)} if per_host else set()


def start(
    env: dict[str, str], n: int, cpus_per_host: int = 0
) -> tuple[list[subprocess.Popen], list[int]]:
    """N gunicorn hosts (2 sync workers each, as deployed) and N Celery workers. Their
    database sessions carry APP_NAME, so that _db_cpu counts theirs and no one else's."""
    bin_dir = Path(sys.executable).parent
    env = {**env, "PGAPPNAME": APP_NAME}
    procs, ports = [], []
    for i in range(n):
        pin = _pinned(host_cpus(i, cpus_per_host))
        port = free_port(ports)
        cmd = f"{bin_dir / 'gunicorn'} -w 2 -b 127.0.0.1:{port} --log-level warning caravana.wsgi"
        procs.append(subprocess.Popen(shlex.split(cmd), env=env, cwd=ROOT, preexec_fn=pin))
        ports.append(port)
        procs.append(
            subprocess.Popen(
                [
                    str(bin_dir / "celery"),
                    "-A",
                    "caravana",
                    "worker",
                    "--pool",
                    "solo",
                    "-n",
                    f"bench{i}@%h",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=pin,
            )  # fmt: skip
        )
    deadline = time.time() + 180
    try:
        for port, proc in zip(ports, procs[::2], strict=True):
            _wait_http(port, proc, deadline)
    except BaseException:
        stop(procs)
        raise
    return procs, ports


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()


def checkout_load(ports: list[int], data: dict, args: argparse.Namespace) -> dict:
    """Closed-loop checkouts spread over the hosts; checked against the database after."""
    from bench_checkout import BODY

    latencies: list[float] = []
    created: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_at = time.time() + args.warmup
    stop_at = start_at + args.seconds
    body = {**BODY, "lines": [{"variant_id": v, "quantity": 1} for v in data["variants"]]}
    raw = json.dumps(body)

    def client(i: int) -> None:
        port = ports[i % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {data['tokens'][i]}",
                   "Content-Type": "application/json"}  # fmt: skip
        while time.time() < stop_at:
            headers["Idempotency-Key"] = uuid.uuid4().hex
            t0, sent = time.perf_counter(), time.time()
            try:
                conn.request("POST", "/api/v1/checkout", raw, headers)
                resp = conn.getresponse()
                payload = resp.read()
            except OSError as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    errors.append(repr(exc))
                continue
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if resp.status == 201:
                    created.append(json.loads(payload)["group"])
                    if sent >= start_at and time.time() <= stop_at:
                        latencies.append(ms)
                else:
                    errors.append(f"{resp.status} {payload[:200]!r}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    from caravana.orders.models import OrderGroup

    found = OrderGroup.objects.filter(reference__in=created).count()
    pct = percentiles(latencies) if latencies else {"p50": 0, "p99": 0}
    return {
        "checkouts_per_s": round(len(latencies) / args.seconds, 1),
        "p50_ms": pct["p50"],
        "p99_ms": pct["p99"],
        "errors": len(errors),
        "error_samples": errors[:3],
        "lost": len(set(created)) - found,
        "duplicated": len(created) - len(set(created)),
    }


#: What a run that skipped a part shows for it (--parts).
NO_CHECKOUT = {"checkouts_per_s": 0, "p50_ms": 0, "p99_ms": 0, "errors": 0, "lost": 0,
               "duplicated": 0}  # fmt: skip
NO_INGESTION = {"events_per_s": 0, "batch_p99_ms": 0, "notifications_per_s": 0,
                "drained_s": 0, "pipeline_events_per_s": 0, "cpu_ms_per_batch": {},
                "lock_waits": 0}  # fmt: skip


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children alive now (a gunicorn
    arbiter's workers), from /proc."""
    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo += [int(c) for c in children]
    return total


def _db_cpu(dbname: str) -> float:
    """CPU seconds of the PostgreSQL backends serving the hosts and workers on `dbname` now
    (pg_stat_activity's pids read from /proc: the database runs on this machine); other
    sessions on the same database (a bulk load, this process) are left out."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [dbname, APP_NAME],
        )
        return sum(_tree_cpu(pid) for (pid,) in cur.fetchall())


def _count_lock_waits(stop_at: list[bool], out: list[int]) -> None:
    """Samples, every 20 ms, how many backends wait on a row lock or another transaction
    (tracking's parcel state rows since docs/decisions/0039; advisory locks, per parcel,
    before it), so that the run says whether batches queued for each other."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop_at[0]:
            (n,) = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND wait_event IN ('advisory', 'transactionid', 'tuple')"
            ).fetchone()
            out.append(n)
            time.sleep(0.02)


def ingestion_load(
    ports: list[int],
    context: dict,
    broker: str,
    events_n: int,
    procs: list[subprocess.Popen],
    order: str = "shuffled",
) -> dict:
    """Batches over the hosts (2 clients each), then the workers drain the notifications. Also
    the CPU each side spent per batch while the batches were posted (web hosts, Celery
    workers, PostgreSQL backends) and how often a batch waited on another's parcel locks."""
    import redis
    from bench_tracking import INGEST_CODES, event_dicts, fresh_parcels

    def batches(n: int, size: int) -> list[bytes]:
        events = event_dicts(fresh_parcels(context, n // len(INGEST_CODES)), seed=5)
        if order == "time":
            events.sort(key=lambda e: e["occurred_at"])
        for e in events:
            e["occurred_at"] = e["occurred_at"].isoformat()
        return [json.dumps({"events": events[i : i + size]}).encode()
                for i in range(0, len(events), size)]  # fmt: skip

    bodies = batches(events_n, BATCH)
    total = events_n // len(INGEST_CODES) * len(INGEST_CODES)
    headers = {"Content-Type": "application/json",
               "Authorization": f"Bearer {context['token']}"}  # fmt: skip
    # Untimed first: small batches, 4 per gunicorn worker, so that every worker has loaded
    # the API's code, connected and prepared its statements; the hosts are started afresh for
    # each run, and with a few dozen batches a cold worker's first request weighed on the
    # larger size more (more workers, fewer batches each).
    queue = batches(len(ports) * 2 * 4 * 50, 50)
    lock = threading.Lock()
    created, lat, errors = [0], [], []

    def client(port: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/tracking/events", body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            with lock:
                lat.append((time.perf_counter() - t0) * 1000)
                if resp.status == 200:
                    created[0] += json.loads(payload)["created"]
                else:
                    errors.append(payload[:200])

    warm = [threading.Thread(target=client, args=(p,)) for p in ports for _ in range(2)]
    for t in warm:
        t.start()
    for t in warm:
        t.join()
    r = redis.Redis.from_url(broker)
    while r.llen("celery") or r.hlen("unacked"):  # the warm-up's tasks done first
        time.sleep(0.05)
    queue[:] = bodies
    created[0], lat[:], errors[:] = 0, [], []
    from django.conf import settings

    dbname = settings.DATABASES["default"]["NAME"]
    webs, workers = procs[::2], procs[1::2]
    cpu0 = (sum(_tree_cpu(p.pid) for p in webs), sum(_tree_cpu(p.pid) for p in workers))
    waits: list[int] = []
    done = [False]
    sampler = threading.Thread(target=_count_lock_waits, args=(done, waits))
    sampler.start()
    db0 = _db_cpu(dbname)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(p,)) for p in ports for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ingest_s = time.perf_counter() - t0
    db1 = _db_cpu(dbname)
    done[0] = True
    sampler.join()
    cpu1 = (sum(_tree_cpu(p.pid) for p in webs), sum(_tree_cpu(p.pid) for p in workers))
    per_batch = {
        "web": round((cpu1[0] - cpu0[0]) / len(bodies) * 1000, 1),
        "celery": round((cpu1[1] - cpu0[1]) / len(bodies) * 1000, 1),
        # backends that ended during the run are not counted: a lower bound
        "postgres": round(max(db1 - db0, 0) / len(bodies) * 1000, 1),
    }
    while r.llen("celery") or r.hlen("unacked"):
        if time.perf_counter() - t0 > 600:
            raise SystemExit("bench: notifications not drained in 10 min")
        time.sleep(0.05)
    drained_s = time.perf_counter() - t0
    if errors or created[0] != total:
        raise SystemExit(f"bench: ingestion refused or lost events: {errors[:1]} {created[0]}")
    return {
        "events_per_s": round(total / ingest_s),
        "batch_p99_ms": percentiles(lat)["p99"],
        "batches": len(bodies),
        "notifications_per_s": round(len(bodies) / drained_s, 1),
        "drained_s": round(drained_s, 1),
        # events posted and every follow-up task done: the pipeline's throughput
        "pipeline_events_per_s": round(total / drained_s),
        "cpu_ms_per_batch": per_batch,
        # share of 20 ms samples with at least one batch waiting on parcel locks
        "lock_waits": round(sum(1 for w in waits if w) / max(len(waits), 1), 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--events", type=int, default=40_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--hosts", default="1,2", help="sizes to measure, in order, each round")
    ap.add_argument(
        "--parts", default="checkout,ingestion", help="what to drive: checkout, ingestion or both"
    )
    ap.add_argument("--cpus-per-host", type=int, default=0, help="pin each host to K cores")
    ap.add_argument("--order", choices=("shuffled", "time"), default="shuffled",
                    help="events shuffled over the run, or in the order they happened")  # fmt: skip
    args = ap.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("bench_scaleout: set DATABASE_URL to a PostgreSQL database", file=sys.stderr)
        return 0  # `make bench` on SQLite: nothing to measure here
    env = bench_env("unused.sqlite3")
    env["CELERY_BROKER_URL"] = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).delete("celery", "unacked", "unacked_index")
    from bench_tracking import prepare

    _vendor, context = prepare(env)  # Django set up, migrated; the carrier and its token
    sys.path.insert(0, str(ROOT))
    from bench_checkout import _setup

    from tests import factories as f

    sizes = [int(s) for s in args.hosts.split(",")]
    rows = []
    for rnd in range(args.rounds):
        for n in sizes:
            f._seq = itertools.count(int(time.time() * 1000) % 10**9)
            data = _setup(args.clients) if "checkout" in args.parts else {}
            procs, ports = start(env, n, args.cpus_per_host)
            try:
                load = os.getloadavg()[0]
                c = checkout_load(ports, data, args) if "checkout" in args.parts else NO_CHECKOUT
                t = (
                    ingestion_load(
                        ports, context, env["CELERY_BROKER_URL"], args.events, procs, args.order
                    )  # fmt: skip
                    if "ingestion" in args.parts
                    else NO_INGESTION
                )
            finally:
                stop(procs)
            rows.append({"round": rnd + 1, "hosts": n, "workers": n, "load_1m": load,
                         "checkout": c, "ingestion": t})  # fmt: skip
            print(f"[{time.strftime('%H:%M:%S')}] {n} host(s): {c['checkouts_per_s']}/s "
                  f"checkout p99 {c['p99_ms']} ms; {t['events_per_s']} events/s; "
                  f"{t['notifications_per_s']} tasks/s", file=sys.stderr, flush=True)  # fmt: skip

    def med(n: int, part: str, key: str) -> float:
        return round(statistics.median(r[part][key] for r in rows if r["hosts"] == n), 1)

    result = {"benchmark": "scaleout", "machine": machine(), "clients": args.clients,
              "seconds": args.seconds, "events": args.events, "rows": rows,
              "cpus_per_host": args.cpus_per_host, "order": args.order,
              "median": {n: {"checkouts_per_s": med(n, "checkout", "checkouts_per_s"),
                             "checkout_p99_ms": med(n, "checkout", "p99_ms"),
                             "events_per_s": med(n, "ingestion", "events_per_s"),
                             "pipeline_events_per_s": med(n, "ingestion",
                                                          "pipeline_events_per_s"),
                             "notifications_per_s": med(n, "ingestion", "notifications_per_s")}
                         for n in sizes}}  # fmt: skip
    write_result("scaleout-postgresql", result)
    m = result["machine"]
    print(
        f"\n{m['cores']} cores, {m['date']}; {args.clients} checkout clients, "
        f"{args.seconds:g} s timed; {args.events:,} events per ingestion run ({args.order}); "
        f"cores per host: {args.cpus_per_host or 'shared'}\n"
    )
    print(
        "| round | hosts × gunicorn -w 2 | Celery workers | load 1 min | checkouts/s | "
        "checkout p99 ms | errors · lost · dup | events/s (HTTP) | batch p99 ms | "
        "notification tasks/s | events/s to the last task done | CPU ms a batch: web · "
        "celery · postgres | samples waiting on parcel locks |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c, t = r["checkout"], r["ingestion"]
        print(f"| {r['round']} | {r['hosts']} | {r['workers']} | {r['load_1m']:.1f} | "
              f"{c['checkouts_per_s']} | {c['p99_ms']} | {c['errors']} · {c['lost']} · "
              f"{c['duplicated']} | {t['events_per_s']:,} | {t['batch_p99_ms']} | "
              f"{t['notifications_per_s']} | {t['pipeline_events_per_s']:,} | "
              f"{' · '.join(str(v) for v in t['cpu_ms_per_batch'].values())} | "
              f"{t['lock_waits']:.0%} |")  # fmt: skip
    for n in sizes:
        md = result["median"][n]
        print(f"| **median** | {n} | {n} | | **{md['checkouts_per_s']:.1f}** | "
              f"{md['checkout_p99_ms']:.1f} | | **{md['events_per_s']:,.0f}** | | "
              f"{md['notifications_per_s']:.1f} | "
              f"**{md['pipeline_events_per_s']:,.0f}** | | |")  # fmt: skip
    bad = any(r["checkout"]["lost"] or r["checkout"]["duplicated"] for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
