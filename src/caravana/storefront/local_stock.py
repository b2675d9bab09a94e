"""The product page's "local stock, fast delivery" offer: returned items a returns point of the
buyer's country holds and their merchant chose to resell (returns.services.local_stock). Already
imported, so no duties; delivered by the point's last-mile carrier, no flight. Shown only where
settings.LOCAL_STOCK_OFFERS is on: buying it through checkout is not built yet (docs/returns.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from caravana.money import Money
from caravana.returns import services as returns


def offers(variants: Sequence[Any], country: Any, locale: str) -> list[dict[str, Any]]:
    """At most three offers, cheapest first, each with its delivery cost when the carrier's
    prices are known (None otherwise: never guessed)."""
    if not getattr(settings, "LOCAL_STOCK_OFFERS", False) or not variants:
        return []
    labels = {v.pk: v.options_label or v.sku for v in variants}
    out = []
    for item in returns.local_stock([v.pk for v in variants], country.code)[:3]:
        delivery = returns.costs_of(item).resell_per_unit
        out.append(
            {
                "item": item,
                "option": labels.get(item.variant_id, item.sku),
                "price": Money(item.local_price, country.currency).format(locale),
                "delivery": Money(delivery, country.currency).format(locale)
                if delivery is not None
                else None,
                "available": item.available,
                "condition": item.get_condition_display(),
            }  # fmt: skip
        )
    return out
