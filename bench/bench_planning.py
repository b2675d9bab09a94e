"""Flight-planning benchmark: `.venv/bin/python bench/bench_planning.py [--quick]`.

(a) the standard week (1,000,000 parcels a day ≈ 40,000 bags a day, 6 lanes, 7 days) by the
    solver and by both baselines: time, cost, bound, gap, saving;
(b) the 120-consignment single-lane instance by the exact path: time to proven optimality.

Two baselines (planning/fifo.py): "FIFO" is the issue's, earliest due onto the next departing
flight with room, optional charters included (each one it uses is paid); "committed-only FIFO"
never calls in an optional charter, a stronger dispatcher.  The saving is reported against both.

Prints a markdown table and writes bench/out/planning.json.  Goals (issue 6): week ≤ 60 s with a
gap ≤ 1%; cost ≥ 10% below FIFO; 120 consignments proven optimal ≤ 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from caravana.planning.fifo import fifo_plan
from caravana.planning.generator import single_lane, week
from caravana.planning.problem import Plan, Problem
from caravana.planning.solver import solve
from caravana.planning.validate import assert_valid

OUT = Path(__file__).resolve().parent / "out" / "planning.json"


def _checked(problem: Problem, plan: Plan) -> Plan:
    assert_valid(problem, plan.to_json())
    return plan


def _optional_operated(problem: Problem, plan: Plan) -> int:
    optional = {f.id for f in problem.flights if f.optional}
    return len(optional.intersection(plan.flights_operated))


def bench_week(runs: int, workers: int, time_limit: float) -> dict:
    start = time.perf_counter()
    problem = week(seed=1)
    generated = time.perf_counter() - start
    start = time.perf_counter()
    base = _checked(problem, fifo_plan(problem))
    fifo_seconds = time.perf_counter() - start
    start = time.perf_counter()
    strong = _checked(problem, fifo_plan(problem, optional_charters=False))
    strong_seconds = time.perf_counter() - start
    plans, seconds = [], []
    for _ in range(runs):
        start = time.perf_counter()
        plan = solve(problem, time_limit, workers=workers)
        seconds.append(time.perf_counter() - start)
        plans.append(_checked(problem, plan))
    plan = plans[seconds.index(sorted(seconds)[len(seconds) // 2])]
    committed = plan.cost_breakdown["committed_charters"]
    return {
        "consignments": len(problem.consignments),
        "bags": sum(1 for c in problem.consignments if c.positions == 0),
        "ulds": sum(1 for c in problem.consignments if c.positions > 0),
        "charters": len(problem.flights),
        "optional_charters": sum(f.optional for f in problem.flights),
        "belly_offers": len(problem.belly),
        "generate_seconds": round(generated, 2),
        "workers": workers,
        "time_limit": time_limit,
        "solve_seconds": [round(s, 2) for s in seconds],
        "solve_seconds_median": round(statistics.median(seconds), 2),
        "method": plan.method,
        "status": plan.status,
        "cost_usd": round(plan.cost_usd, 2),
        "lower_bound_usd": round(plan.lower_bound_usd, 2),
        "gap": plan.gap,
        # the gap on what planning can change: committed charters are paid in every plan
        "gap_avoidable": (plan.cost_usd - plan.lower_bound_usd) / (plan.cost_usd - committed),
        "cost_breakdown": {k: round(v, 2) for k, v in plan.cost_breakdown.items()},
        # the FIFO: every flight a candidate, optional charters paid when used
        "fifo_seconds": round(fifo_seconds, 2),
        "fifo_cost_usd": round(base.cost_usd, 2),
        "fifo_cost_breakdown": {k: round(v, 2) for k, v in base.cost_breakdown.items()},
        "fifo_optional_charters_operated": _optional_operated(problem, base),
        "saving": 1 - plan.cost_usd / base.cost_usd,
        "saving_avoidable": 1 - (plan.cost_usd - committed) / (base.cost_usd - committed),
        # the committed-only dispatcher: never calls in an optional charter
        "fifo_committed_only_seconds": round(strong_seconds, 2),
        "fifo_committed_only_cost_usd": round(strong.cost_usd, 2),
        "fifo_committed_only_cost_breakdown": {
            k: round(v, 2) for k, v in strong.cost_breakdown.items()
        },
        "saving_committed_only": 1 - plan.cost_usd / strong.cost_usd,
        "saving_avoidable_committed_only": 1
        - (plan.cost_usd - committed) / (strong.cost_usd - committed),
        "optional_charters_operated": _optional_operated(problem, plan),
        "kpis": {k: v for k, v in plan.kpis.items() if k != "flights"},
        "fifo_kpis": {k: v for k, v in base.kpis.items() if k != "flights"},
        "fifo_committed_only_kpis": {k: v for k, v in strong.kpis.items() if k != "flights"},
        "lanes": plan.kpis["lanes"],
    }


def bench_single_lane(runs: int, seeds: range) -> dict:
    problem = single_lane(seed=1)
    seconds, plan = [], None
    for _ in range(runs):
        start = time.perf_counter()
        plan = _checked(problem, solve(problem, 10.0))
        seconds.append(time.perf_counter() - start)
    base = fifo_plan(problem)
    strong = fifo_plan(problem, optional_charters=False)
    others = {}
    for seed in seeds:
        other = single_lane(seed=seed)
        start = time.perf_counter()
        result = _checked(other, solve(other, 10.0))
        others[seed] = {
            "seconds": round(time.perf_counter() - start, 2),
            "status": result.status,
            "cost_usd": round(result.cost_usd, 2),
            "fifo_cost_usd": round(fifo_plan(other).cost_usd, 2),
            "fifo_committed_only_cost_usd": round(
                fifo_plan(other, optional_charters=False).cost_usd, 2
            ),
        }
    return {
        "consignments": len(problem.consignments),
        "method": plan.method,
        "status": plan.status,
        "solve_seconds": [round(s, 2) for s in seconds],
        "solve_seconds_median": round(statistics.median(seconds), 2),
        "solve_seconds_max": round(max(seconds), 2),
        "cost_usd": round(plan.cost_usd, 2),
        "lower_bound_usd": round(plan.lower_bound_usd, 2),
        "gap": plan.gap,
        "fifo_cost_usd": round(base.cost_usd, 2),
        "fifo_committed_only_cost_usd": round(strong.cost_usd, 2),
        "other_seeds": others,
    }


def table(result: dict) -> str:
    w, s = result["week"], result["single_lane"]
    other = result.get("week_parallel")
    ok = {True: "met", False: "NOT met"}
    avoidable = w["cost_breakdown"]["committed_charters"]
    rows = [
        "| benchmark | time (median) | cost | bound | gap | FIFO | saving "
        "| committed-only FIFO | saving | goal |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| week, {w['consignments']:,} consignments, {w['workers']} process(es), "
        f"{len(w['solve_seconds'])} runs "
        f"| {w['solve_seconds_median']} s | ${w['cost_usd']:,.0f} | ${w['lower_bound_usd']:,.0f} "
        f"| {w['gap']:.3%} | ${w['fifo_cost_usd']:,.0f} | {w['saving']:.1%} "
        f"| ${w['fifo_committed_only_cost_usd']:,.0f} | {w['saving_committed_only']:.1%} "
        f"| ≤60 s & gap ≤1%: {ok[w['solve_seconds_median'] <= 60 and w['gap'] <= 0.01]}; "
        f"≥10% below FIFO: {ok[w['saving'] >= 0.10]} "
        f"(below committed-only FIFO: {ok[w['saving_committed_only'] >= 0.10]}) |",
    ]
    if other:
        rows.append(
            f"| same week, {other['workers']} processes (1 run) "
            f"| {other['solve_seconds_median']} s "
            f"| ${other['cost_usd']:,.0f} | ${other['lower_bound_usd']:,.0f} "
            f"| {other['gap']:.3%} "
            f"| | | | | ≤60 s: {ok[other['solve_seconds_median'] <= 60]} |"
        )
    rows.append(
        f"| week, avoidable cost only (committed charters taken out) | | "
        f"${w['cost_usd'] - avoidable:,.0f} | | "
        f"{w['gap_avoidable']:.3%} | "
        f"${w['fifo_cost_usd'] - avoidable:,.0f} | "
        f"{w['saving_avoidable']:.1%} | "
        f"${w['fifo_committed_only_cost_usd'] - avoidable:,.0f} | "
        f"{w['saving_avoidable_committed_only']:.1%} | |"
    )
    rows.append(
        f"| single lane, {s['consignments']} consignments ({s['method']}) "
        f"| {s['solve_seconds_median']} s (max {s['solve_seconds_max']} s) | ${s['cost_usd']:,.0f} "
        f"| ${s['lower_bound_usd']:,.0f} | {s['gap']:.3%} ({s['status']}) "
        f"| ${s['fifo_cost_usd']:,.0f} "
        f"| {1 - s['cost_usd'] / s['fifo_cost_usd']:.1%} "
        f"| ${s['fifo_committed_only_cost_usd']:,.0f} "
        f"| {1 - s['cost_usd'] / s['fifo_committed_only_cost_usd']:.1%} "
        f"| proven optimal ≤10 s: {ok[s['status'] == 'optimal' and s['solve_seconds_max'] <= 10]} |"
    )
    rows.append(
        f"\nOptional charters operated in the week: plan {w['optional_charters_operated']}, "
        f"FIFO {w['fifo_optional_charters_operated']} "
        f"(${w['fifo_cost_breakdown']['optional_charters']:,.0f}), committed-only FIFO 0."
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each, no parallel run")
    parser.add_argument("--workers", type=int, default=1, help="processes for the main week runs")
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "single_lane": bench_single_lane(1 if args.quick else 5, range(1, 6)),
        "week": bench_week(runs, args.workers, args.time_limit),
    }
    if not args.quick and args.workers == 1 and (os.cpu_count() or 1) > 1:
        result["week_parallel"] = bench_week(1, min(2, os.cpu_count() or 1), args.time_limit)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1))
    print(f"{result['date']}, {os.cpu_count()} CPUs, {result['machine']['platform']}\n")
    print(table(result))
    print("\nper lane:", json.dumps(result["week"]["lanes"], indent=1))
    print(f"\nwritten to {OUT}")


if __name__ == "__main__":
    main()
