"""An aircraft type's room for parcels: the m³ of bags the hub can build into ULDs and load onto
its positions, which is less than its hold volume (a 747-400F's 736 m³ is the hold's; its
balance table takes 27 full pallets of parcels, not 30). The flight planner books a freighter
to this figure and the twin sizes its charters by it, so neither plans a load the hub cannot
put on board."""

from __future__ import annotations

import math
from functools import cache

from caravana.codes import uld as uld_codes
from caravana.loadplan import aircraft as balance

#: Parcels' density, 120–170 kg/m³ (light poly mailers): network-twin.md §1 defaults from [18].
#: A ULD full of the densest weighs the most, of the lightest the least; a type's room is what
#: it takes at both.
PARCEL_DENSITY_KG_M3 = (120.0, 170.0)
#: The ULD the hub builds for each deck (fulfillment: pallets on the main deck, containers on
#: the lower).
DECK_ULD = {"main": "PMC", "lower": "AKE"}


def ulds_per_deck(code: str) -> dict[str, int]:
    """Full ULDs of parcels each deck of the type takes at every density of parcels, placed by
    the hub's rule (the next free position within its own and its zones' limits)."""
    ac = balance.aircraft(code)
    if ac is None:
        return {}
    taken = {}
    for deck in sorted({p.deck for p in ac.positions}):
        uld = uld_codes.TYPES[DECK_ULD[deck]]
        m3 = uld.usable_m3 or 0.0
        taken[deck] = min(
            ac.ulds_taken(deck, min(m3 * rho, uld.max_gross_kg) + uld.tare_kg)
            for rho in PARCEL_DENSITY_KG_M3
        )
    return taken


@cache
def parcel_m3(code: str) -> float | None:
    """The type's room for parcels in whole m³, or None without balance data (the caller falls
    back to the hold's volume). Each deck counts one ULD fewer than it takes: the hub closes a
    ULD when the next bag does not fit, so a load spreads over up to one ULD more than its m³
    fill, and one is left for the last, partial one (20,000 random loads of 26 full pallets and a
    partial all fitted a 747-400F: docs/twin.md)."""
    taken = ulds_per_deck(code)
    if not taken:
        return None
    m3 = sum(
        max(n - 1, 0) * (uld_codes.TYPES[DECK_ULD[deck]].usable_m3 or 0.0)
        for deck, n in taken.items()
    )
    return float(math.floor(m3))
