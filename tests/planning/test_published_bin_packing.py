"""The planner on Falkenauer's published instances, not only on ones generated here: each plan
must reach the optimum BPPLIB records for it, prove it, and pass the validator.

The instances and their optima are in data/falkenauer_bpplib.json with their sources. All of
t60, u120 and t120 run here; u250's twenty run in `bench/bench_planning_hard.py --set published`, a
quarter of them here to keep the suite short."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from caravana.planning.arcflow import first_fit_decreasing
from caravana.planning.generator import bin_packing
from caravana.planning.problem import problem_from_json, problem_to_json
from caravana.planning.solver import solve

from .helpers import checked

DATA = Path(__file__).parent / "data" / "falkenauer_bpplib.json"
INSTANCES: dict[str, dict] = json.loads(DATA.read_text())["instances"]
# the limits: 10 s for t60 and u120, 60 s for t120 and u250
LIMIT = {"t60": 10.0, "u120": 10.0, "t120": 60.0, "u250": 60.0}
HERE = sorted(
    name for name in INSTANCES if not name.startswith("u250") or int(name.split("_")[1]) % 5 == 0
)


def test_the_file_holds_what_its_source_says() -> None:
    """Twenty of each class; a triplet instance fills its n/3 bins exactly."""
    classes = [name.split("_")[0] for name in INSTANCES]
    assert {c: classes.count(c) for c in LIMIT} == dict.fromkeys(LIMIT, 20)
    for name, inst in INSTANCES.items():
        n = int(name.split("_")[0][1:])
        assert len(inst["sizes"]) == n
        if name.startswith("t"):
            assert inst["capacity"] == 1000 and inst["optimum"] == n // 3
            assert sum(inst["sizes"]) == 1000 * n // 3
            assert all(250 <= s <= 500 for s in inst["sizes"])
        else:
            assert inst["capacity"] == 150 and all(20 <= s <= 100 for s in inst["sizes"])


@pytest.mark.parametrize("name", HERE)
def test_published_instance_reaches_its_known_optimum(name: str) -> None:
    inst = INSTANCES[name]
    sizes, capacity = inst["sizes"], inst["capacity"]
    prob = bin_packing(sizes, capacity, len(first_fit_decreasing(sizes, capacity)) + 1)
    prob = problem_from_json(problem_to_json(prob))  # through the schema, as a file would come
    plan = checked(prob, solve(prob, LIMIT[name.split("_")[0]]))
    fixed = prob.flights[0].fixed_cost_usd
    assert plan.status == "optimal"
    assert len(plan.flights_operated) == inst["optimum"]
    assert plan.lower_bound_usd == pytest.approx(inst["optimum"] * fixed)
    assert None not in plan.assignments.values()
