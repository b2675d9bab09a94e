"""An aircraft type's room for parcels: the m³ of bags the hub's load plan builds into ULDs and
places on the type's positions, which is less than its hold volume (a 747-400F's 736 m³ is the
hold's; its balance table takes 27 pallets full of parcels, not 30, and a pallet holds 16.8 m³
of soft bags, not its 21 m³ box). The flight planner books a freighter to this figure and the
twin sizes its charters by it, so that neither plans a load the hub's load plan cannot put on
board."""

from __future__ import annotations

import math
from functools import cache

from caravana.codes import uld as uld_codes
from caravana.loadplan import aircraft as balance
from caravana.loadplan import packing

#: Parcels' density, 120–170 kg/m³ (light poly mailers): network-twin.md §1 defaults from [18].
#: A ULD full of the densest weighs the most, of the lightest the least; a type's room is what
#: it takes at both.
PARCEL_DENSITY_KG_M3 = (120.0, 170.0)
#: Their mean (uniform between the two): 145 kg/m³, what a charter of parcels is sized at.
MEAN_PARCEL_DENSITY_KG_M3 = sum(PARCEL_DENSITY_KG_M3) / 2
#: What the hub's load plan builds loose bags into, by the deck it builds for: pallets on a
#: main deck, containers on a type with only a lower deck (fulfillment/services/load_plans.py).
BUILT_ON = {"main": "PMC", "lower": "AKE"}


#: ULDs of a deck kept back from full ones: the load plan packs bags first-fit (its last ULD of
#: general cargo is part-full) and battery bags apart (a second part-full ULD).
KEPT_BACK = 2


def build_deck(ac: balance.Aircraft) -> str:
    """The deck a type's loose bags are built for: its main deck if it has one."""
    return "main" if any(p.deck == "main" for p in ac.positions) else "lower"


def deck_of(code: str) -> str | None:
    """The deck a type's loose bags are built for, or None without balance data."""
    ac = balance.aircraft(code)
    return None if ac is None else build_deck(ac)


def bag_room_cm3(facts: uld_codes.UldType) -> int | None:
    """The cm³ of bags a ULD of the type takes as the load plan builds it: a container's stated
    volume, a pallet's usable base to its height less the main-deck contour's corners, both
    times the share soft bags fill (loadplan/packing.py: both assumptions); None when the
    type's height is unknown."""
    if facts.volume_m3 is not None:
        return int(facts.volume_m3 * 1_000_000 * packing.STACKING)
    if facts.height_cm is None:
        return None
    length, width = facts.usable_base_cm or facts.base_cm
    return packing.contoured_volume_cm3(
        length, width, facts.height_cm, packing.MAIN_DECK_CORNER_CUT_CM
    )


def _built(ac: balance.Aircraft) -> tuple[str, uld_codes.UldType, float]:
    """The deck the load plan builds on, its ULD type and that ULD's m³ of bags."""
    deck = build_deck(ac)
    facts = uld_codes.TYPES[BUILT_ON[deck]]
    return deck, facts, (bag_room_cm3(facts) or 0) / 1_000_000


def ulds_taken(code: str, positions: int | None = None) -> int:
    """Full ULDs of parcels the type's build deck takes at every density of parcels, placed by
    the hub's rule (the next free position within its own and its zones' limits), on its first
    `positions` positions of that deck (all by default); 0 without balance data."""
    ac = balance.aircraft(code)
    if ac is None:
        return 0
    deck, facts, m3 = _built(ac)
    names = [p.name for p in ac.positions if p.deck == deck][:positions]
    heaviest = max(p.max_kg for p in ac.positions if p.deck == deck)
    return min(
        ac.ulds_taken(names, min(m3 * rho + facts.tare_kg, facts.max_gross_kg, heaviest))
        for rho in PARCEL_DENSITY_KG_M3
    )


@cache
def parcel_m3(code: str, positions: int | None = None, hubs: int = 1) -> float | None:
    """The type's room for parcels in whole m³, or None without balance data (the caller falls
    back to the hold's volume): KEPT_BACK ULDs fewer than its deck takes full, so that the last
    part-full ULD of general cargo and one of battery bags (packed apart) still find a
    position. Each of the `hubs` that build for the flight's airport (a feeder builds its own
    bags and trucks them over: decision 0046) has its own two part-full ULDs, so the full ones
    also leave KEPT_BACK positions a hub: a 777F's 27 positions take 23 full pallets and two
    hubs' four part-full ones, not 25 (a 747-400F's 30 take 25 and four)."""
    ac = balance.aircraft(code)
    if ac is None:
        return None
    deck, _facts, m3 = _built(ac)
    on_deck = len([p for p in ac.positions if p.deck == deck][:positions])
    full = min(ulds_taken(code, positions) - KEPT_BACK, on_deck - KEPT_BACK * max(hubs, 1))
    return float(math.floor(max(full, 0) * m3))
