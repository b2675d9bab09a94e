"""The packing path: a lane that is pure bin packing (identical optional charters, everything
must fly) goes to the arc-flow model of arcflow.py, which proves the fewest charters on the hard
Falkenauer classes where the MIP stalls."""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import arcflow
from .lane import EPS, LaneResult
from .problem import (
    Consignment,
    Leg,
    Penalties,
    can_carry,
    shipping_cost,
    unshipped_cost,
)

PACKING_MAX_CAPACITY = 20_000  # arc-flow nodes: a leg's capacity in the packing's integer unit
PACKING_SCALES = (1, 10, 100, 1000)  # integer units tried: kg, 0.1 kg, ... (m³: 1, 0.1, ...)


def _integral(values: Sequence[float], capacity: float) -> tuple[list[int], int] | None:
    """`values` and `capacity` as integers in the first unit where the values are whole, if the
    capacity then stays small enough for an arc-flow graph."""
    for scale in PACKING_SCALES:
        cap = math.floor(capacity * scale + 1e-6)
        if cap > PACKING_MAX_CAPACITY:
            return None
        ints = [round(v * scale) for v in values]
        if all(abs(i - v * scale) <= 1e-6 for i, v in zip(ints, values, strict=True)):
            return ints, cap
    return None


def packing_lane(
    cons: Sequence[Consignment], legs: Sequence[Leg], penalties: Penalties, seconds: float
) -> LaneResult | None:
    """The lane as one-dimensional bin packing, or None when it is not one.

    It is one when every leg is an optional charter of the same capacity and price, every
    consignment can take every leg at the same cost, and leaving any consignment costs more than
    a charter (then every optimal plan ships all: dropping items saves at most one charter each).
    Of kg, m³ and positions, a dimension whose lane total fits one leg never binds; the packing is
    solved on the binding one with the largest total relative to capacity, then checked on the
    others and repaired (first fit) where they overflow.  The bound is the charters the packed
    dimension needs (and L2 on each other binding one): exact for one binding dimension, a valid
    lower bound for several, so a repaired plan is called optimal only if it meets it.
    """
    if not cons or not legs:
        return None
    first = legs[0]
    shape = (first.kind, first.optional, first.kg, first.m3, first.positions, first.fixed_cost_usd)
    if shape[:2] != ("charter", True) or first.fixed_cost_usd <= 0:
        return None
    if any(
        (leg.kind, leg.optional, leg.kg, leg.m3, leg.positions, leg.fixed_cost_usd) != shape
        for leg in legs
    ):
        return None
    ship = []
    for c in cons:
        costs = {shipping_cost(leg, c, penalties) for leg in legs if can_carry(leg, c)}
        if len(costs) != 1 or sum(can_carry(leg, c) for leg in legs) != len(legs):
            return None
        cost = costs.pop()
        if unshipped_cost(c, penalties) - cost <= first.fixed_cost_usd + EPS:
            return None
        ship.append(cost)
    dims = [
        ([c.weight_kg for c in cons], first.kg),
        ([c.volume_m3 for c in cons], first.m3),
        ([float(c.positions) for c in cons], float(first.positions)),
    ]
    binding = [d for d in dims if sum(d[0]) > d[1] + EPS] or [dims[0]]
    binding.sort(key=lambda d: -sum(d[0]) / max(d[1], EPS))
    ints = _integral(*binding[0])
    if ints is None:
        return None
    packing = arcflow.pack(ints[0], ints[1], seconds)
    lower = packing.lower_bound
    for values, cap in binding[1:]:  # a bound on another dimension, in a unit that rounds down
        other = _integral(values, cap)
        if other is not None:
            lower = max(lower, arcflow.l2_bound(*other))
    bins = _repair_packing(packing.bins, binding)
    if lower > len(legs) or len(bins) > len(legs):
        return None  # not enough charters to ship everything: not a pure packing
    assignments: dict[str, str | None] = {c.id: None for c in cons}
    for leg, items in zip(legs, bins, strict=False):
        for i in items:
            assignments[cons[i].id] = leg.id
    operated = {leg.id for leg, _ in zip(legs, bins, strict=False)}
    cost = first.fixed_cost_usd * len(bins) + sum(ship)
    bound = first.fixed_cost_usd * lower + sum(ship)
    stats = {f"packing_{k}": v for k, v in packing.stats.items()}
    return LaneResult(assignments, operated, cost, bound, "arcflow", len(bins) <= lower, stats)


def _repair_packing(
    bins: list[list[int]], others: Sequence[tuple[list[float], float]]
) -> list[list[int]]:
    """Move items out of bins that overflow a dimension other than the packed one (the first),
    first fit into any bin with room on every dimension (or a new one)."""
    if len(others) < 2:
        return bins

    def load(items: list[int]) -> list[float]:
        return [sum(values[i] for i in items) for values, _ in others]

    out: list[list[int]] = []
    spill: list[int] = []
    for items in bins:
        kept: list[int] = []
        for i in sorted(items, key=lambda i: -max(v[i] / max(c, EPS) for v, c in others)):
            if all(u + v[i] <= c + EPS for u, (v, c) in zip(load(kept), others, strict=True)):
                kept.append(i)
            else:
                spill.append(i)
        out.append(kept)
    sizes = list(zip(*(values for values, _ in others), strict=True))
    for i in spill:  # every dimension, the packed one included, through the first-fit rule
        for items in out:
            if all(
                u + s <= c + EPS for u, s, (_, c) in zip(load(items), sizes[i], others, strict=True)
            ):
                items.append(i)
                break
        else:
            out.append([i])
    return [items for items in out if items]
