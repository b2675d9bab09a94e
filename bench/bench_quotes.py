"""Landed-cost quotes per second, in process, one core: 1-, 5- and 20-line carts.

Run: .venv/bin/python bench/bench_quotes.py [--seconds 1.0] [--runs 7]
Prints a markdown table and writes bench/out/quotes.json. Rates are per CPU second of this process
(time.process_time), so other work on a shared machine does not count against them; the wall-clock
median is recorded beside it. Each run quotes a rotating set of carts
across the six destinations (seeded rules, rate cards and sample FX), so rule selection and FX
caches behave as in a live process; the median of the runs is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from importlib import resources
from pathlib import Path

from caravana.pricing.engine import InMemoryFx, QuoteLine, QuoteRequest, quote
from caravana.pricing.rules import load_rate_cards, load_rulebook

DESTINATIONS = (("BR", "SP"), ("MX", None), ("CL", None), ("CO", None), ("PE", None), ("AR", None))
HS = ("851830", "610910", "420292", "950300", "847130", "640419", "392690", "711719")


def carts(n_lines: int, count: int = 60, seed: int = 7) -> list[QuoteRequest]:
    """Plausible carts that every destination accepts (under the value, weight and units caps)."""
    rnd = random.Random(seed)
    out = []
    for i in range(count):
        country, state = DESTINATIONS[i % len(DESTINATIONS)]
        lines = tuple(
            QuoteLine(
                hs_code=HS[(i + j) % len(HS)] if n_lines <= len(HS) else HS[j % len(HS)],
                unit_price=Decimal(rnd.randint(500, 9000)) / 100,
                currency="CNY" if j % 2 == 0 else "USD",
                quantity=1,
                weight_g=rnd.randint(50, 900),
                length_cm=rnd.randint(5, 30),
                width_cm=rnd.randint(5, 20),
                height_cm=rnd.randint(1, 10),
            )
            for j in range(n_lines)
        )
        out.append(
            QuoteRequest(
                lines, country, ("standard", "economy", "premium")[i % 3], dt.date(2025, 11, 10),
                state=state,
            )
        )  # fmt: skip
    return out


def measure(requests: list[QuoteRequest], seconds: float, runs: int) -> dict[str, float]:
    rules, cards = load_rulebook(), load_rate_cards()
    fx = InMemoryFx.from_csv(
        str(resources.files("caravana.pricing").joinpath("data", "fx_sample.csv"))
    )
    for r in requests:  # warm the caches and check every cart quotes
        q = quote(r, rules, cards, fx)
        assert q.ok, q.refusals
    rates, wall_rates = [], []
    for _ in range(runs):
        n = 0
        start, wall = time.process_time(), time.perf_counter()
        deadline = start + seconds
        while True:
            for r in requests:
                quote(r, rules, cards, fx).total  # noqa: B018 - the total is part of the work
            n += len(requests)
            now = time.process_time()
            if now >= deadline:
                break
        rates.append(n / (now - start))
        wall_rates.append(n / (time.perf_counter() - wall))
    return {
        "median": statistics.median(rates),
        "min": min(rates),
        "max": max(rates),
        "wall_median": statistics.median(wall_rates),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="length of one run")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", default=str(Path(__file__).parent / "out" / "quotes.json"))
    args = ap.parse_args(argv)
    results = {}
    for n_lines in (1, 5, 20):
        results[str(n_lines)] = measure(carts(n_lines), args.seconds, args.runs)
    report = {
        "bench": "pricing.quote",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0],  # other work on a shared machine
        "goal_single_line_per_s": 50_000,
        "quotes_per_s": results,
    }
    print("| lines per cart | quotes/s (median) | min | max | µs per quote | wall-clock quotes/s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n_lines, r in results.items():
        print(
            f"| {n_lines} | {r['median']:,.0f} | {r['min']:,.0f} | {r['max']:,.0f} | "
            f"{1e6 / r['median']:.1f} | {r['wall_median']:,.0f} |"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
