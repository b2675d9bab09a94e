"""What a return gives back and who bears it, per reason, and when a return window ends.

Pure, no Django: plain values in, plain values out. The table is also in docs/returns.md with
its sources and rationale; a rule that changes with the law (window length, whether a country
gives duties back) is data in returns.models.CountryReturnRule, never here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)

# Reasons a buyer gives (item 6) and reasons a parcel comes back by itself (item 8).
CHANGED_MIND = "changed_mind"
NOT_AS_DESCRIBED = "not_as_described"
DAMAGED = "damaged"
UNDELIVERABLE = "undeliverable"
REFUSED = "refused"
CUSTOMS_RETURNED = "customs_returned"

BUYER_REASONS = (CHANGED_MIND, NOT_AS_DESCRIBED, DAMAGED)
PARCEL_REASONS = (UNDELIVERABLE, REFUSED, CUSTOMS_RETURNED)


@dataclass(frozen=True)
class Rule:
    """`covered`: buyer protection covers it, an operator may approve it, the refund is in full.
    `shipping`/`duties`: whether the buyer gets that share back (duties "if_reclaimed": only when
    the country gives them back, CountryReturnRule.duty_reclaim). `approver`: who says yes to a
    buyer's request ("" for parcels that come back by themselves: nothing to approve)."""

    covered: bool
    shipping: bool
    duties: str  # "always" | "if_reclaimed" | "never"
    approver: str  # "merchant" | "merchant_or_operator" | ""
    reverse_assessment: bool = False  # goods never imported: customs' assessment is undone


RULES: dict[str, Rule] = {
    # The buyer changed their mind (the withdrawal right): the goods; shipping and duties only
    # where the country's law gives back everything paid (Brazil, CountryReturnRule).
    CHANGED_MIND: Rule(covered=False, shipping=False, duties="if_reclaimed", approver="merchant"),
    NOT_AS_DESCRIBED: Rule(True, True, "always", "merchant_or_operator"),
    DAMAGED: Rule(True, True, "always", "merchant_or_operator"),
    # Delivered to nobody after the carrier's attempts, or refused at the door: the carriage was
    # done, so shipping is kept; duties come back only where the country gives them back.
    UNDELIVERABLE: Rule(False, False, "if_reclaimed", ""),
    REFUSED: Rule(False, False, "if_reclaimed", ""),
    # Customs sent it back: the goods never entered, the assessment is reversed everywhere
    # (duties.record_return), and the buyer, who received nothing, gets everything back.
    CUSTOMS_RETURNED: Rule(True, True, "always", "", reverse_assessment=True),
}


@dataclass(frozen=True)
class OrderAmounts:
    goods: Decimal
    shipping: Decimal
    duties: Decimal  # duties + taxes collected at checkout


@dataclass(frozen=True)
class Refund:
    goods: Decimal
    shipping: Decimal
    duties: Decimal

    @property
    def total(self) -> Decimal:
        return self.goods + self.shipping + self.duties


def _share(part: Decimal, whole: Decimal, amount: Decimal, exp: Decimal) -> Decimal:
    if whole <= ZERO:
        return ZERO
    return (amount * part / whole).quantize(exp, rounding=ROUND_HALF_UP)


def refund_for(
    reason: str,
    order: OrderAmounts,
    returned_goods: Decimal,
    *,
    refunds_everything: bool,
    duty_reclaim: bool,
    exp: Decimal = Decimal("0.01"),
) -> Refund:
    """The buyer's refund for returning goods worth `returned_goods` (the lines' amounts as the
    quote gave them) of `order`. Shipping and duties are shared pro rata to the goods returned.
    `refunds_everything`: the country's withdrawal law gives back all that was paid (Brazil);
    `duty_reclaim`: the country gives duties back on a return. `exp`: the currency's minor
    unit (Decimal("1") for CLP)."""
    rule = RULES[reason]
    all_goods = returned_goods >= order.goods
    shipping = rule.shipping or (reason == CHANGED_MIND and refunds_everything)
    if rule.duties == "always" or (reason == CHANGED_MIND and refunds_everything):
        duties = True
    elif rule.duties == "if_reclaimed":
        duties = duty_reclaim
    else:
        duties = False
    ship = order.shipping if all_goods else _share(returned_goods, order.goods, order.shipping, exp)
    duty = order.duties if all_goods else _share(returned_goods, order.goods, order.duties, exp)
    return Refund(
        goods=returned_goods,
        shipping=ship if shipping else ZERO,
        duties=duty if duties else ZERO,
    )


def add_business_days(start: dt.date, days: int) -> dt.date:
    """`days` business days after `start` (Monday–Friday; public holidays are not known here:
    the window is at least this long, a holiday only lengthens it)."""
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def window_ends(delivered_on: dt.date, days: int, *, business_days: bool) -> dt.date:
    """The last day a return may be asked for: `days` (calendar or business) days counted from
    the day after delivery, the way CDC art. 49 and its peers count "from receipt"."""
    if business_days:
        return add_business_days(delivered_on, days)
    return delivered_on + dt.timedelta(days=days)


def within_window(delivered_on: dt.date, today: dt.date, days: int, *, business_days: bool) -> bool:
    return delivered_on <= today <= window_ends(delivered_on, days, business_days=business_days)
