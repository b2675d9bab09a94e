"""Arc-flow bin packing: small Falkenauer-style instances proven optimal, in the kernel and
through the planner (the plan schema, the validator)."""

from __future__ import annotations

import itertools
import random

import pytest

from caravana.planning.arcflow import build_graph, first_fit_decreasing, l2_bound, pack
from caravana.planning.generator import bin_packing, triplet_sizes, uniform_sizes
from caravana.planning.problem import Problem, problem_from_json, problem_to_json
from caravana.planning.solver import solve

from .helpers import checked


def _brute_force(sizes: list[int], capacity: int) -> int:
    """The optimum by trying every assignment to k bins (tiny instances only)."""
    for k in range(1, len(sizes) + 1):
        for labels in itertools.product(range(k), repeat=len(sizes)):
            loads = [0] * k
            for w, b in zip(sizes, labels, strict=True):
                loads[b] += w
            if max(loads) <= capacity:
                return k
    return len(sizes)


def _valid(sizes: list[int], capacity: int, bins: list[list[int]]) -> None:
    assert sorted(i for items in bins for i in items) == list(range(len(sizes)))
    assert all(sum(sizes[i] for i in items) <= capacity for items in bins)


def test_triplet_construction() -> None:
    sizes = triplet_sizes(30, seed=4)
    assert len(sizes) == 30 and sum(sizes) == 10 * 1000
    assert all(250 <= w <= 490 for w in sizes)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_triplets_reach_n_over_3(seed: int) -> None:
    sizes = triplet_sizes(30, seed)
    result = pack(sizes, 1000, seconds=10)
    _valid(sizes, 1000, result.bins)
    assert result.optimal and len(result.bins) == result.lower_bound == 10
    assert all(len(items) == 3 for items in result.bins)
    assert len(first_fit_decreasing(sizes, 1000)) > 10  # FFD alone does not get there


@pytest.mark.parametrize("seed", range(6))
def test_small_random_instances_match_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    sizes = [rng.randint(3, 9) for _ in range(7)]
    result = pack(sizes, 12, seconds=5)
    _valid(sizes, 12, result.bins)
    assert result.optimal and len(result.bins) == _brute_force(sizes, 12)


def test_uniform_optimum_is_at_least_l2() -> None:
    sizes = uniform_sizes(60, seed=3)
    result = pack(sizes, 150, seconds=10)
    _valid(sizes, 150, result.bins)
    assert result.optimal and len(result.bins) >= l2_bound(sizes, 150)


def test_l2_beats_the_continuous_bound() -> None:
    # three items above half the capacity need three bins though their sum fits in two
    assert l2_bound([60, 60, 60], 100) == 3


def test_graph_with_no_waste_keeps_only_exact_fills() -> None:
    graph = build_graph({5: 2, 3: 1, 2: 1}, capacity=10, waste=0)
    assert all(w for _, _, w in graph.arcs)  # no loss arc
    assert (0, 5, 5) in graph.arcs and (5, 10, 5) in graph.arcs
    assert all(a < b for a, b, _ in graph.arcs)


def test_infeasible_count_raises_the_bound() -> None:
    # L1 = L2 = 2 but two bins of 12 would need exact fills, which {5, 5, 5, 3, 3, 3} has not
    result = pack([5, 5, 5, 3, 3, 3], 12, seconds=5)
    assert result.optimal and len(result.bins) == result.lower_bound == 3
    assert result.stats["bins_tried"] == [2]


def _plan(prob: Problem, seconds: float) -> tuple[str, int, float]:
    plan = checked(prob, solve(prob, seconds))
    charters = len(plan.flights_operated)
    return plan.status, charters, plan.lower_bound_usd


def test_triplet_plan_is_proven_optimal() -> None:
    sizes = triplet_sizes(60, seed=1)
    prob = bin_packing(sizes, 1000, flights=24)
    prob = problem_from_json(problem_to_json(prob))  # through the schema, as a file would come
    status, charters, bound = _plan(prob, 10)
    assert (status, charters) == ("optimal", 20)
    assert bound == pytest.approx(20 * 1000.0)


def test_volume_binding_too_is_repaired_and_bounded() -> None:
    # weight packs three to a charter, but volume allows only two of the bulky ones per charter
    sizes = triplet_sizes(9, seed=2)
    base = bin_packing(sizes, 1000, flights=8)
    bulky = [
        type(c)(**{**{f: getattr(c, f) for f in c.__slots__}, "volume_m3": 4.0 if i < 4 else 0.1})
        for i, c in enumerate(base.consignments)
    ]
    prob = Problem(tuple(bulky), base.flights, base.belly, base.penalties)
    plan = checked(prob, solve(prob, 2))
    # each charter holds 8 m³: at most two bulky consignments, so four bulky need two charters,
    # and the weight optimum (3) stays a valid bound
    assert plan.lower_bound_usd >= 3 * 1000.0 - 1e-6
    assert len(plan.flights_operated) in (3, 4) and None not in plan.assignments.values()


def test_items_of_size_zero_still_need_a_bin() -> None:
    assert pack([0, 0], 8, seconds=1).bins == [[0, 1]]
    assert pack([], 8, seconds=1).bins == []
