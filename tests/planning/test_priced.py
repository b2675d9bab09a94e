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


def test_a_plan_over_whole_consignments_bounds_not_the_problem_of_their_bags():
    """A consignment of 120 kg does not fit a charter's 100 kg and flies belly; its two bags of
    60 kg may go apart, one on the charter. The consignment problem's optimum (and bound) is
    above the bag problem's: only the bag problem's own bound (solver.lower_bound) is one for a
    plan booked over the bags, as the twin books its cycles."""
    from caravana.planning.solver import lower_bound, run_plan
    from tests.planning.helpers import belly, consignment, flight, problem

    legs = [flight("F", 10, 40, payload_kg=100.0)], [belly("B", 12, 40, price_per_kg_usd=3.0)]
    whole = problem([consignment("C", 120.0, 0.6)], *legs)
    bags = problem([consignment("C1", 60.0, 0.3), consignment("C2", 60.0, 0.3)], *legs)
    model = run_plan(whole, 5.0, "exact", baselines=False)
    assert model["status"] == "optimal" and model["lower_bound_usd"] == 5000.0 + 360.0
    assert lower_bound(bags, 5.0) <= 5000.0 + 180.0 < model["lower_bound_usd"]
    split = run_plan(bags, 5.0, "exact", baselines=False)
    assert split["cost_usd"] == 5000.0 + 180.0  # one bag on the charter, one by belly
