"""The flight-planning problem and plan as dataclasses, in the JSON schema of docs/planning.md.

Pure Python, no Django: the planner page builds a `Problem` from the database, the CLI from a file,
the bench from the generator, and all three hand it to the same solver.  Parsing validates
everything the solver relies on and names the offending item and field, so a bad problem fails
here with a clear message instead of deep inside a MIP.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

import airportsdata

from caravana.planning.error_codes import PlanningErrorCode

#: A time the planner compares: a datetime, or the twin's run hours.
T = TypeVar("T", datetime, float)
SERVICES = ("premium", "standard", "economy")
# IATA volumetric divisor 6000 cm³/kg: 1 m³ charges as 166.67 kg.
VOLUMETRIC_KG_PER_M3 = 166.67


class ProblemError(ValueError):
    """An invalid problem; the message names the item (by index and id) and the field."""

    code = PlanningErrorCode.INVALID_PROBLEM


@dataclass(frozen=True, slots=True)
class Consignment:
    """A closed bag (positions 0, limited by the flight's volume) or a built ULD (positions 1)."""

    id: str
    origin: str
    destination: str
    service: str
    weight_kg: float
    volume_m3: float
    ready_at: datetime
    due_at: datetime
    dangerous_goods: bool = False
    positions: int = 0


@dataclass(frozen=True, slots=True)
class Flight:
    """A charter freighter; committed ones are paid whether used or not."""

    id: str
    origin: str
    destination: str
    departs_at: datetime
    arrives_at: datetime
    payload_kg: float
    volume_m3: float
    positions: int
    fixed_cost_usd: float
    optional: bool = False
    dangerous_goods_ok: bool = True


@dataclass(frozen=True, slots=True)
class BellyOffer:
    """Space on a scheduled passenger flight, bought per chargeable kg; no fixed cost."""

    id: str
    origin: str
    destination: str
    departs_at: datetime
    arrives_at: datetime
    capacity_kg: float
    capacity_m3: float
    price_per_kg_usd: float
    positions: int = 0
    dangerous_goods_ok: bool = False


@dataclass(frozen=True, slots=True)
class Penalties:
    """What lateness and leaving cargo behind cost. `unshipped_per_kg_usd` prices the flight
    after this plan and the wait beyond it; `left_lands_at`, per lane (origin, destination) the
    soonest such a flight could land (the lane's last arrival in the plan, set by `Problem`),
    prices the service's lateness until then, as flying late is priced (decision 0049). A lane
    without one (no legs) has no lateness in leaving: it has nothing else."""

    late_per_kg_day_usd: Mapping[str, float]
    unshipped_per_kg_usd: float
    left_lands_at: Mapping[tuple[str, str], datetime] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Problem:
    consignments: tuple[Consignment, ...]
    flights: tuple[Flight, ...]
    belly: tuple[BellyOffer, ...]
    penalties: Penalties

    def __post_init__(self) -> None:
        # derived, never read from JSON: penalties taken from another problem get this one's
        lands = last_arrivals((*self.flights, *self.belly))
        if dict(self.penalties.left_lands_at) != lands:
            object.__setattr__(self, "penalties", replace(self.penalties, left_lands_at=lands))


def last_arrivals(legs: Iterable[Flight | BellyOffer]) -> dict[tuple[str, str], datetime]:
    """Each lane's last arrival: cargo left behind on it lands no sooner (decision 0049). Per
    lane, not the plan's last: a far-off flight on one lane made waiting dearer on all of them,
    and a class due after its own lane's last flight was credited lateness it never has."""
    lands: dict[tuple[str, str], datetime] = {}
    for leg in legs:
        key = (leg.origin, leg.destination)
        if key not in lands or leg.arrives_at > lands[key]:
            lands[key] = leg.arrives_at
    return lands


@dataclass(slots=True)
class Plan:
    """A solution: which optional charters fly and where each consignment goes (None = waits)."""

    status: str
    cost_usd: float
    lower_bound_usd: float
    flights_operated: list[str]
    assignments: dict[str, str | None]
    kpis: dict[str, Any] = field(default_factory=dict)
    method: str = ""
    solve_seconds: float = 0.0
    cost_breakdown: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return relative_gap(self.cost_usd, self.lower_bound_usd)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "cost_usd": round(self.cost_usd, 2),
            "lower_bound_usd": round(self.lower_bound_usd, 2),
            "gap": round(self.gap, 6),
            "flights_operated": list(self.flights_operated),
            "assignments": dict(self.assignments),
            "kpis": self.kpis,
            "method": self.method,
            "solve_seconds": round(self.solve_seconds, 3),
            "cost_breakdown": {k: round(v, 2) for k, v in self.cost_breakdown.items()},
        }


