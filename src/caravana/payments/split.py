"""How an order's money is shared out at release when promotions paid part of it and refunds
gave part of it back (decision 0026, "Refunds and who funded the discount"). Pure, no Django:
`ledger.release_split` and `returns.refunding` feed it the order's figures.

The buyer paid three components: the goods less the platform's coupon (`goods − platform`),
the shipping less the merchant's free shipping (`shipping − merchant`), and the duties and
taxes. A refund gives back buyer money per component (`Parts`); a refund known only as a sum
(a dispute, a lost parcel, a late delivery) comes off the goods, then the shipping, then the
duties (`allocate`). Each funder's discount is reversed in the share of the goods the refund gave
back: the platform's coupon because it was a discount on those goods, the merchant's free
shipping because it was granted on the basket the goods made up. What is left is shared as if
the buyer and the funders had paid it all into escrow, so nobody pays for what came back and
nobody pays more than they funded; a merchant coupon is already in the goods' price and shrinks
with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Charges:
    """An order's figures as checkout wrote them (`duties` = duties + taxes; `total` is what the
    buyer paid: goods + shipping + duties − platform − merchant)."""

    goods: Decimal
    shipping: Decimal
    duties: Decimal
    platform: Decimal  # a platform coupon: the platform's cost
    merchant: Decimal  # free shipping: the merchant's cost (its coupon is in `goods`)

    @property
    def paid_goods(self) -> Decimal:
        return max(self.goods - self.platform, ZERO)

    @property
    def paid_shipping(self) -> Decimal:
        return max(self.shipping - self.merchant, ZERO)

    @property
    def total(self) -> Decimal:
        return self.paid_goods + self.paid_shipping + self.duties


@dataclass(frozen=True)
class Parts:
    """Buyer money given back, per component."""

    goods: Decimal = ZERO
    shipping: Decimal = ZERO
    duties: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.goods + self.shipping + self.duties

    def as_tuple(self) -> tuple[Decimal, Decimal, Decimal]:
        return (self.goods, self.shipping, self.duties)

    def __add__(self, other: Parts) -> Parts:
        return Parts(
            self.goods + other.goods, self.shipping + other.shipping, self.duties + other.duties
        )


def allocate(charges: Charges, known: Parts, amount: Decimal) -> Parts:
    """All refunded so far: `known` (refunds that said what they gave back, each part capped at
    what the buyer paid for it) plus `amount − known.total` from refunds known only as a sum,
    off the goods first, then the shipping, then the duties."""
    caps = (charges.paid_goods, charges.paid_shipping, charges.duties)
    have = [min(max(k, ZERO), cap) for k, cap in zip(known.as_tuple(), caps, strict=True)]
    rest = max(amount - sum(have, ZERO), ZERO)
    for i, cap in enumerate(caps):
        take = min(cap - have[i], rest)
        have[i] += take
        rest -= take
    return Parts(*have)


def _round(amount: Decimal, exp: Decimal) -> Decimal:
    return amount.quantize(exp, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Split:
    """Where the money goes: held + platform = merchant + commission + shipping + duties, where
    `platform` is what the platform still bears (Dr coupons): its coupon on the goods kept and
    any free shipping the merchant's goods could not cover."""

    merchant: Decimal
    commission: Decimal
    shipping: Decimal
    duties: Decimal
    coupon: Decimal  # the platform's coupon on the goods kept
    free_shipping: Decimal  # the merchant's free shipping on the goods kept
    merchant_funding: Decimal  # of which the merchant's goods pay (the platform the rest)
    goods_kept: Decimal  # the goods' value the merchant keeps (at the price on the invoice)

    @property
    def platform(self) -> Decimal:
        """What the platform still pays (Dr coupons)."""
        return self.coupon + self.free_shipping - self.merchant_funding

    @property
    def held(self) -> Decimal:
        return self.merchant + self.commission + self.shipping + self.duties - self.platform


def split(charges: Charges, refunded: Parts, rate: Decimal, exp: Decimal) -> Split:
    """Share out what is left of an order after the buyer was given back `refunded` (as
    `allocate` returns it), at commission `rate`, rounded to `exp` (the currency's minor unit).

    The share of the goods given back is `refunded.goods / paid_goods`; when the buyer paid
    nothing for the goods (a coupon of 100 %) the share of everything the buyer paid stands in.
    Each funder's discount shrinks by that share (its reversal rounded half-up). Commission is on
    the goods the merchant keeps after its free shipping."""
    if charges.paid_goods > ZERO:
        share = min(refunded.goods / charges.paid_goods, Decimal(1))
    elif charges.total > ZERO:
        share = min(refunded.total / charges.total, Decimal(1))
    else:
        share = ZERO
    platform_back = min(_round(charges.platform * share, exp), charges.platform)
    merchant_back = min(_round(charges.merchant * share, exp), charges.merchant)
    platform = charges.platform - platform_back
    funding = charges.merchant - merchant_back
    goods = max(charges.goods - refunded.goods - platform_back, ZERO)
    shipping = charges.shipping - refunded.shipping - merchant_back
    by_merchant = min(funding, goods)  # never more than the goods it keeps: the platform the rest
    kept = goods - by_merchant
    commission = min(_round(kept * rate, exp), kept)
    return Split(
        merchant=kept - commission,
        commission=commission,
        shipping=shipping,
        duties=charges.duties - refunded.duties,
        coupon=platform,
        free_shipping=funding,
        merchant_funding=by_merchant,
        goods_kept=goods,
    )


def fit(parts: Parts, amount: Decimal) -> Parts:
    """`parts` made to sum to `amount` (a refund capped by what is left to refund or held):
    the goods first, then the shipping, then the duties keep theirs; anything over the parts
    counts as goods."""
    have = []
    rest = amount
    for part in parts.as_tuple():
        take = min(max(part, ZERO), max(rest, ZERO))
        have.append(take)
        rest -= take
    have[0] += max(rest, ZERO)
    return Parts(*have)
