"""``{% deals_ending_soon as deals %}``: the flash deals in the buyer's country ending soonest
(promotions.queries.ending_soon), each at its landed price in the buyer's country (shipping,
duties and taxes in, as every other price on the page; promotions.queries.deal_price, as the
product page's deal box), for the home page's "deals ending soon"
(storefront/_deals_ending_soon.html). A deal that cannot be quoted there is left out. A tag
rather than view context, so any page can include the partial with one line."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from caravana.money import Money
from caravana.promotions import queries
from caravana.storefront.prices import PriceBook
from caravana.storefront.urls_cache import product_url

register = template.Library()


@register.simple_tag(takes_context=True)
def deals_ending_soon(context: template.Context, limit: int = 6) -> list[dict[str, Any]]:
    request = context.get("request")
    country = getattr(request, "country", None)
    if country is None:
        return []
    lang = get_language() or "en"
    book = PriceBook(country, lang)
    rows = []
    for d in queries.ending_soon(country.code, limit):
        priced = queries.deal_price(d, country.code)
        if priced is None:
            continue
        rows.append(
            {
                "url": product_url(d.variant.product_id),
                "title": d.variant.product.title(lang),
                "options": d.variant.options_label,
                "price": Money(priced.amount, priced.currency).format(book.locale),
                "was": ""
                if priced.was is None
                else Money(priced.was, priced.currency).format(book.locale),
                "left": d.remaining,
                "ends_iso": d.ends_at.isoformat(),
                "ends_at": d.ends_at,
            }
        )
    return rows
