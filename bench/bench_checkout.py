"""Checkouts per second over HTTP, from a load generator on loopback, with two worker processes.

    python bench/bench_checkout.py [--seconds 20] [--concurrency 16]

Database: DATABASE_URL, or var/bench-checkout.sqlite3 when it is unset. The script migrates it,
creates merchants with ample stock and buyers with API tokens, starts the server, and sends
POST /api/v1/checkout (Pix, two merchants per cart, a fresh Idempotency-Key per checkout; a
request that fails on the network is retried once with the same key). Afterwards it checks that
every 201 is exactly one order group in the database, that no key produced two groups, and that
reserved stock equals the units ordered: no lost and no duplicated order.

The server comes from BENCH_SERVER_CMD, with {port} in it, e.g.
    BENCH_SERVER_CMD="gunicorn -w 2 -b 127.0.0.1:{port} caravana.wsgi"
Without it two `python -m caravana runserver --noreload` processes listen on {port} and
{port}+1 and the client alternates between them (runserver is threaded; gunicorn or uvicorn is
the production server and is not a dependency yet). Results: a markdown table on stdout and
bench/out/checkout-<vendor>.json. Goal on PostgreSQL: >= 100 checkouts/s, p99 <= 250 ms.
"""

from __future__ import annotations

import argparse
import http.client
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
PORT = int(os.environ.get("BENCH_PORT", "8765"))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        env["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench-checkout.sqlite3'}"
    env.update(DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", LOG_LEVEL="ERROR")
    return env


def _setup(env: dict[str, str], buyers: int) -> dict:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caravana.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    sys.path.insert(0, str(ROOT))
    from caravana.accounts.services import create_token
    from tests import factories as f
    from tests.orders.support import ensure_pricing

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
    cmd = os.environ.get("BENCH_SERVER_CMD")
    py = sys.executable
    if cmd:
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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--max-requests", type=int, default=20_000)
    args = ap.parse_args()
    env = _env()
    data = _setup(env, args.concurrency)
    procs, ports = _servers(env)
    latencies: list[float] = []
    created: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.time() + args.seconds
    budget = [args.max_requests]

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
            with lock:
                if resp is not None and resp.status in (200, 201):
                    latencies.append(elapsed)
                    created.append(json.loads(payload)["group"])
                elif resp is not None:
                    errors.append(f"{resp.status} {payload[:200]!r}")

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(10)

    from caravana.catalog.models import Stock
    from caravana.orders.models import OrderGroup, OrderLine

    groups = set(OrderGroup.objects.values_list("reference", flat=True))
    ordered = sum(
        OrderLine.objects.filter(variant_id__in=data["variants"]).values_list("quantity", flat=True)
    )
    reserved = sum(
        Stock.objects.filter(variant_id__in=data["variants"]).values_list("reserved", flat=True)
    )
    lost = len(set(created) - groups)
    duplicated = len(created) - len(set(created))
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else 0.0

    result = {
        "vendor": data["vendor"],
        "server": os.environ.get("BENCH_SERVER_CMD") or "2 × runserver --noreload (threaded)",
        "concurrency": args.concurrency,
        "seconds": round(wall, 2),
        "checkouts": len(created),
        "checkouts_per_s": round(len(created) / wall, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else 0.0,
        "errors": len(errors),
        "error_samples": errors[:5],
        "lost_orders": lost,
        "duplicated_orders": duplicated,
        "groups_in_db": len(groups),
        "units_ordered": ordered,
        "units_reserved": reserved,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"checkout-{data['vendor']}.json").write_text(json.dumps(result, indent=2))
    print("| db | server | conc. | checkouts/s | p50 ms | p95 ms | p99 ms | errors | lost | dup |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {result['vendor']} | {result['server']} | {args.concurrency} | "
        f"{result['checkouts_per_s']} | {result['p50_ms']} | {result['p95_ms']} | "
        f"{result['p99_ms']} | {result['errors']} | {lost} | {duplicated} |"
    )
    ok = lost == 0 and duplicated == 0 and ordered == reserved
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
