"""A flight's load plan: the ULDs loaded on it (kept where they are), those the flight plan puts
on it that are still at the hub, and the planned bags not yet in a ULD, packed into ULDs to
build at the hub that holds them (a feeder hub's bags are built there and trucked to the
airport: decision 0046, so no ULD mixes two hubs' bags); all placed on the aircraft's positions
by caravana.loadplan within the type's position, zone and centre-of-gravity limits. Computed
when asked (the same input gives the same plan), so the load sheet and the hub's loading step
always read the same plan. None when the aircraft type has no balance data: loading then takes
the next free position as before."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caravana.codes import uld as uld_codes
from caravana.fulfillment.models import Bag, Uld
from caravana.loadplan import aircraft as balance
from caravana.loadplan import packing, placement
from caravana.loadplan.picture import EnvelopePicture, envelope_picture
from caravana.loadplan.problems import Problem, zone_list
from caravana.network import room
from caravana.network.models import Flight, UldType


@dataclass(frozen=True)
class PlanRow:
    label: str  # ULD identifier, or "build 1" for a ULD still to build from loose bags
    uld_type: str
    position: str
    gross_kg: int
    dg: bool
    status: str  # loaded / hub / build
    bags: tuple[str, ...] = ()
    hub: str = ""  # the hub's code where the ULD or its bags are


@dataclass(frozen=True)
class AsLoaded:
    """The balance of what is on board now: shown beside the plan, and alone when no plan
    meets the limits (a ULD loaded where no plan put it moves the CG as much)."""

    zfw_kg: float
    cg_pct: float
    fwd_pct: float
    aft_pct: float
    max_zfw_kg: float

    @property
    def inside(self) -> bool:
        return self.fwd_pct <= self.cg_pct <= self.aft_pct and self.zfw_kg <= self.max_zfw_kg


@dataclass
class FlightLoadPlan:
    aircraft: str
    rows: list[PlanRow] = field(default_factory=list)
    zfw_kg: int = 0
    cg_pct: float = 0.0
    fwd_pct: float = 0.0
    aft_pct: float = 0.0
    target_pct: float = 0.0
    optimal: bool = False
    verified: bool = False
    picture: EnvelopePicture | None = None
    error: str = ""  # why no plan meets the limits (the rows are then empty)
    loaded: AsLoaded | None = None  # the aircraft with what is on board now, plan or not

    def position_of(self, identifier: str) -> str:
        return next((r.position for r in self.rows if r.label == identifier), "")

    @property
    def error_clause(self) -> str:
        """The error inside a sentence that ends it ("No load plan meets …: {why}.")."""
        return self.error.rstrip(".。")


def _gross_kg(weight_g: int, tare_kg: int) -> int:
    return math.ceil(weight_g / 1000) + tare_kg


def _spec(uld_type: UldType, ac: balance.Aircraft | None = None) -> packing.UldSpec:
    """Net weight and contoured usable volume of a type: pallets to the main-deck contour,
    containers from their stated volume, both times the stacking share of soft bags. On `ac`,
    a build weighs no more than a position takes with its pair loaded evenly (4,850 kg on a
    747's 9,700 kg pairs; Aircraft.build_kg); on a type without balance data, no more than the
    heaviest position of the table's types on that deck (a PMC's 6,804 kg goes on no 747
    position)."""
    facts = uld_codes.TYPES.get(uld_type.code)
    volume = room.bag_room_cm3(facts) if facts else None
    if volume is None:
        volume = int((uld_type.usable_volume_m3 or 0) * 1_000_000)
    gross = uld_type.max_gross_kg
    # on the type: what a position takes with its pair loaded evenly (Aircraft.build_kg);
    # without it, what the heaviest position of the table's types takes (as the hub builds)
    cap = ac.build_kg(uld_type.deck) if ac else None
    if cap is None:
        cap = balance.heaviest_position_kg(uld_type.deck)
    if cap is not None:
        gross = min(gross, cap)
    return packing.UldSpec(uld_type.code, uld_type.deck, gross, uld_type.tare_kg, volume)


def _natural(position: str) -> tuple[str, int]:
    m = re.match(r"([A-Z]*)(\d+)", position)
    return (m.group(1), int(m.group(2))) if m else (position, 0)


#: How long a placement is kept: its inputs are in its key, so this only bounds the cache.
PLACEMENT_CACHE_SECONDS = 24 * 3600


#: Each kernel problem in the reader's language (the kernel has no gettext).
MESSAGES: dict[Problem, Any] = {
    Problem.FIXED_NOT_ON_DECK: gettext_lazy(
        "ULD %(uld)s is loaded at %(position)s, which is not a position on the %(deck)s "
        "of the %(aircraft)s."
    ),
    Problem.POSITION_TWICE: gettext_lazy("Two ULDs are loaded at %(position)s."),
    Problem.TOO_MANY_ULDS: gettext_lazy(
        "%(n)d ULDs for the %(deck)s; the %(aircraft)s has %(positions)d positions there."
    ),
    Problem.ULD_TOO_HEAVY: gettext_lazy(
        "ULD %(uld)s weighs %(kg)d kg; no position on the %(deck)s of the %(aircraft)s "
        "takes more than %(max_kg)d kg."
    ),
    Problem.FIXED_TOO_HEAVY: gettext_lazy(
        "ULD %(uld)s weighs %(kg)d kg; it is loaded at %(position)s, which takes at most "
        "%(max_kg)d kg."
    ),
    Problem.OVER_MAX_ZFW: gettext_lazy(
        "Zero-fuel weight %(zfw_kg)d kg is over the %(aircraft)s's %(max_kg)d kg."
    ),
    Problem.ULD_TWICE: gettext_lazy("A ULD is listed twice."),
    Problem.CG_OUT_OF_LIMITS: gettext_lazy(
        "The centre of gravity cannot be kept within %(fwd).1f–%(aft).1f%% MAC at "
        "%(zfw_kg)d kg zero-fuel weight."
    ),
    Problem.WEIGHT_LIMITS: gettext_lazy(
        "The position and zone weight limits cannot all be met (zones: %(zones)s)."
    ),
    Problem.BAG_TOO_BIG: gettext_lazy(
        "Bag %(bag)s (%(kg).1f kg, %(m3).2f m³) does not fit a %(uld)s (%(net_kg).0f kg, "
        "%(usable_m3).2f m³ usable)."
    ),
    Problem.NO_SOLUTION_IN_TIME: gettext_lazy(
        "No placement found within the solver's time budget."
    ),
}


def _message(problem: Problem, params: dict[str, Any]) -> str:
    p = dict(params)
    if "zones" in p:
        p["zones"] = zone_list(p["zones"])
    if "deck" in p:
        p["deck"] = {"main": _("main deck"), "lower": _("lower deck")}.get(p["deck"], p["deck"])
    return str(MESSAGES[problem]) % p


def _placed(
    ac: balance.Aircraft, loads: list[placement.UldLoad]
) -> placement.Placement | tuple[Problem, dict[str, Any]]:
    """place_ulds, or why it is infeasible, kept in the cache under a digest of its inputs: the
    solve takes about a second, and the load sheet, the planner's page and the hub's loading
    step (inside its transaction) ask for the same plan again and again until a ULD changes."""
    key = "loadplan:" + hashlib.sha256(repr((ac, loads)).encode()).hexdigest()
    found = cache.get(key)
    if found is not None and not isinstance(found, str):  # str: English, from before codes
        return found
    try:
        result: placement.Placement | tuple[Problem, dict[str, Any]]
        result = placement.place_ulds(ac, loads)
    except placement.LoadPlanInfeasible as exc:
        result = (exc.problem, exc.params)  # worded when read: readers' languages differ
    cache.set(key, result, PLACEMENT_CACHE_SECONDS)
    return result


def flight_load_plan(flight: Flight, extra: Uld | None = None) -> FlightLoadPlan | None:
    """The plan for `flight`, with `extra` (a ULD about to be loaded that the flight plan did
    not put on it) counted in; None without balance data for the aircraft type."""
    ac = balance.aircraft(flight.aircraft_type.code)
    if ac is None:
        return None
    plan = FlightLoadPlan(aircraft=ac.code, verified=ac.verified)
    ulds = list(
        Uld.objects.filter(Q(flight=flight) | Q(planned_flight=flight, flight__isnull=True))
        .select_related("uld_type", "hub")
        .order_by("identifier", "pk")
    )
    aboard = [u for u in ulds if u.flight_id == flight.pk]
    known = {p.name for p in ac.positions}
    # only when every ULD on board is at a position of the table: one at no position or an
    # unknown one (typed in the admin) is the plan's error to name (FIXED_NOT_ON_DECK)
    if aboard and all(u.position in known for u in aboard):
        on_board: dict[str, float] = {}
        for u in aboard:
            on_board[u.position] = on_board.get(u.position, 0) + _gross_kg(
                u.weight_g, u.uld_type.tare_kg
            )
        plan.loaded = AsLoaded(*ac.balance_of(on_board), max_zfw_kg=ac.max_zfw_kg)
    if extra is not None and all(u.pk != extra.pk for u in ulds):
        ulds.append(extra)
    rows: dict[str, PlanRow] = {}
    loads: list[placement.UldLoad] = []
    for u in ulds:
        gross = _gross_kg(u.weight_g, u.uld_type.tare_kg)
        fixed = u.position if u.flight_id == flight.pk else ""
        loads.append(
            placement.UldLoad(u.identifier, u.uld_type.deck, gross, u.dangerous_goods, fixed)
        )
        status = "loaded" if fixed else "hub"
        rows[u.identifier] = PlanRow(
            u.identifier, u.uld_type.code, "", gross, u.dangerous_goods, status, hub=u.hub.code
        )
    loose = list(
        Bag.objects.filter(planned_flight=flight, uld__isnull=True)
        .order_by("hub__code", "identifier")
        .values_list("hub__code", "identifier", "weight_g", "volume_cm3", "dangerous_goods")
    )
    if loose:
        code = room.BUILT_ON[room.build_deck(ac)]
        uld_type = UldType.objects.filter(code=code).first()
        if uld_type is None:
            plan.error = _("No %(code)s ULD type in this network to build the loose bags into.") % {
                "code": code
            }
            return plan
        by_hub: dict[str, list[packing.BagItem]] = {}
        for hub, i, w, v, dg in loose:
            by_hub.setdefault(hub, []).append(packing.BagItem(i, w, v, dg))
        spec = _spec(uld_type, ac)
        n = 0
        for hub, items in by_hub.items():
            try:
                builds = packing.pack_bags(items, spec)
            except packing.PackingError as exc:
                plan.error = _message(exc.problem, exc.params)
                return plan
            for b in builds:
                n += 1
                label = f"build {n}"
                gross = _gross_kg(b.weight_g, b.tare_kg)
                loads.append(placement.UldLoad(label, uld_type.deck, gross, b.dg))
                rows[label] = PlanRow(label, b.uld_type, "", gross, b.dg, "build", b.bags, hub)
    if not loads:
        return plan
    # the type's payload, as the hub's loading step counts it (loading.load_uld_onto_flight):
    # the balance envelope's zero-fuel weight alone allows more on every type
    payload = sum(u.gross_kg for u in loads)
    if payload > flight.aircraft_type.max_payload_kg:
        plan.error = _("The ULDs weigh %(kg)s kg; a %(aircraft)s carries %(max)s kg.") % {
            "kg": number_format(payload, 0, force_grouping=True),
            "aircraft": ac.code,
            "max": number_format(flight.aircraft_type.max_payload_kg, 0, force_grouping=True),
        }
        return plan
    placed = _placed(ac, loads)
    if isinstance(placed, tuple):
        plan.error = _message(Problem(placed[0]), placed[1])
        return plan
    plan.rows = sorted(
        (replace(r, position=placed.positions[r.label]) for r in rows.values()),
        key=lambda r: _natural(r.position),
    )
    plan.zfw_kg = placed.zfw_kg
    plan.cg_pct = placed.cg_pct
    plan.fwd_pct = placed.fwd_pct
    plan.aft_pct = placed.aft_pct
    plan.target_pct = placed.target_pct
    plan.optimal = placed.optimal
    plan.picture = envelope_picture(ac, placed.zfw_kg, placed.cg_pct, placed.target_pct)
    return plan
