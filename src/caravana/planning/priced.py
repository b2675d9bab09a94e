"""A plan priced over its problem as the planner's output documents are: its cost and cost
breakdown recounted, its KPIs, the independent validator's check, and the two FIFO baselines
with the plan's saving over each. The solver's own plans (solver.run_plan) and a plan chosen
elsewhere and expressed over this problem (the network twin's cycles, booked as a live site
books a plan) go out the same way. Pure Python, no Django, no OR-Tools."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .fifo import fifo_plan
from .kpis import compute_kpis
from .problem import Plan, Problem, plan_cost, problem_from_json
from .validate import assert_valid


def baseline(problem: Problem, plan: Plan, optional_charters: bool) -> dict[str, Any]:
    """A FIFO baseline in the output schema, validated, with the plan's saving over it."""
    fifo = fifo_plan(problem, optional_charters)
    out = fifo.to_json()
    assert_valid(problem, out)
    saving = 1 - plan.cost_usd / fifo.cost_usd if fifo.cost_usd > 0 else 0.0
    return {
        "method": fifo.method,
        "cost_usd": out["cost_usd"],
        "cost_breakdown": out["cost_breakdown"],
        "flights_operated": out["flights_operated"],
        "assignments": out["assignments"],
        "kpis": out["kpis"],
        "saving_usd": round(fifo.cost_usd - plan.cost_usd, 2),
        "saving_share": round(saving, 6),
    }


def validated(problem: Problem, plan: Plan) -> dict[str, Any]:
    """The plan's output document, checked by the independent validator."""
    out = plan.to_json()
    assert_valid(problem, out)
    return out


def with_baselines(problem: Problem, plan: Plan) -> dict[str, Any]:
    """The plan's output document, validated, with both baselines (run_plan's form)."""
    out = validated(problem, plan)
    out["baseline"] = baseline(problem, plan, optional_charters=True)
    out["baseline_committed_only"] = baseline(problem, plan, optional_charters=False)
    return out


def price(
    problem_json: Mapping[str, Any],
    assignments: Mapping[str, str | None],
    flights_operated: Iterable[str],
    *,
    status: str,
    lower_bound_usd: float,
    method: str,
    solve_seconds: float = 0.0,
) -> dict[str, Any]:
    """A plan chosen elsewhere as an output document of this problem: every consignment's
    target (None: it waits) and the charters flown. `lower_bound_usd` must be a bound of this
    problem (the twin's booked cycles take `solver.lower_bound` of their bags: the solve that
    chose the plan bounds its own problem, over whole consignments), held to the recounted
    cost, so the gap is never negative; `status` and `method` say how it was chosen. The plan
    itself must keep every rule of this problem (validate.InvalidPlan otherwise)."""
    problem = problem_from_json(problem_json)
    flown = set(flights_operated)
    operated = [f.id for f in problem.flights if not f.optional or f.id in flown]
    breakdown = plan_cost(
        problem, assignments, [f.id for f in problem.flights if f.optional and f.id in flown]
    )
    plan = Plan(
        status=status,
        cost_usd=breakdown["total"],
        lower_bound_usd=min(lower_bound_usd, breakdown["total"]),
        flights_operated=operated,
        assignments=dict(assignments),
        method=method,
        solve_seconds=solve_seconds,
        cost_breakdown=breakdown,
    )
    plan.kpis = compute_kpis(problem, plan.assignments, operated, plan.cost_usd)
    return with_baselines(problem, plan)
