"""POST /api/v1/quotes latency over HTTP: p50/p95/p99 from a client process on loopback against
gunicorn (2 workers), on SQLite by default or the DATABASE_URL given.

Run: .venv/bin/python bench/bench_quote_api.py [--requests 2000] [--runs 3]
Goal (issue 3): API p99 ≤ 20 ms. Writes bench/out/quote-api-<vendor>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import bench_env, machine, percentiles, server, setup_django, write_result  # noqa: E402

DESTINATIONS = (
    ("BR", "SP"),
    ("BR", "MG"),
    ("MX", None),
    ("CL", None),
    ("CO", None),
    ("PE", None),
    ("AR", None),
)
HS = ("851830", "610910", "420292", "950300", "392690", "711719")


def prepare(env: dict[str, str]) -> str:
    vendor = setup_django(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import datetime as dt
    from decimal import Decimal

    from caravana.pricing.models import FxRate

    per_usd = {
        "CNY": "7.10",
        "BRL": "5.40",
        "MXN": "18.50",
        "CLP": "940",
        "COP": "3950",
        "PEN": "3.75",
        "ARS": "1450",
        "EUR": "0.92",
    }
    for quote, rate in per_usd.items():
        FxRate.objects.update_or_create(
            base="USD",
            quote=quote,
            date=dt.date.today(),
            defaults={"rate": Decimal(rate), "source": "bench (illustrative)"},
        )
    from django.db import connection

    connection.close()
    return vendor


def bodies(n: int, seed: int = 11) -> list[bytes]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        country, state = rnd.choice(DESTINATIONS)
        out.append(
            json.dumps(
                {
                    "lines": [
                        {
                            "hs_code": rnd.choice(HS),
                            "unit_price": f"{rnd.uniform(5, 300):.2f}",
                            "currency": "CNY",
                            "quantity": rnd.randint(1, 3),
                            "weight_g": rnd.randint(50, 1500),
                            "length_cm": rnd.randint(5, 40),
                            "width_cm": rnd.randint(5, 30),
                            "height_cm": rnd.randint(1, 20),
                        }
                    ],
                    "country": country,
                    "state": state,
                    "service_level": rnd.choice(("premium", "standard", "economy")),
                    "quote_date": time.strftime("%Y-%m-%d"),
                }
            ).encode()
        )
    return out


def run_once(port: int, payloads: list[bytes]) -> tuple[list[float], int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples, errors = [], 0
    for body in payloads:
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1/quotes", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        samples.append((time.perf_counter() - t0) * 1000)
        errors += resp.status != 200
    conn.close()
    return samples, errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    env = bench_env("bench-quotes.sqlite3")
    vendor = prepare(env)
    payloads = bodies(args.requests)
    runs = []
    with server(env, workers=2) as port:
        run_once(port, payloads[:200])  # warm both workers' caches
        for _ in range(args.runs):
            samples, errors = run_once(port, payloads)
            runs.append({**percentiles(samples), "errors": errors})
    med = {k: statistics.median(r[k] for r in runs) for k in ("p50", "p95", "p99")}
    result = {
        "bench": "quote API",
        "vendor": vendor,
        "machine": machine(),
        "runs": runs,
        "median": med,
        "goal_p99_ms": 20,
    }
    path = write_result(f"quote-api-{vendor}", result)
    print("| database | requests × runs | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    print(
        f"| {vendor} | {args.requests} × {args.runs} | {med['p50']:.2f} | {med['p95']:.2f} | "
        f"{med['p99']:.2f} | {sum(r['errors'] for r in runs)} |"
    )
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
