"""What the handling-information box and the manifest say about lithium batteries, per battery
kind recorded on the parcels (catalog.BatteryType). Pure data, no Django.

Sources: reference/logistics.md (IATA DGR summary: UN3481/UN3091 Section II for batteries in or
with equipment; UN3480/UN3090 standalone need Section IB, cargo aircraft only). The packing
instruction numbers (PI 966/967, PI 965) and the special handling codes ELI/RLI/CAO are from
the IATA Dangerous Goods Regulations and the IATA special handling code list as we know them:
NOT CONFIRMED against a current DGR edition (unconfirmed in docs/waybills.md). The three codes
are in the ONE Record SpecialHandlingCode list (IATA-1R-CL-Ontology.ttl 1.1.0, 2025-07 standard),
with the meanings used here: lithium ion batteries excepted from the DGR, fully regulated lithium
ion batteries, cargo aircraft only (shapes/onerecord-terms.ttl)."""

from __future__ import annotations

from collections.abc import Iterable

#: battery kind → (special handling codes, handling-information line)
LITHIUM = {
    "in_equipment": (
        ("ELI",),
        "UN3481 LITHIUM ION BATTERIES CONTAINED IN/PACKED WITH EQUIPMENT "
        "PI 966/967 SECTION II - LITHIUM BATTERY MARK",
    ),
    "standalone": (
        ("RLI", "CAO"),
        "UN3480 LITHIUM ION BATTERIES PI 965 SECTION IB - CARGO AIRCRAFT ONLY - "
        "SHIPPER'S DECLARATION ATTACHED",
    ),
}


def special_handling(batteries: Iterable[str]) -> list[str]:
    """The special handling codes for the battery kinds present, in a stable order."""
    codes: list[str] = []
    for kind in sorted(set(batteries)):
        for code in LITHIUM.get(kind, ((), ""))[0]:
            if code not in codes:
                codes.append(code)
    return codes


def handling_lines(batteries: Iterable[str]) -> list[str]:
    """The handling-information lines for the battery kinds present."""
    return [LITHIUM[k][1] for k in sorted(set(batteries)) if k in LITHIUM]
