"""A plan chosen elsewhere, priced over its problem as the planner's output is (planning.priced):
the twin's booked cycles go out through it."""

from __future__ import annotations

import pytest

from caravana.planning import generator, priced
from caravana.planning.problem import problem_to_json
from caravana.planning.solver import run_plan
from caravana.planning.validate import InvalidPlan


def _week():
    return problem_to_json(generator.week(seed=3, parcels_per_day=20_000, days=3, ulds_per_day=5))


def test_the_solvers_own_plan_priced_again_is_the_same_document():
    data = _week()
    out = run_plan(data, time_limit=5)
    again = priced.price(
        data, out["assignments"], out["flights_operated"], status=out["status"],
        lower_bound_usd=out["lower_bound_usd"], method=out["method"],
    )  # fmt: skip
    assert again["cost_usd"] == out["cost_usd"]
    assert again["cost_breakdown"] == out["cost_breakdown"]
    assert again["flights_operated"] == out["flights_operated"]
    assert again["baseline"] == out["baseline"]
    assert again["baseline_committed_only"] == out["baseline_committed_only"]
    solver_only = {"lanes", "workers"}  # the solve's own statistics
    assert {k: v for k, v in out["kpis"].items() if k not in solver_only} == again["kpis"]


def test_a_plan_that_breaks_a_rule_is_refused_and_a_bound_above_its_cost_is_not_kept():
    data = _week()
    out = run_plan(data, time_limit=5)
    moved = dict(out["assignments"])
    lanes = {leg["id"]: (leg["origin"], leg["destination"]) for leg in data["flights"]}
    c = data["consignments"][0]
    other = next(i for i, lane in lanes.items() if lane != (c["origin"], c["destination"]))
    moved[c["id"]] = other
    with pytest.raises(InvalidPlan, match=c["id"]):
        priced.price(data, moved, out["flights_operated"] + [other], status="feasible",
                     lower_bound_usd=0.0, method="elsewhere")  # fmt: skip
    high = priced.price(
        data, out["assignments"], out["flights_operated"], status="feasible",
        lower_bound_usd=out["cost_usd"] * 10, method="elsewhere",
    )  # fmt: skip
    assert high["lower_bound_usd"] == high["cost_usd"] and high["gap"] == 0
