"""FIFO baseline: what a dispatcher does without a planner, so every plan reports its saving.

Consignments by earliest due time each take the next departing committed charter or belly offer
on their lane that still has room; optional charters are never called in.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import defaultdict

from .problem import Leg, Plan, Problem, can_carry, legs_of, plan_cost


def fifo_assignments(problem: Problem) -> dict[str, str | None]:
    """Consignment id → leg id (or None) by the FIFO rule."""
    lanes: dict[tuple[str, str], list[Leg]] = defaultdict(list)
    for leg in legs_of(problem):  # sorted by departure
        if not (leg.kind == "charter" and leg.optional):
            lanes[leg.lane].append(leg)
    departs = {lane: [leg.departs_at for leg in legs] for lane, legs in lanes.items()}
    room = {leg.id: [leg.kg, leg.m3, leg.positions] for legs in lanes.values() for leg in legs}
    assignments: dict[str, str | None] = {}
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
                break
    return assignments


def fifo_plan(problem: Problem) -> Plan:
    """The FIFO plan with its cost; its lower bound is not known, so it is reported as 0."""
    from .kpis import compute_kpis

    start = time.perf_counter()
    assignments = fifo_assignments(problem)
    breakdown = plan_cost(problem, assignments, ())
    committed = [f.id for f in problem.flights if not f.optional]
    plan = Plan(
        status="feasible",
        cost_usd=breakdown["total"],
        lower_bound_usd=0.0,
        flights_operated=committed,
        assignments=assignments,
        method="fifo",
        cost_breakdown=breakdown,
    )
    plan.solve_seconds = time.perf_counter() - start
    plan.kpis = compute_kpis(problem, assignments, committed, plan.cost_usd)
    return plan