def relative_gap(cost: float, bound: float) -> float:
    """(cost − bound) / cost, the usual MIP gap; 0 when both are 0."""
    if abs(cost) < 1e-9:
        return 0.0 if abs(bound) < 1e-9 else math.inf
    return max(0.0, (cost - bound) / abs(cost))


# ---------------------------------------------------------------------------------------------
# JSON in


def _where(kind: str, index: int, item: Mapping[str, Any]) -> str:
    ident = item.get("id") if isinstance(item, Mapping) else None
    return f"{kind}[{index}]" + (f" (id {ident!r})" if ident is not None else "")


def _field(where: str, item: Mapping[str, Any], name: str, default: Any = ...) -> Any:
    if name not in item:
        if default is ...:
            raise ProblemError(f"{where}: field {name!r} is missing")
        return default
    return item[name]


@lru_cache(maxsize=1)
def _airports() -> frozenset[str]:
    return frozenset(airportsdata.load("IATA"))


def _airport(where: str, item: Mapping[str, Any], name: str) -> str:
    """An IATA airport code; an unknown one is an unknown reference, not a lane without flights."""
    code = _text(where, item, name)
    if code not in _airports():
        raise ProblemError(f"{where}: field {name!r} is not a known IATA airport: {code!r}")
    return code


def _text(where: str, item: Mapping[str, Any], name: str) -> str:
    value = _field(where, item, name)
    if not isinstance(value, str) or not value.strip():
        raise ProblemError(f"{where}: field {name!r} must be a non-empty string, got {value!r}")
    return value


