"""FIFO baselines: what a dispatcher does without a planner, so every plan reports its saving.

The issue's FIFO (`fifo_plan(problem)`, the plan output's `baseline`): consignments by earliest
due time (then ready time) each take the next departing flight on their lane that still has room,
committed charter, optional charter or belly offer alike.  An optional charter is operated, and
its fixed cost paid, as soon as FIFO puts anything on it.

The committed-only dispatcher (`fifo_plan(problem, optional_charters=False)`, the output's
`baseline_committed_only`) follows the same rule but never calls in an optional charter.  It is a
stronger heuristic (an optional charter opened for one bag costs its whole price), so the solver
compares each lane with the cheaper of the two and no plan is worse than either.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import defaultdict

from .problem import Leg, Plan, Problem, can_carry, legs_of, plan_cost

METHOD = {True: "fifo", False: "fifo-committed"}


def fifo_assignments(
    problem: Problem, optional_charters: bool = True
) -> tuple[dict[str, str | None], set[str]]:
    """Consignment id → leg id (or None) by the FIFO rule, and the optional charters it uses.

    With `optional_charters` false, optional charters are never candidates.
    """
    lanes: dict[tuple[str, str], list[Leg]] = defaultdict(list)
    for leg in legs_of(problem):  # sorted by departure
        if optional_charters or not (leg.kind == "charter" and leg.optional):
            lanes[leg.lane].append(leg)
    departs = {lane: [leg.departs_at for leg in legs] for lane, legs in lanes.items()}
    room = {leg.id: [leg.kg, leg.m3, leg.positions] for legs in lanes.values() for leg in legs}
    optional = {leg.id for legs in lanes.values() for leg in legs if leg.optional}
    assignments: dict[str, str | None] = {}
    operated: set[str] = set()
    order = sorted(problem.consignments, key=lambda c: (c.due_at, c.ready_at, c.id))
    for c in order:
        lane = (c.origin, c.destination)
        assignments[c.id] = None
        legs = lanes.get(lane, [])
        for leg in legs[bisect_left(departs.get(lane, []), c.ready_at) :]:
            left = room[leg.id]
            if (
                can_carry(leg, c)
                and c.weight_kg <= left[0] + 1e-9
                and c.volume_m3 <= left[1] + 1e-9
                and c.positions <= left[2]
            ):
                left[0] -= c.weight_kg
                left[1] -= c.volume_m3
                left[2] -= c.positions
                assignments[c.id] = leg.id
                if leg.id in optional:
                    operated.add(leg.id)
                break
    return assignments, operated


def fifo_plan(problem: Problem, optional_charters: bool = True) -> Plan:
    """The FIFO plan with its cost; its lower bound is not known, so it is reported as 0.

    The default is the issue's FIFO (every flight a candidate); `optional_charters=False` gives
    the committed-only dispatcher (method `fifo-committed`).
    """
    from .kpis import compute_kpis

    start = time.perf_counter()
    assignments, operated = fifo_assignments(problem, optional_charters)
    breakdown = plan_cost(problem, assignments, operated)
    flights_operated = [f.id for f in problem.flights if not f.optional or f.id in operated]
    plan = Plan(
        status="feasible",
        cost_usd=breakdown["total"],
        lower_bound_usd=0.0,
        flights_operated=flights_operated,
        assignments=assignments,
        method=METHOD[optional_charters],
        cost_breakdown=breakdown,
    )
    plan.solve_seconds = time.perf_counter() - start
    plan.kpis = compute_kpis(problem, assignments, flights_operated, plan.cost_usd)
    return plan
