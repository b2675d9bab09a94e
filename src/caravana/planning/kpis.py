"""Plan KPIs a network planner watches: fill per flight, on-time share by service, cost per kg."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .problem import SERVICES, Problem, legs_of


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def compute_kpis(
    problem: Problem,
    assignments: Mapping[str, str | None],
    flights_operated: Iterable[str],
    cost_usd: float | None = None,
) -> dict[str, Any]:
    """KPIs of a plan; on time means shipped and arriving by the due time (waiting is not)."""
    legs = {leg.id: leg for leg in legs_of(problem)}
    load: dict[str, list[float]] = {}
    counts = {s: [0, 0, 0.0, 0.0] for s in SERVICES}  # consignments, on time, kg, kg on time
    shipped_kg = belly_kg = unshipped_kg = 0.0
    for c in problem.consignments:
        row = counts[c.service]
        row[0] += 1
        row[2] += c.weight_kg
        leg_id = assignments.get(c.id)
        if leg_id is None:
            unshipped_kg += c.weight_kg
            continue
        leg = legs[leg_id]
        used = load.setdefault(leg_id, [0.0, 0.0, 0, 0])
        used[0] += c.weight_kg
        used[1] += c.volume_m3
        used[2] += c.positions
        used[3] += 1
        shipped_kg += c.weight_kg
        if leg.kind == "belly":
            belly_kg += c.weight_kg
        if leg.arrives_at <= c.due_at:
            row[1] += 1
            row[3] += c.weight_kg
    flights = []
    charter_kg = charter_m3 = charter_cap_kg = charter_cap_m3 = 0.0
    for leg_id in sorted(set(flights_operated) | set(load), key=lambda i: (legs[i].departs_at, i)):
        leg = legs[leg_id]
        kg, m3, positions, n = load.get(leg_id, [0.0, 0.0, 0, 0])
        if leg.kind == "charter":
            charter_kg, charter_m3 = charter_kg + kg, charter_m3 + m3
            charter_cap_kg, charter_cap_m3 = charter_cap_kg + leg.kg, charter_cap_m3 + leg.m3
        flights.append(
            {
                "id": leg_id,
                "kind": leg.kind,
                "optional": leg.optional,
                "departs_at": leg.departs_at.isoformat(),
                "consignments": n,
                "weight_kg": round(kg, 1),
                "volume_m3": round(m3, 2),
                "positions": positions,
                "fill_weight": _ratio(kg, leg.kg),
                "fill_volume": _ratio(m3, leg.m3),
                "fill_positions": _ratio(positions, leg.positions),
            }
        )
    on_time = {
        s: {
            "consignments": n,
            "on_time": ok,
            "share": _ratio(ok, n),
            "share_by_kg": _ratio(ok_kg, kg),
        }
        for s, (n, ok, kg, ok_kg) in counts.items()
    }
    kpis: dict[str, Any] = {
        "flights": flights,
        "charter_fill_weight": _ratio(charter_kg, charter_cap_kg),
        "charter_fill_volume": _ratio(charter_m3, charter_cap_m3),
        "on_time": on_time,
        "shipped_kg": round(shipped_kg, 1),
        "belly_kg": round(belly_kg, 1),
        "unshipped_kg": round(unshipped_kg, 1),
    }
    if cost_usd is not None:
        kpis["cost_per_kg_usd"] = round(cost_usd / shipped_kg, 4) if shipped_kg else None
    return kpis