def _number(where: str, item: Mapping[str, Any], name: str, default: Any = ...) -> float:
    value = _field(where, item, name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProblemError(f"{where}: field {name!r} must be a finite number, got {value!r}")
    if value < 0:
        raise ProblemError(f"{where}: field {name!r} must not be negative, got {value!r}")
    return float(value)


def _count(where: str, item: Mapping[str, Any], name: str, default: Any = ...) -> int:
    value = _field(where, item, name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(f"{where}: field {name!r} must be an integer, got {value!r}")
    if value < 0:
        raise ProblemError(f"{where}: field {name!r} must not be negative, got {value!r}")
    return value


def _flag(where: str, item: Mapping[str, Any], name: str, default: bool) -> bool:
    value = _field(where, item, name, default)
    if not isinstance(value, bool):
        raise ProblemError(f"{where}: field {name!r} must be true or false, got {value!r}")
    return value


def parse_time(where: str, name: str, value: Any) -> datetime:
    """ISO 8601 with an explicit offset, returned in UTC; a naive time is ambiguous, so refused."""
    if not isinstance(value, str):
        raise ProblemError(f"{where}: field {name!r} must be an ISO 8601 string, got {value!r}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ProblemError(f"{where}: field {name!r} is not ISO 8601: {value!r}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ProblemError(f"{where}: field {name!r} has no UTC offset: {value!r}")
    return moment.astimezone(UTC)


def _items(data: Mapping[str, Any], name: str, required: bool = True) -> list[Any]:
    if name not in data:
        if required:
            raise ProblemError(f"problem: field {name!r} is missing")
        return []
    value = data[name]
    if not isinstance(value, list):
        raise ProblemError(f"problem: field {name!r} must be a list")
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise ProblemError(f"{name}[{index}]: must be an object")
    return value


def _consignment(index: int, item: Mapping[str, Any]) -> Consignment:
    where = _where("consignments", index, item)
    service = _text(where, item, "service")
    if service not in SERVICES:
        raise ProblemError(f"{where}: field 'service' must be one of {SERVICES}, got {service!r}")
    ready = parse_time(where, "ready_at", _field(where, item, "ready_at"))
    due = parse_time(where, "due_at", _field(where, item, "due_at"))
    if due < ready:
        raise ProblemError(f"{where}: field 'due_at' is before 'ready_at'")
    return Consignment(
        id=_text(where, item, "id"),
        origin=_airport(where, item, "origin"),
        destination=_airport(where, item, "destination"),
        service=service,
        weight_kg=_number(where, item, "weight_kg"),
        volume_m3=_number(where, item, "volume_m3"),
        ready_at=ready,
        due_at=due,
        dangerous_goods=_flag(where, item, "dangerous_goods", False),
        positions=_count(where, item, "positions", 0),
    )


def _leg_times(where: str, item: Mapping[str, Any]) -> tuple[datetime, datetime]:
    departs = parse_time(where, "departs_at", _field(where, item, "departs_at"))
    arrives = parse_time(where, "arrives_at", _field(where, item, "arrives_at"))
    if arrives < departs:
        raise ProblemError(f"{where}: field 'arrives_at' is before 'departs_at'")
    return departs, arrives


def _flight(index: int, item: Mapping[str, Any]) -> Flight:
    where = _where("flights", index, item)
    departs, arrives = _leg_times(where, item)
    return Flight(
        id=_text(where, item, "id"),
        origin=_airport(where, item, "origin"),
        destination=_airport(where, item, "destination"),
        departs_at=departs,
        arrives_at=arrives,
        payload_kg=_number(where, item, "payload_kg"),
        volume_m3=_number(where, item, "volume_m3"),
        positions=_count(where, item, "positions"),
        fixed_cost_usd=_number(where, item, "fixed_cost_usd"),
        optional=_flag(where, item, "optional", False),
        dangerous_goods_ok=_flag(where, item, "dangerous_goods_ok", True),
    )


def _belly(index: int, item: Mapping[str, Any]) -> BellyOffer:
    where = _where("belly", index, item)
    departs, arrives = _leg_times(where, item)
    return BellyOffer(
        id=_text(where, item, "id"),
        origin=_airport(where, item, "origin"),
        destination=_airport(where, item, "destination"),
        departs_at=departs,
        arrives_at=arrives,
        capacity_kg=_number(where, item, "capacity_kg"),
        capacity_m3=_number(where, item, "capacity_m3"),
        price_per_kg_usd=_number(where, item, "price_per_kg_usd"),
        positions=_count(where, item, "positions", 0),
        dangerous_goods_ok=_flag(where, item, "dangerous_goods_ok", False),
    )


def penalties_of(raw: Any) -> Penalties:
    """A plan's `penalties` object, checked as a problem's is (every service level, numbers ≥ 0):
    what a site's settings give the planner and its charter outlook alike."""
    return _penalties({"penalties": raw})


def _penalties(data: Mapping[str, Any]) -> Penalties:
    raw = data.get("penalties")
    if not isinstance(raw, Mapping):
        raise ProblemError("penalties: field 'penalties' is missing or not an object")
    late = raw.get("late_per_kg_day_usd")
    if not isinstance(late, Mapping):
        raise ProblemError("penalties: field 'late_per_kg_day_usd' is missing or not an object")
    rates = {s: _number("penalties.late_per_kg_day_usd", late, s) for s in SERVICES}
    unknown = set(late) - set(SERVICES)
    if unknown:
        raise ProblemError(f"penalties.late_per_kg_day_usd: unknown service {sorted(unknown)}")
    return Penalties(rates, _number("penalties", raw, "unshipped_per_kg_usd"))


def _check_unique(kind: str, ids: Iterable[str], seen: dict[str, str]) -> None:
    for index, ident in enumerate(ids):
        if ident in seen:
            raise ProblemError(
                f"{kind}[{index}] (id {ident!r}): field 'id' duplicates {seen[ident]}"
            )
        seen[ident] = f"{kind}[{index}]"


def problem_from_json(data: Mapping[str, Any]) -> Problem:
    """Parse and validate a problem in the documented schema; ProblemError names the field."""
    if not isinstance(data, Mapping):
        raise ProblemError("problem: must be a JSON object")
    consignments = tuple(_consignment(i, c) for i, c in enumerate(_items(data, "consignments")))
    flights = tuple(_flight(i, f) for i, f in enumerate(_items(data, "flights")))
    belly = tuple(_belly(i, b) for i, b in enumerate(_items(data, "belly", required=False)))
    penalties = _penalties(data)
    _check_unique("consignments", (c.id for c in consignments), {})
    legs: dict[str, str] = {}
    _check_unique("flights", (f.id for f in flights), legs)
    _check_unique("belly", (b.id for b in belly), legs)
    return Problem(consignments, flights, belly, penalties)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """The inverse of `problem_from_json` (times written in UTC)."""
    return {
        "consignments": [
            {
                "id": c.id,
                "origin": c.origin,
                "destination": c.destination,
                "service": c.service,
                "weight_kg": c.weight_kg,
                "volume_m3": c.volume_m3,
                "ready_at": _iso(c.ready_at),
                "due_at": _iso(c.due_at),
                "dangerous_goods": c.dangerous_goods,
                "positions": c.positions,
            }
            for c in problem.consignments
        ],
        "flights": [
            {
                "id": f.id,
                "origin": f.origin,
                "destination": f.destination,
                "departs_at": _iso(f.departs_at),
                "arrives_at": _iso(f.arrives_at),
                "payload_kg": f.payload_kg,
                "volume_m3": f.volume_m3,
                "positions": f.positions,
                "fixed_cost_usd": f.fixed_cost_usd,
                "optional": f.optional,
                "dangerous_goods_ok": f.dangerous_goods_ok,
            }
            for f in problem.flights
        ],
        "belly": [
            {
                "id": b.id,
                "origin": b.origin,
                "destination": b.destination,
                "departs_at": _iso(b.departs_at),
                "arrives_at": _iso(b.arrives_at),
                "capacity_kg": b.capacity_kg,
                "capacity_m3": b.capacity_m3,
                "price_per_kg_usd": b.price_per_kg_usd,
                "positions": b.positions,
                "dangerous_goods_ok": b.dangerous_goods_ok,
            }
            for b in problem.belly
        ],
        "penalties": penalties_to_json(problem.penalties),
    }


def penalties_to_json(penalties: Penalties) -> dict[str, Any]:
    """The penalties as the problem's JSON holds them."""
    return {
        "late_per_kg_day_usd": dict(penalties.late_per_kg_day_usd),
        "unshipped_per_kg_usd": penalties.unshipped_per_kg_usd,
    }


def check_assignment_references(problem: Problem, assignments: Mapping[str, str | None]) -> None:
    """Refuse an assignment that names an unknown consignment or leg (used when reading plans)."""
    consignments = {c.id for c in problem.consignments}
    legs = {f.id for f in problem.flights} | {b.id for b in problem.belly}
    for cid, leg in assignments.items():
        if cid not in consignments:
            raise ProblemError(f"assignments: unknown consignment {cid!r}")
        if leg is not None and leg not in legs:
            raise ProblemError(f"assignments[{cid!r}]: unknown flight or belly id {leg!r}")


# ---------------------------------------------------------------------------------------------
# The cost model shared by the solver and the FIFO baseline (validate.py recomputes it on its own).

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Leg:
    """A charter or a belly offer seen the same way: capacity, timing, and what it costs."""

    id: str
    kind: str  # "charter" | "belly"
    origin: str
    destination: str
    departs_at: datetime
    arrives_at: datetime
    kg: float
    m3: float
    positions: int
    fixed_cost_usd: float
    optional: bool
    price_per_kg_usd: float
    dangerous_goods_ok: bool

    @property
    def lane(self) -> tuple[str, str]:
        return (self.origin, self.destination)


def legs_of(problem: Problem) -> list[Leg]:
    """All charters and belly offers, by departure then id."""
    legs = [
        Leg(f.id, "charter", f.origin, f.destination, f.departs_at, f.arrives_at, f.payload_kg,
            f.volume_m3, f.positions, f.fixed_cost_usd, f.optional, 0.0, f.dangerous_goods_ok)
        for f in problem.flights
    ] + [
        Leg(b.id, "belly", b.origin, b.destination, b.departs_at, b.arrives_at, b.capacity_kg,
            b.capacity_m3, b.positions, 0.0, False, b.price_per_kg_usd, b.dangerous_goods_ok)
        for b in problem.belly
    ]  # fmt: skip
    legs.sort(key=lambda leg: (leg.departs_at, leg.id))
    return legs


def can_carry(leg: Leg, c: Consignment) -> bool:
    """Same lane, ready by departure, DG allowed, and a ULD needs positions on board."""
    return (
        leg.origin == c.origin
        and leg.destination == c.destination
        and c.ready_at <= leg.departs_at
        and (leg.dangerous_goods_ok or not c.dangerous_goods)
        and c.positions <= leg.positions
        and c.weight_kg <= leg.kg
        and c.volume_m3 <= leg.m3
    )


def days_late(arrives_at: datetime, due_at: datetime) -> float:
    """Fractional days after the due time (0 when on time): no cliff at the day boundary."""
    return max(0.0, (arrives_at - due_at).total_seconds() / SECONDS_PER_DAY)


def due_for_planning(due: T, ready: T, now: T) -> T:
    """The due time a plan prices lateness from: never before the consignment is ready, and
    never before the plan is made. Lateness already incurred is sunk: priced again at every
    plan, it made flying an overdue consignment dearer than the flat penalty for leaving it, so
    the later a bag, the surer the planner left it behind (every cycle, for ever). Times or the
    twin's run hours alike."""
    return max(due, ready, now)


def chargeable_kg(c: Consignment) -> float:
    return max(c.weight_kg, c.volume_m3 * VOLUMETRIC_KG_PER_M3)


def shipping_cost(leg: Leg, c: Consignment, penalties: Penalties) -> float:
    """Variable cost of `c` on `leg`: belly freight plus lateness (a charter: lateness only)."""
    late = (
        penalties.late_per_kg_day_usd[c.service] * c.weight_kg * days_late(leg.arrives_at, c.due_at)
    )
    if leg.kind == "belly":
        return leg.price_per_kg_usd * chargeable_kg(c) + late
    return late


def unshipped_cost(c: Consignment, penalties: Penalties) -> float:
    """Leaving `c` behind: a later flight, per chargeable kg as that flight is sold (per actual
    kg a light bulky consignment cost less to leave than to fly, decision 0048), plus the
    service's lateness until the soonest it could land. Without that lateness an overdue premium
    parcel cost less to leave than to fly on a belly two days out, at any price (decision 0049)."""
    flat = penalties.unshipped_per_kg_usd * chargeable_kg(c)
    lands = penalties.left_lands_at.get((c.origin, c.destination))
    if lands is None:
        return flat
    rate = penalties.late_per_kg_day_usd[c.service]
    return flat + rate * c.weight_kg * days_late(lands, c.due_at)


def committed_cost(problem: Problem) -> float:
    """Committed charters are paid whether used or not: a constant in every plan's cost."""
    return sum(f.fixed_cost_usd for f in problem.flights if not f.optional)


def plan_cost(
    problem: Problem, assignments: Mapping[str, str | None], operated_optional: Iterable[str]
) -> dict[str, float]:
    """Cost breakdown of a plan under the model above; `total` includes committed charters."""
    legs = {leg.id: leg for leg in legs_of(problem)}
    penalties = problem.penalties
    optional = sum(legs[i].fixed_cost_usd for i in set(operated_optional))
    belly = late = unshipped = 0.0
    for c in problem.consignments:
        leg_id = assignments.get(c.id)
        if leg_id is None:
            unshipped += unshipped_cost(c, penalties)
            continue
        leg = legs[leg_id]
        rate = penalties.late_per_kg_day_usd[c.service]
        late += rate * c.weight_kg * days_late(leg.arrives_at, c.due_at)
        if leg.kind == "belly":
            belly += leg.price_per_kg_usd * chargeable_kg(c)
    committed = committed_cost(problem)
    return {
        "total": committed + optional + belly + late + unshipped,
        "committed_charters": committed,
        "optional_charters": optional,
        "belly": belly,
        "late": late,
        "unshipped": unshipped,
    }
