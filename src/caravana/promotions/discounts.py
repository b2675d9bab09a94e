"""What a coupon takes off a basket, and how a platform coupon is shared among parcels: plain
arithmetic on Decimals (no Django), rounded to the buyer currency's cents."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)


def coupon_amount(kind: str, value: Decimal, goods: Decimal) -> Decimal:
    """The coupon's discount on `goods` (buyer currency): a percentage of them, or a fixed
    amount; never more than the goods themselves (shipping and taxes are not discounted)."""
    if goods <= ZERO:
        return ZERO
    if kind == "percent":
        off = (goods * value / 100).quantize(CENT, ROUND_HALF_UP)
    else:
        off = value.quantize(CENT, ROUND_HALF_UP)
    return max(min(off, goods), ZERO)


def share(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`amount` shared in proportion to `weights` (each parcel's goods), in cents, summing to
    `amount` exactly: the last share takes the rounding."""
    total = sum(weights, ZERO)
    if total <= ZERO or not weights:
        return [ZERO for _w in weights]
    out = [(amount * w / total).quantize(CENT, ROUND_HALF_UP) for w in weights[:-1]]
    out.append(amount - sum(out, ZERO))
    return out


def scaled_price(price: Decimal, factor: Decimal) -> Decimal:
    """A unit price lowered by a merchant's coupon (factor = share kept, 0..1), in cents and at
    least one cent: the price actually paid, on which duties are computed."""
    return max((price * factor).quantize(CENT, ROUND_HALF_UP), CENT)
