"""What each choice for a held item costs, from the point's contract figures and its last-mile
carrier's prices (operator-set data). Pure: no Django. A figure nobody entered stays None, so
the page says "unverified: enter the contract's" rather than showing a number we made up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from caravana.money import round_money


@dataclass(frozen=True)
class Figures:
    """The point's figures, each None where no contract figure was entered."""

    currency: str
    disposal_fee: Decimal | None  # per item (one held line, whatever its units)
    consolidation_per_kg: Decimal | None
    carrier_per_parcel: Decimal | None
    carrier_per_kg: Decimal | None


@dataclass(frozen=True)
class Costs:
    """Per choice: the amount, or None when a figure it needs is unknown."""

    dispose: Decimal | None
    consolidate: Decimal | None
    resell_per_unit: Decimal | None  # the last-mile delivery of one unit to a local buyer


def of(figures: Figures, unit_weight_g: int, quantity: int) -> Costs:
    """The three costs of a held line of `quantity` units weighing `unit_weight_g` each.
    Delivery of local stock needs both carrier prices (a carrier priced only per parcel has its
    per-kg price entered as 0): one missing is unknown, not zero."""
    c = figures.currency
    kg_all = Decimal(unit_weight_g * quantity) / 1000
    kg_one = Decimal(unit_weight_g) / 1000
    consolidate = (
        None
        if figures.consolidation_per_kg is None
        else round_money(figures.consolidation_per_kg * kg_all, c)
    )
    resell = (
        None
        if figures.carrier_per_parcel is None or figures.carrier_per_kg is None
        else round_money(figures.carrier_per_parcel + figures.carrier_per_kg * kg_one, c)
    )
    dispose = None if figures.disposal_fee is None else round_money(figures.disposal_fee, c)
    return Costs(dispose=dispose, consolidate=consolidate, resell_per_unit=resell)
