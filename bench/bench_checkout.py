"""Checkouts per second over HTTP, from a load generator on loopback, with two worker processes.

    python bench/bench_checkout.py [--runs 3] [--seconds 20] [--warmup 3] [--concurrency 8]

Database: DATABASE_URL, or var/bench-checkout.sqlite3 when it is unset (that file is deleted and
recreated first, so every invocation starts from the same state). The script migrates it and,
for each run, creates two merchants with ample stock and buyers with API tokens (new names each
run, so a PostgreSQL database can be reused), starts the server, sends checkouts for `--warmup`
seconds (not timed), then for `--seconds`: POST /api/v1/checkout (Pix, two merchants per cart,
a fresh Idempotency-Key per checkout; a request that fails on the network is retried once with
the same key). The load generator is this process (one thread per concurrent client, closed
loop: each sends its next checkout when the last one answered); the server is a separate process
tree, and all traffic is on 127.0.0.1. After each run it checks that every 201 is exactly one
order group in the database, that no key produced two groups, and that reserved stock equals the
units ordered: no lost and no duplicated order.

The server comes from BENCH_SERVER_CMD, with {port} in it; the default is gunicorn with two
sync worker processes:
    gunicorn -w 2 -b 127.0.0.1:{port} --log-level warning caravana.wsgi
BENCH_SERVER_CMD=runserver runs two `python -m caravana runserver --noreload` processes on {port}
and {port}+1 instead (the client alternates between them). The server gets DJANGO_DEBUG=0.
Results: a markdown table (one row per run and the median) on stdout and
bench/out/checkout-<vendor>.json. Goal on PostgreSQL: >= 100 checkouts/s, p99 <= 250 ms.
"""

from __future__ import annotations

import argparse
import contextlib
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

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))
from common import percentiles, rig_env  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8765"))
SQLITE_DEFAULT = ROOT / "var" / "bench-checkout.sqlite3"
GUNICORN = "gunicorn -w 2 -b 127.0.0.1:{port} --log-level warning caravana.wsgi"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_DEFAULT}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{SQLITE_DEFAULT}"
    env.update(DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="ERROR")
    env.update(rig_env(env))
    return env


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravana.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    sys.path.insert(0, str(ROOT))


def _setup(buyers: int) -> dict:
    from django.db import connection

    from caravana.accounts.services import create_token
    from tests import factories as f
    from tests.orders.support import ensure_pricing

    # New usernames, USCCs and SKUs on every run: a database used before keeps working.
    f._seq = itertools.count(int(time.time() * 1000) % 10**9)
    ensure_pricing()
    f.fx_rates()
    variants = [
        f.product(price="89.00", stock=1_000_000).variants.get().pk,
        f.product(price="25.00", hs_code="392690", stock=1_000_000).variants.get().pk,
    ]
    tokens = [create_token(f.user(), "bench")[1] for _ in range(buyers)]
    vendor = connection.vendor
    connection.close()
    return {"variants": variants, "tokens": tokens, "vendor": vendor}


BODY = {
    "country": "BR",
    "recipient": "Ana Souza",
    "street_address": "Av. Paulista, 1000",
    "city": "São Paulo",
    "state": "SP",
    "postal_code": "01310-100",
    "buyer_id": "390.533.447-05",
    "service_level": "standard",
    "method": "pix",
}


