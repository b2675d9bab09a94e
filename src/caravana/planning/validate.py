"""An independent check of a plan against its problem.

Deliberately written apart from the solver: it reads the raw flights and belly offers rather than
the solver's `Leg` view and recomputes every cost term itself, so a bug in the shared cost model
or in the solver's bookkeeping shows up as a disagreement instead of being copied twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .problem import BellyOffer, Flight, Problem

CHARGEABLE_KG_PER_M3 = 166.67  # docs/planning.md: IATA 6000 cm³/kg, as written in the schema
TOLERANCE = 1e-6


@dataclass(slots=True)
class Report:
    errors: list[str] = field(default_factory=list)
    cost_usd: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


class InvalidPlan(AssertionError):
    """A plan broke a rule; the message lists every violation found."""


def _pairs(assignments: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    if isinstance(assignments, Mapping):
        return list(assignments.items())
    return list(assignments)


def validate(
    problem: Problem,
    assignments: Mapping[str, str | None] | Iterable[tuple[str, str | None]],
    flights_operated: Iterable[str],
    cost_usd: float | None = None,
    lower_bound_usd: float | None = None,
) -> Report:
    """Every rule of the problem, checked from scratch; `cost_usd` is compared with a recount."""
    report = Report()
    err = report.errors.append
    consignments = {c.id: c for c in problem.consignments}
    charters = {f.id: f for f in problem.flights}
    bellies = {b.id: b for b in problem.belly}
    operated = set(flights_operated)
    for fid in operated - set(charters):
        err(f"flights_operated: {fid!r} is not a charter of the problem")

    # cargo left behind lands after its lane's last flight at the soonest (decision 0049)
    last: dict[tuple[str, str], datetime] = {}
    offers: list[Flight | BellyOffer] = [*problem.flights, *problem.belly]
    for offer in offers:
        lane = (offer.origin, offer.destination)
        last[lane] = max(last.get(lane, offer.arrives_at), offer.arrives_at)
    seen: dict[str, int] = {}
    load: dict[str, list[float]] = {}
    variable = 0.0
    leg: Flight | BellyOffer
    for cid, leg_id in _pairs(assignments):
        seen[cid] = seen.get(cid, 0) + 1
        c = consignments.get(cid)
        if c is None:
            err(f"assignments: unknown consignment {cid!r}")
            continue
        if seen[cid] > 1:
            err(f"consignment {cid}: assigned more than once")
            continue
        rate = problem.penalties.late_per_kg_day_usd[c.service]
        if leg_id is None:
            chargeable = max(c.weight_kg, c.volume_m3 * CHARGEABLE_KG_PER_M3)
            variable += problem.penalties.unshipped_per_kg_usd * chargeable
            lands = last.get((c.origin, c.destination))
            if lands is not None and lands > c.due_at:
                variable += rate * c.weight_kg * (lands - c.due_at).total_seconds() / 86400.0
            continue
        if leg_id in charters:
            leg = charters[leg_id]
            if leg.optional and leg_id not in operated:
                err(f"consignment {cid}: on optional charter {leg_id} that is not operated")
            cap = (leg.payload_kg, leg.volume_m3, leg.positions)
            dg_ok, price = leg.dangerous_goods_ok, None
        elif leg_id in bellies:
            leg = bellies[leg_id]
            cap = (leg.capacity_kg, leg.capacity_m3, leg.positions)
            dg_ok, price = leg.dangerous_goods_ok, leg.price_per_kg_usd
        else:
            err(f"consignment {cid}: unknown flight or belly {leg_id!r}")
            continue
        if (leg.origin, leg.destination) != (c.origin, c.destination):
            err(
                f"consignment {cid}: {c.origin}->{c.destination} put on {leg_id} "
                f"{leg.origin}->{leg.destination}"
            )
        if c.ready_at > leg.departs_at:
            err(f"consignment {cid}: ready {c.ready_at} after {leg_id} departs {leg.departs_at}")
        if c.dangerous_goods and not dg_ok:
            err(f"consignment {cid}: dangerous goods on {leg_id}, which may not carry them")
        used = load.setdefault(leg_id, [0.0, 0.0, 0.0, *cap])
        used[0] += c.weight_kg
        used[1] += c.volume_m3
        used[2] += c.positions
        hours_late = (leg.arrives_at - c.due_at).total_seconds() / 3600.0
        if hours_late > 0:
            variable += rate * c.weight_kg * hours_late / 24.0
        if price is not None:
            variable += price * max(c.weight_kg, c.volume_m3 * CHARGEABLE_KG_PER_M3)
    for cid in consignments.keys() - seen.keys():
        err(f"consignment {cid}: missing from assignments (null means it waits)")

    for leg_id, (kg, m3, pos, cap_kg, cap_m3, cap_pos) in load.items():
        for name, amount, limit in (
            ("kg", kg, cap_kg),
            ("m3", m3, cap_m3),
            ("positions", pos, cap_pos),
        ):
            if amount > limit * (1 + TOLERANCE) + TOLERANCE:
                err(f"leg {leg_id}: {amount:.3f} {name} loaded over capacity {limit}")

    fixed = sum(f.fixed_cost_usd for f in problem.flights if not f.optional or f.id in operated)
    report.cost_usd = fixed + variable
    slack = 0.011 + 1e-9 * abs(report.cost_usd)
    if cost_usd is not None and abs(cost_usd - report.cost_usd) > slack:
        err(f"cost_usd: reported {cost_usd:.2f}, recomputed {report.cost_usd:.2f}")
    if lower_bound_usd is not None and lower_bound_usd > report.cost_usd + slack:
        err(f"lower_bound_usd: {lower_bound_usd:.2f} exceeds the plan's cost {report.cost_usd:.2f}")
    return report


def validate_output(problem: Problem, output: Mapping[str, Any]) -> Report:
    """Check an output document in the documented schema (from `run_plan` or the CLI)."""
    return validate(
        problem,
        output["assignments"],
        output["flights_operated"],
        output.get("cost_usd"),
        output.get("lower_bound_usd"),
    )


def assert_valid(problem: Problem, output: Mapping[str, Any]) -> Report:
    report = validate_output(problem, output)
    if not report.ok:
        shown = "\n  ".join(report.errors[:20])
        raise InvalidPlan(f"{len(report.errors)} violation(s):\n  {shown}")
    return report
