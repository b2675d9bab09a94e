"""What a coupon takes off a basket, and how a platform coupon is shared among parcels: plain
arithmetic on Decimals (no Django), rounded to the buyer currency's minor unit (none for CLP)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from caravana.money import minor_unit, round_money

CENT = Decimal("0.01")
ZERO = Decimal(0)


def coupon_amount(kind: str, value: Decimal, goods: Decimal, currency: str) -> Decimal:
    """The coupon's discount on `goods` (buyer currency): a percentage of them, or a fixed
    amount; never more than the goods themselves (shipping and taxes are not discounted)."""
    if goods <= ZERO:
        return ZERO
    if kind == "percent":
        off = round_money(goods * value / 100, currency)
    else:
        off = round_money(value, currency)
    return max(min(off, goods), ZERO)


def share(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """`amount` shared in proportion to `weights` (each parcel's goods) in the currency's minor
    units, summing to `amount` exactly and never negative: each share is floored, and the units
    left over go one each to the largest remainders (ties to the later parcel)."""
    total = sum(weights, ZERO)
    if total <= ZERO or not weights or amount <= ZERO:
        return [ZERO for _w in weights]
    unit = Decimal(1).scaleb(-minor_unit(currency))
    units = int(round_money(amount, currency) / unit)
    exact = [Decimal(units) * max(w, ZERO) / total for w in weights]
    floors = [int(x.to_integral_value(ROUND_FLOOR)) for x in exact]
    order = sorted(range(len(weights)), key=lambda k: (exact[k] - floors[k], k), reverse=True)
    for k in order[: units - sum(floors)]:
        floors[k] += 1
    return [Decimal(n) * unit for n in floors]


def scaled_price(price: Decimal, factor: Decimal) -> Decimal:
    """A unit price lowered by a merchant's coupon (factor = share kept, 0..1), in cents and at
    least one cent: the price actually paid, on which duties are computed."""
    return max((price * factor).quantize(CENT, ROUND_HALF_UP), CENT)