def _servers(env: dict[str, str]) -> tuple[list[subprocess.Popen], list[int]]:
    cmd = os.environ.get("BENCH_SERVER_CMD") or GUNICORN
    py = sys.executable
    if cmd != "runserver":
        cmd = cmd.replace("gunicorn ", f"{Path(py).parent / 'gunicorn'} ", 1)
        procs = [subprocess.Popen(shlex.split(cmd.format(port=PORT)), env=env, cwd=ROOT)]
        ports = [PORT]
    else:
        ports = [PORT, PORT + 1]
        procs = [
            subprocess.Popen(
                [py, "-m", "caravana", "runserver", "--noreload", f"127.0.0.1:{p}"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for p in ports
        ]
    deadline = time.time() + 30
    for p in ports:
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", p, timeout=2)
                c.request("GET", "/api/v1/openapi.json")
                c.getresponse().read()
                break
            except OSError:
                time.sleep(0.3)
    return procs, ports


def _ticks(pid: int) -> int:
    """User + system CPU of a process, in clock ticks (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _pids(procs: list[subprocess.Popen]) -> dict[str, list[int]]:
    """The server's processes (gunicorn's master and workers) and, on PostgreSQL, the backends
    serving this database: whose CPU a checkout costs."""
    server = []
    for p in procs:
        server.append(p.pid)
        with contextlib.suppress(OSError):
            server += [
                int(c) for c in Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()
            ]
    backends: list[int] = []
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            backends = [r[0] for r in cur.fetchall()]
        connection.close()
    return {"server": server, "db": backends}


def _cpu(pids: dict[str, list[int]]) -> dict[str, float]:
    hz = os.sysconf("SC_CLK_TCK")
    out = {k: sum(_ticks(p) for p in v) / hz for k, v in pids.items()}
    t = os.times()
    out["client"] = t.user + t.system
    # The whole machine's busy CPU (all processes), to tell how much other work ran meanwhile.
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    out["machine"] = (sum(ticks[:8]) - ticks[3] - ticks[4]) / hz
    return out


def _run(args: argparse.Namespace, env: dict[str, str]) -> dict:
    """One run: fresh merchants and buyers, a fresh server, warm-up, measured load, checks."""
    data = _setup(args.concurrency)
    procs, ports = _servers(env)
    latencies: list[float] = []
    created: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = time.time() + args.warmup
    stop = start + args.seconds
    budget = [args.max_requests]
    counted = [0]

    def worker(i: int) -> None:
        token = data["tokens"][i]
        port = ports[i % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = {**BODY, "lines": [{"variant_id": v, "quantity": 1} for v in data["variants"]]}
        raw = json.dumps(body)
        while time.time() < stop:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            key = uuid.uuid4().hex
            headers = {
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": key,
                "Content-Type": "application/json",
            }
            t0 = time.perf_counter()
            sent_at = time.time()
            for attempt in (1, 2):
                try:
                    conn.request("POST", "/api/v1/checkout", raw, headers)
                    resp = conn.getresponse()
                    payload = resp.read()
                    break
                except OSError as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    if attempt == 2:
                        with lock:
                            errors.append(repr(exc))
                        resp = None
            elapsed = time.perf_counter() - t0
            measured = start <= sent_at and time.time() <= stop
            with lock:
                if resp is not None and resp.status in (200, 201):
                    created.append(json.loads(payload)["group"])
                    if measured:
                        latencies.append(elapsed)
                        counted[0] += 1
                elif resp is not None:
                    errors.append(f"{resp.status} {payload[:200]!r}")

    cpu: dict[str, dict[str, float]] = {}

    def sampler() -> None:
        """CPU seconds of server, database backends and this process over the timed window."""
        time.sleep(max(0.0, start - time.time() - 0.5))
        pids = _pids(procs)  # the backends exist once warm-up has opened the connections
        time.sleep(max(0.0, start - time.time()))
        cpu["start"] = _cpu(pids)
        time.sleep(max(0.0, stop - time.time()))
        cpu["stop"] = _cpu(pids)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
    threads.append(threading.Thread(target=sampler))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.terminate()
    for p in procs:
        try:  # gunicorn waits for busy workers; on a loaded machine that can exceed 10 s
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    from caravana.catalog.models import Stock
    from caravana.orders.models import OrderGroup, OrderLine

    groups = set(
        OrderGroup.objects.filter(reference__in=created).values_list("reference", flat=True)
    )
    ordered = sum(
        OrderLine.objects.filter(variant_id__in=data["variants"]).values_list("quantity", flat=True)
    )
    reserved = sum(
        Stock.objects.filter(variant_id__in=data["variants"]).values_list("reserved", flat=True)
    )
    pct = percentiles([s * 1000 for s in latencies]) if latencies else {}

    n = max(counted[0], 1)
    used = {k: cpu["stop"][k] - cpu["start"][k] for k in cpu.get("stop", {})}
    machine = used.pop("machine", 0.0)
    return {
        # CPU milliseconds per timed checkout: robust to a shared machine's other load.
        "cpu_ms_per_checkout": {k: round(v * 1000 / n, 1) for k, v in used.items()},
        # Cores kept busy by everything else on the machine during the timed window.
        "other_load_cores": round(max(0.0, machine - sum(used.values())) / args.seconds, 2),
        "checkouts": counted[0],
        "checkouts_per_s": round(counted[0] / args.seconds, 1),
        "p50_ms": round(pct.get("p50", 0.0), 1),
        "p95_ms": round(pct.get("p95", 0.0), 1),
        "p99_ms": round(pct.get("p99", 0.0), 1),
        "mean_ms": round(pct.get("mean", 0.0), 1),
        "errors": len(errors),
        "error_samples": errors[:5],
        "lost_orders": len(set(created) - groups),
        "duplicated_orders": len(created) - len(set(created)),
        "groups_created": len(created),
        "units_ordered": ordered,
        "units_reserved": reserved,
        # Each cart holds one unit of each of the two variants.
        "units_expected": 2 * len(created),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=3.0)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--max-requests", type=int, default=50_000)
    args = ap.parse_args()
    env = _env()
    _django(env)
    from django.db import connection

    vendor = connection.vendor
    server = os.environ.get("BENCH_SERVER_CMD") or GUNICORN
    runs = [_run(args, env) for _ in range(args.runs)]
    keys = ("checkouts_per_s", "p50_ms", "p95_ms", "p99_ms", "mean_ms")
    median = {k: round(statistics.median(r[k] for r in runs), 1) for k in keys}
    median["other_load_cores"] = round(statistics.median(r["other_load_cores"] for r in runs), 2)
    for k in ("server", "db", "client"):
        median[f"cpu_ms_{k}"] = round(
            statistics.median(r["cpu_ms_per_checkout"].get(k, 0.0) for r in runs), 1
        )
    totals = {
        k: sum(r[k] for r in runs)
        for k in ("errors", "lost_orders", "duplicated_orders", "groups_created")
    }
    ok = totals["lost_orders"] == 0 and totals["duplicated_orders"] == 0
    ok = ok and all(r["units_ordered"] == r["units_reserved"] == r["units_expected"] for r in runs)
    result = {
        "vendor": vendor,
        "server": server,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "median": median,
        **totals,
        "consistent": ok,
        "runs": runs,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"checkout-{vendor}.json").write_text(json.dumps(result, indent=2))
    print(f"server: {server}; {args.concurrency} clients, {args.seconds:g} s per run")
    print(
        "| db | run | checkouts/s | p50 ms | p95 ms | p99 ms | CPU ms/checkout: server, db, "
        "client | other load (cores) | errors | lost | dup |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for n, r in enumerate(runs, 1):
        c = r["cpu_ms_per_checkout"]
        print(
            f"| {vendor} | {n} | {r['checkouts_per_s']} | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['p99_ms']} | {c.get('server')}, {c.get('db')}, {c.get('client')} | "
            f"{r['other_load_cores']} | {r['errors']} | {r['lost_orders']} | "
            f"{r['duplicated_orders']} |"
        )
    m = median
    print(
        f"| {vendor} | **median** | **{m['checkouts_per_s']}** | {m['p50_ms']} | "
        f"{m['p95_ms']} | {m['p99_ms']} | {m['cpu_ms_server']}, {m['cpu_ms_db']}, "
        f"{m['cpu_ms_client']} | {m['other_load_cores']} | {totals['errors']} | "
        f"{totals['lost_orders']} | "
        f"{totals['duplicated_orders']} |"
    )
    if not ok:
        print("INCONSISTENT: lost or duplicated orders, or reserved stock != units ordered")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
