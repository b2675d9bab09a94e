"""The exact path: a MIP over consignment × leg binaries and optional-charter binaries, solved
by SCIP through pywraplp (on the 120-consignment bench it proves optimality in seconds where
CP-SAT behind the same interface ran past 20 s and HiGHS crashed on a hint); used while the
lane's consignment × leg pairs fit the time limit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ortools.linear_solver import pywraplp

from .lane import LaneResult, lane_cost
from .problem import (
    Consignment,
    Leg,
    Penalties,
    can_carry,
    relative_gap,
    shipping_cost,
    unshipped_cost,
)

EXACT_ENGINE = "SCIP"
OPTIMALITY_GAP = 1e-6  # "optimal" = proven within this relative gap (Gurobi's default is 1e-4)


def _mip_solver(name: str, seconds: float, relative_gap_limit: float) -> Any:
    solver = pywraplp.Solver.CreateSolver(name)
    if solver is None:  # pragma: no cover - every OR-Tools wheel ships SCIP
        raise RuntimeError(f"OR-Tools has no {name} solver")
    solver.SetTimeLimit(max(1, int(seconds * 1000)))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, relative_gap_limit)
    return solver, params


def exact_lane(
    cons: Sequence[Consignment],
    legs: Sequence[Leg],
    penalties: Penalties,
    seconds: float,
    hint: dict[str, str | None],
) -> LaneResult:
    """MIP: x[c,l] binary, y[l] binary for optional charters; x ≤ y tightens the LP bound."""
    solver, params = _mip_solver(EXACT_ENGINE, seconds, OPTIMALITY_GAP)
    base = sum(unshipped_cost(c, penalties) for c in cons)
    y = {j: solver.BoolVar(f"y{j}") for j, leg in enumerate(legs) if leg.optional}
    rows_kg = {}
    rows_m3 = {}
    rows_pos = {}
    for j, leg in enumerate(legs):
        scale = (-1.0, y[j]) if j in y else (0.0, None)
        rows_kg[j] = solver.Constraint(-solver.infinity(), 0.0 if scale[1] else leg.kg)
        rows_m3[j] = solver.Constraint(-solver.infinity(), 0.0 if scale[1] else leg.m3)
        rows_pos[j] = solver.Constraint(-solver.infinity(), 0.0 if scale[1] else leg.positions)
        if scale[1] is not None:
            rows_kg[j].SetCoefficient(y[j], -leg.kg)
            rows_m3[j].SetCoefficient(y[j], -leg.m3)
            rows_pos[j].SetCoefficient(y[j], -leg.positions)
    objective = solver.Objective()
    for j, var in y.items():
        objective.SetCoefficient(var, legs[j].fixed_cost_usd)
    x: dict[tuple[int, int], Any] = {}
    hint_vars, hint_values = [], []
    index = {leg.id: j for j, leg in enumerate(legs)}
    for i, c in enumerate(cons):
        penalty = unshipped_cost(c, penalties)
        once = solver.Constraint(-solver.infinity(), 1.0)
        for j, leg in enumerate(legs):
            if not can_carry(leg, c):
                continue
            reduced = shipping_cost(leg, c, penalties) - penalty
            if reduced >= 0:  # waiting is as cheap and frees room: never worse
                continue
            var = solver.BoolVar(f"x{i}_{j}")
            x[i, j] = var
            once.SetCoefficient(var, 1.0)
            rows_kg[j].SetCoefficient(var, c.weight_kg)
            rows_m3[j].SetCoefficient(var, c.volume_m3)
            if c.positions:
                rows_pos[j].SetCoefficient(var, c.positions)
            if j in y:
                link = solver.Constraint(-solver.infinity(), 0.0)
                link.SetCoefficient(var, 1.0)
                link.SetCoefficient(y[j], -1.0)
            objective.SetCoefficient(var, reduced)
            hint_vars.append(var)
            hint_values.append(1.0 if index.get(hint.get(c.id) or "") == j else 0.0)
    objective.SetOffset(base)  # so SCIP's relative gap is taken on the lane's cost
    objective.SetMinimization()
    if hint_vars:
        hinted = {index[leg] for leg in hint.values() if leg in index}
        opened = [1.0 if j in hinted else 0.0 for j in y]
        solver.SetHint(hint_vars + list(y.values()), hint_values + opened)
    status = solver.Solve(params)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return LaneResult(dict(hint), set(), math.inf, -math.inf, "exact-failed")
    assignments: dict[str, str | None] = {c.id: None for c in cons}
    for (i, j), var in x.items():
        if var.solution_value() > 0.5:
            assignments[cons[i].id] = legs[j].id
    # operated means carrying something (docs/planning.md): within its tolerances SCIP may
    # leave an empty charter open that costs next to nothing (US$ 1e-9 for a bag of 0 kg), and
    # paying for it read as 100 % from the bound
    carrying = set(assignments.values())
    operated = {
        legs[j].id for j, var in y.items() if var.solution_value() > 0.5 and legs[j].id in carrying
    }
    by_id = {leg.id: leg for leg in legs}
    cost = lane_cost(cons, assignments, by_id, operated, penalties)
    bound = min(cost, objective.BestBound())
    optimal = status == pywraplp.Solver.OPTIMAL and relative_gap(cost, bound) <= OPTIMALITY_GAP
    return LaneResult(
        assignments,
        operated,
        cost,
        bound,
        "exact",
        optimal,
        {"pairs": len(x), "binaries": len(x) + len(y)},
    )
