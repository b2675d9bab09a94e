"""The product page's (and cart's) "local stock, fast delivery" offer: returned items a returns
point of the buyer's country holds and their merchant chose to resell (returns.services.
local_stock). Already imported, so no duties; delivered by the country's last-mile carrier, no
flight, with its own promise (returns.local_orders). Bought through checkout (?local=<id>).
Shown where settings.LOCAL_STOCK_OFFERS is on (the default)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from caravana.markets import Market
from caravana.money import Money
from caravana.network.promise import Window
from caravana.returns import local_orders
from caravana.returns import services as returns
from caravana.returns.models import HeldItem
from caravana.storefront import delivery


def shown_promise(country: Market, promise: Any) -> delivery.ShownPromise | None:
    """The local promise worded for the buyer ("Arrives 4 – 7 Dec")."""
    if not promise:
        return None
    return delivery.shown(Window(*promise), country, "local")


def point_postcode(held_id: int) -> str:
    """The point's own postcode: the carrier quoted before the buyer gives theirs."""
    found = HeldItem.objects.filter(pk=held_id).values_list("point__postal_code", flat=True)
    return found.first() or ""


def offers(variants: Sequence[Any], country: Any, locale: str) -> list[dict[str, Any]]:
    """At most three offers, cheapest first, each with its delivery cost when the carrier's
    prices are known (None otherwise: never guessed, and then it cannot be bought)."""
    if not getattr(settings, "LOCAL_STOCK_OFFERS", False) or not variants:
        return []
    labels = {v.pk: v.options_label or v.sku for v in variants}
    promise = shown_promise(country, local_orders.promise(country.code))
    out = []
    for item in returns.local_stock([v.pk for v in variants], country.code)[:3]:
        delivery_cost = returns.costs_of(item).resell_per_unit
        out.append(
            {
                "item": item,
                "option": labels.get(item.variant_id, item.sku),
                "price": Money(item.local_price, country.currency).format(locale),
                "delivery": Money(delivery_cost, country.currency).format(locale)
                if delivery_cost is not None
                else None,
                "available": item.available,
                "condition": item.get_condition_display(),
                "promise": promise,
            }  # fmt: skip
        )
    return out
