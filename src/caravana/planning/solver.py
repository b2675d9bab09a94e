"""Flight allocation: which optional charters fly and which consignment goes on which flight.

Pure Python and OR-Tools, no Django.  The problem separates by lane (a leg has one origin and one
destination), so each lane is solved on its own and the results are summed.  Per lane, one of
three paths: exact.py (a MIP, while the lane's consignment × leg pairs fit the time limit),
packing.py (a lane that is pure bin packing, by arc flow) and fast.py (a class LP, rounded).

Every lane's plan is compared with the cheaper of the lane's two FIFO plans (the issue's FIFO,
which calls in optional charters, and the committed-only dispatcher, which does not) and the
cheaper one kept, so a plan never costs more than either baseline even when a time limit cuts a
solve short.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .exact import exact_lane
from .fast import fast_lane
from .fifo import METHOD, fifo_assignments
from .kpis import compute_kpis
from .lane import EPS, LaneResult, lane_cost
from .packing import packing_lane
from .priced import validated, with_baselines
from .problem import (
    Consignment,
    Leg,
    Penalties,
    Plan,
    Problem,
    committed_cost,
    legs_of,
    plan_cost,
    problem_from_json,
)

EXACT_MAX_PAIRS = 12_000  # consignment × leg pairs a lane may have for the exact MIP
EXACT_PAIRS_PER_SECOND = 2_000  # below this budget the exact MIP rarely closes: go fast
PARALLEL_MIN_CONSIGNMENTS = 20_000  # below this, starting processes costs more than it saves
TIME_SHARE = 0.8  # of the time limit for the lanes' solvers; the rest builds, rounds, reports


def _choose(pairs: int, seconds: float, method: str) -> str:
    if method != "auto":
        return method
    if pairs <= EXACT_MAX_PAIRS and pairs <= seconds * EXACT_PAIRS_PER_SECOND:
        return "exact"
    return "fast"


def _solve_lane(
    cons: Sequence[Consignment],
    legs: Sequence[Leg],
    penalties: Penalties,
    seconds: float,
    chosen: str,
    fifo_lane: dict[str, str | None],
    fifo_cost: float,
    fifo_operated: frozenset[str] = frozenset(),
    fifo_method: str = "fifo",
) -> LaneResult:
    """One lane by the chosen path, falling back to its (better) FIFO plan if that is cheaper.

    A lane that is pure bin packing goes to the arc-flow model first; when that proves its plan
    optimal the general paths are skipped, else the cheaper plan and the higher bound are kept.
    """
    start = time.perf_counter()
    packed = packing_lane(cons, legs, penalties, seconds)
    if packed is not None and packed.optimal:
        result = packed
    else:
        result = _general_lane(cons, legs, penalties, seconds - (time.perf_counter() - start),
                               chosen, fifo_lane, fifo_cost)  # fmt: skip
        if packed is not None:
            bound = max(packed.bound, result.bound)
            result = min(packed, result, key=lambda r: r.cost)
            result.bound = min(bound, result.cost)
    if result.cost > fifo_cost + EPS:  # never worse than the baseline
        bound = result.bound if math.isfinite(result.bound) else 0.0
        result = LaneResult(
            fifo_lane, set(fifo_operated), fifo_cost, bound, fifo_method, False, result.stats
        )
    return result


def _general_lane(
    cons: Sequence[Consignment],
    legs: Sequence[Leg],
    penalties: Penalties,
    seconds: float,
    chosen: str,
    fifo_lane: dict[str, str | None],
    fifo_cost: float,
) -> LaneResult:
    """The exact MIP (hinted by the fast plan) or the fast path alone."""
    seconds = max(0.2, seconds)
    if chosen == "exact":
        # a good first incumbent lets SCIP prune from the start: the fast plan when it beats FIFO
        start = time.perf_counter()
        quick = fast_lane(cons, legs, penalties, seconds / 4)
        hint = quick.assignments if quick.cost < fifo_cost else fifo_lane
        left = max(0.1, seconds - (time.perf_counter() - start))
        return exact_lane(cons, legs, penalties, left, hint)
    return fast_lane(cons, legs, penalties, seconds)


# _solve_lane's arguments, one lane's job
_Job = tuple[
    Sequence[Consignment],
    Sequence[Leg],
    Penalties,
    float,
    str,
    dict[str, str | None],
    float,
    frozenset[str],
    str,
]


def _run_jobs(jobs: list[_Job], workers: int) -> list[LaneResult]:
    """Lanes in parallel processes when worth it; in-process when not, or when not allowed
    (a daemonic worker, such as Celery's prefork pool, may not start children)."""
    if workers > 1 and len(jobs) > 1:
        try:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
                return list(pool.map(_solve_lane, *zip(*jobs, strict=True)))
        except (AssertionError, OSError, RuntimeError, BrokenProcessPool):
            pass
    return [_solve_lane(*job) for job in jobs]


def cut_by_clock(kpis: dict[str, Any]) -> bool:
    """Whether the clock cut a lane's search short in a plan with these `kpis` (fast path): the
    same problem may then plan otherwise on another run or machine (planning/fast.py)."""
    return any(lane.get("cut_by_clock") for lane in kpis.get("lanes", {}).values())


def solve(
    problem: Problem, time_limit: float = 30.0, method: str = "auto", workers: int = 1
) -> Plan:
    """Plan the problem within about `time_limit` seconds.

    `method` is auto, exact or fast (auto picks per lane by size and time).  `workers` > 1 solves
    lanes side by side in spawned processes once the problem has PARALLEL_MIN_CONSIGNMENTS
    consignments; it is opt-in because spawning re-imports the caller's main module, which must
    then be guarded by `if __name__ == "__main__"`.
    """
    if method not in ("auto", "exact", "fast"):
        raise ValueError(f"method must be auto, exact or fast, not {method!r}")
    start = time.perf_counter()
    penalties = problem.penalties
    all_legs = legs_of(problem)
    lane_legs: dict[tuple[str, str], list[Leg]] = defaultdict(list)
    for leg in all_legs:
        lane_legs[leg.lane].append(leg)
    lane_cons: dict[tuple[str, str], list[Consignment]] = defaultdict(list)
    for c in problem.consignments:
        lane_cons[(c.origin, c.destination)].append(c)
    # both baselines; each lane falls back on the cheaper of the two (literal FIFO first on a tie)
    fifos = [(METHOD[flag], *fifo_assignments(problem, flag)) for flag in (True, False)]
    by_id = {leg.id: leg for leg in all_legs}
    if len(problem.consignments) < PARALLEL_MIN_CONSIGNMENTS or multiprocessing.parent_process():
        workers = 1

    sizes = {lane: len(cons) * len(lane_legs.get(lane, [])) for lane, cons in lane_cons.items()}
    total_size = sum(sizes.values()) or 1
    budget = max(0.5, time_limit - (time.perf_counter() - start)) * TIME_SHARE
    lanes = sorted(lane_cons, key=lambda ln: -sizes[ln])  # biggest first: balances the workers
    results: dict[tuple[str, str], LaneResult] = {}
    fifo_costs: dict[tuple[str, str], dict[str, float]] = {}
    jobs: list[_Job] = []
    job_lanes = []
    for lane in lanes:
        cons, legs = lane_cons[lane], lane_legs.get(lane, [])
        options = []
        for fifo_method, fifo, fifo_used in fifos:
            lane_plan = {c.id: fifo[c.id] for c in cons}
            used = frozenset(leg.id for leg in legs if leg.id in fifo_used)
            cost = lane_cost(cons, lane_plan, by_id, set(used), penalties)
            options.append((cost, fifo_method, lane_plan, used))
        fifo_costs[lane] = {m: cost for cost, m, _, _ in options}
        fifo_cost, fifo_method, fifo_lane, fifo_flown = min(options, key=lambda o: o[0])
        if not legs:
            results[lane] = LaneResult(fifo_lane, set(), fifo_cost, fifo_cost, "none", True)
            continue
        share = sizes[lane] / total_size * max(1, min(workers, len(lane_cons)))
        seconds = max(0.2, budget * min(1.0, share))
        chosen = _choose(sizes[lane], seconds, method)
        jobs.append(
            (cons, legs, penalties, seconds, chosen, fifo_lane, fifo_cost, fifo_flown, fifo_method)
        )
        job_lanes.append(lane)
    results.update(zip(job_lanes, _run_jobs(jobs, workers), strict=True))

    assignments: dict[str, str | None] = {}
    operated: set[str] = set()
    bound = 0.0
    methods, all_optimal, lanes_out = set(), True, {}
    for lane in lanes:
        result = results[lane]
        assignments.update(result.assignments)
        operated |= result.operated
        bound += min(result.bound, result.cost)
        methods.add(result.method)
        all_optimal &= result.optimal
        lanes_out["-".join(lane)] = {
            "method": result.method,
            "cost_usd": round(result.cost, 2),
            "lower_bound_usd": round(result.bound, 2),
            "fifo_cost_usd": round(fifo_costs[lane][METHOD[True]], 2),
            "fifo_committed_only_cost_usd": round(fifo_costs[lane][METHOD[False]], 2),
            **result.stats,
        }
    committed = committed_cost(problem)
    breakdown = plan_cost(problem, assignments, operated)
    flights_operated = [f.id for f in problem.flights if not f.optional or f.id in operated]
    plan = Plan(
        status="optimal" if all_optimal else "feasible",
        cost_usd=breakdown["total"],
        lower_bound_usd=min(breakdown["total"], committed + bound),
        flights_operated=flights_operated,
        assignments=assignments,
        method="+".join(sorted(methods)),
        cost_breakdown=breakdown,
    )
    plan.kpis = compute_kpis(problem, assignments, flights_operated, plan.cost_usd)
    plan.kpis["lanes"] = lanes_out
    plan.kpis["workers"] = workers
    plan.solve_seconds = time.perf_counter() - start
    return plan


def run_plan(
    problem_json: dict[str, Any], time_limit: float = 30.0, method: str = "auto", workers: int = 1,
    baselines: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """JSON problem in, JSON plan out, validated, with two baselines: the issue's FIFO under
    "baseline" and the committed-only dispatcher under "baseline_committed_only" (none with
    `baselines` False: a caller that prices the plan over another problem, as the twin booking
    its cycle over bags, adds that problem's).

    Raises `ProblemError` for an invalid problem; the plan is checked by the independent validator
    before it is returned, so a solver bug fails loudly rather than shipping a broken plan.
    """
    problem = problem_from_json(problem_json)
    plan = solve(problem, time_limit, method, workers)
    return with_baselines(problem, plan) if baselines else validated(problem, plan)


def lower_bound(problem_json: dict[str, Any], time_limit: float = 30.0) -> float:
    """A proved lower bound on the cost of every plan of this problem: the fast path's per lane
    (its class LP relaxation, or the class MIP where it tried every charter choice; a pure
    packing lane's arc-flow bound; a lane with no legs its all-waiting cost, the only plan it
    has; 0 where a solve failed, as costs are never negative) with the committed charters.
    For a plan chosen over another problem, whose solve's bound says nothing of this one: the
    twin's plan is solved over whole consignments and booked over their bags, which may be
    split where a consignment could not."""
    return solve(problem_from_json(problem_json), time_limit, "fast").lower_bound_usd
