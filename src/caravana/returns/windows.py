"""An order's return window: the country's law (CountryReturnRule) or the merchant's longer
promise (MerchantReturnPolicy), counted from the day the parcel was delivered in the buyer's
zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from caravana import markets
from caravana.orders.models import Order
from caravana.returns import rules
from caravana.returns.models import CountryReturnRule, MerchantReturnPolicy


@dataclass(frozen=True)
class Window:
    delivered_on: dt.date
    ends_on: dt.date
    days: int
    business_days: bool
    by_merchant: bool  # the merchant's promise is longer than the law

    def open_on(self, day: dt.date) -> bool:
        return self.delivered_on <= day <= self.ends_on


def _zone(country: str) -> dt.tzinfo:
    market = markets.get(country)
    return market.zone if market is not None else dt.UTC


def delivered_on(order: Order) -> dt.date | None:
    if order.delivered_at is None:
        return None
    return order.delivered_at.astimezone(_zone(order.country)).date()


def today_in(country: str) -> dt.date:
    """Today where the buyer is: a window's last day is the buyer's whole day."""
    return timezone.now().astimezone(_zone(country)).date()


def window_for(order: Order) -> Window | None:
    """None for an order never delivered, or a country without a rule."""
    day = delivered_on(order)
    rule = CountryReturnRule.objects.filter(country=order.country).first()
    if day is None or rule is None:
        return None
    law = rules.window_ends(day, rule.window_days, business_days=rule.business_days)
    policy = MerchantReturnPolicy.objects.filter(merchant_id=order.merchant_id).first()
    if policy is not None:
        promised = rules.window_ends(day, policy.window_days, business_days=False)
        if promised > law:
            return Window(day, promised, policy.window_days, False, True)
    return Window(day, law, rule.window_days, rule.business_days, False)
