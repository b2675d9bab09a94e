"""The independent validator catches each kind of broken plan."""

from __future__ import annotations

import pytest

from caravana.planning.problem import problem_from_json
from caravana.planning.validate import InvalidPlan, assert_valid, validate

from .helpers import belly, consignment, flight, problem

PROB = problem_from_json(
    problem(
        [
            consignment("A", 600, 6),
            consignment("B", 500, 5),
            consignment("C", 300, 1, dangerous_goods=True),
            consignment("L", 100, 1, ready_at="2026-12-02T01:00:00+00:00"),
            consignment("M", 50, 0.2, destination="MEX"),
        ],
        [flight("F1", 24, 48), flight("O1", 30, 54, optional=True, fixed_cost_usd=3000)],
        [belly("B1", 12, 60)],
    )
)
GOOD = {"A": "F1", "B": None, "C": "F1", "L": None, "M": None}


def test_a_good_plan_passes_and_its_cost_is_recounted() -> None:
    # F1 5,000 + waiting, $10 a chargeable kg: B 10 × 833.35 (5 m³) + L 10 × 166.67 (1 m³) +
    # M 10 × 50 = 15,500.2.
    report = validate(PROB, GOOD, ["F1"], 15_500.2, 15_000)
    assert report.ok, report.errors
    assert report.cost_usd == pytest.approx(15_500.2)


@pytest.mark.parametrize(
    ("change", "operated", "message"),
    [
        ({"B": "F1"}, ["F1"], "leg F1: 1400.000 kg loaded over capacity"),
        ({"B": "B1"}, ["F1"], "leg B1: 5.000 m3 loaded over capacity"),
        ({"C": "B1"}, ["F1"], "consignment C: dangerous goods on B1"),
        ({"L": "F1"}, ["F1"], "consignment L: ready"),
        ({"M": "F1"}, ["F1"], "consignment M: SZX->MEX put on F1 SZX->GRU"),
        ({"B": "O1"}, ["F1"], "consignment B: on optional charter O1 that is not operated"),
        ({"B": "X9"}, ["F1"], "consignment B: unknown flight or belly 'X9'"),
        ({}, ["F1", "B1"], "flights_operated: 'B1' is not a charter"),
    ],
)
def test_violations_are_named(change: dict, operated: list, message: str) -> None:
    report = validate(PROB, {**GOOD, **change}, operated)
    assert any(message in e for e in report.errors), report.errors


def test_each_consignment_at_most_once_and_none_missing() -> None:
    pairs = [*GOOD.items(), ("A", "O1")]
    assert "consignment A: assigned more than once" in validate(PROB, pairs, ["F1", "O1"]).errors
    missing = {k: v for k, v in GOOD.items() if k != "M"}
    assert any("consignment M: missing" in e for e in validate(PROB, missing, ["F1"]).errors)


def test_reported_cost_and_bound_are_checked() -> None:
    errors = validate(PROB, GOOD, ["F1"], 15_400, None).errors
    assert errors == ["cost_usd: reported 15400.00, recomputed 15500.20"]
    errors = validate(PROB, GOOD, ["F1"], 15_500.2, 16_000).errors
    assert errors == ["lower_bound_usd: 16000.00 exceeds the plan's cost 15500.20"]
    # an operated but empty optional charter is still paid for
    assert validate(PROB, GOOD, ["F1", "O1"]).cost_usd == pytest.approx(18_500.2)


def test_assert_valid_raises() -> None:
    output = {"assignments": {**GOOD, "B": "F1"}, "flights_operated": ["F1"], "cost_usd": 0}
    with pytest.raises(InvalidPlan, match="violation"):
        assert_valid(PROB, output)
