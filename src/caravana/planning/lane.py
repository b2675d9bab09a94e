"""One lane's plan as each path (exact, packing, fast) returns it, and what it costs: the
lanes are solved apart (a leg has one origin and one destination) and their results summed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .problem import (
    Consignment,
    Leg,
    Penalties,
    shipping_cost,
    unshipped_cost,
)

EPS = 1e-9  # kg, m³ and US$ below this are rounding, in every path


@dataclass(slots=True)
class LaneResult:
    assignments: dict[str, str | None]
    operated: set[str]
    cost: float  # optional fixed + belly + lateness + unshipped of this lane
    bound: float
    method: str
    optimal: bool = False
    stats: dict[str, Any] = field(default_factory=dict)


def lane_cost(
    cons: Sequence[Consignment],
    assignments: dict[str, str | None],
    legs: dict[str, Leg],
    operated: set[str],
    penalties: Penalties,
) -> float:
    cost = sum(legs[i].fixed_cost_usd for i in operated)
    for c in cons:
        leg_id = assignments.get(c.id)
        if leg_id is None:
            cost += unshipped_cost(c, penalties)
        else:
            cost += shipping_cost(legs[leg_id], c, penalties)
    return cost
