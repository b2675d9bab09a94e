"""Bad problems are refused with the item and field named; good ones survive a JSON round trip."""

from __future__ import annotations

import copy
import json

import pytest

from caravana.planning.generator import single_lane
from caravana.planning.problem import ProblemError, problem_from_json, problem_to_json
from caravana.planning.solver import run_plan

from .helpers import belly, consignment, flight, problem


def good() -> dict:
    return problem(
        [consignment("A", 600, 6), consignment("B", 500, 5)],
        [flight("F1", 24, 48), flight("O1", 30, 54, optional=True)],
        [belly("B1", 12, 60)],
    )


def test_round_trip() -> None:
    prob = single_lane(3)
    again = problem_from_json(json.loads(json.dumps(problem_to_json(prob))))
    assert again == prob


def test_defaults_for_optional_fields() -> None:
    data = good()
    del data["consignments"][0]["positions"], data["consignments"][0]["dangerous_goods"]
    del data["belly"]
    prob = problem_from_json(data)
    assert prob.consignments[0].positions == 0 and not prob.consignments[0].dangerous_goods
    assert prob.belly == ()
    assert prob.flights[0].dangerous_goods_ok  # a freighter carries DG; a belly offer does not
    assert not problem_from_json(good()).belly[0].dangerous_goods_ok


def test_times_are_normalised_to_utc() -> None:
    data = good()
    data["consignments"][0]["ready_at"] = "2026-12-01T08:00:00+08:00"
    assert (
        problem_from_json(data).consignments[0].ready_at.isoformat() == "2026-12-01T00:00:00+00:00"
    )


def _break(path: tuple, value: object) -> dict:
    data = copy.deepcopy(good())
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("consignments", 1, "weight_kg"), -5, "consignments[1] (id 'B'): field 'weight_kg'"),
        (("consignments", 0, "volume_m3"), -0.1, "consignments[0] (id 'A'): field 'volume_m3'"),
        (("flights", 0, "payload_kg"), -1, "flights[0] (id 'F1'): field 'payload_kg'"),
        (("belly", 0, "capacity_m3"), -1, "belly[0] (id 'B1'): field 'capacity_m3'"),
        (("flights", 1, "positions"), -2, "flights[1] (id 'O1'): field 'positions'"),
        (("consignments", 0, "positions"), 0.5, "field 'positions' must be an integer"),
        (("consignments", 0, "weight_kg"), "heavy", "field 'weight_kg' must be a finite number"),
        (("consignments", 0, "weight_kg"), float("nan"), "field 'weight_kg' must be a finite"),
        (("consignments", 0, "due_at"), "2026-11-30T00:00:00+00:00", "field 'due_at' is before"),
        (("flights", 0, "arrives_at"), "2026-11-30T00:00:00+00:00", "'arrives_at' is before"),
        (("consignments", 0, "ready_at"), "2026-12-01T00:00:00", "field 'ready_at' has no UTC"),
        (("belly", 0, "departs_at"), "tomorrow", "belly[0] (id 'B1'): field 'departs_at' is not"),
        (("consignments", 1, "id"), "A", "consignments[1] (id 'A'): field 'id' duplicates"),
        (("belly", 0, "id"), "F1", "belly[0] (id 'F1'): field 'id' duplicates flights[0]"),
        (("consignments", 0, "destination"), "XXX", "field 'destination' is not a known IATA"),
        (("flights", 0, "origin"), "ZZZ", "flights[0] (id 'F1'): field 'origin' is not a known"),
        (("consignments", 0, "service"), "express", "field 'service' must be one of"),
        (("consignments", 0, "weight_kg"), KeyError, "field 'weight_kg' is missing"),
        (("flights", 0, "optional"), "yes", "field 'optional' must be true or false"),
        (("penalties", "late_per_kg_day_usd", "economy"), KeyError, "field 'economy' is missing"),
        (("penalties", "unshipped_per_kg_usd"), -1, "field 'unshipped_per_kg_usd' must not be"),
        (("flights",), {}, "field 'flights' must be a list"),
    ],
)
def test_bad_problem_names_the_field(path: tuple, value: object, message: str) -> None:
    with pytest.raises(ProblemError) as caught:
        problem_from_json(_break(path, value))
    assert message in str(caught.value)
    with pytest.raises(ProblemError):  # the CLI's pure function refuses it the same way
        run_plan(_break(path, value), 1)
