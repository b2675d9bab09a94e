"""Reads: the flash deals live now (by variant, for prices and pages) and those ending soonest
in a buyer's country (the storefront's "deals ending soon")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from caravana import selects
from caravana.catalog import landed
from caravana.catalog.models import ListingPrice
from caravana.pricing import quoting
from caravana.pricing.engine import Quote, QuoteError
from caravana.promotions.models import FlashDeal, FreeShipping


def live(now: dt.datetime | None = None):
    """Deals whose window is open and with units left."""
    now = now or timezone.now()
    return FlashDeal.objects.filter(starts_at__lte=now, ends_at__gt=now, remaining__gt=0)


def live_deals(variant_ids, now: dt.datetime | None = None) -> dict[int, FlashDeal]:
    """The live deal of each variant (the one ending first if a merchant set two): `live`'s
    condition as one statement built once per count of ids (caravana.selects), as checkout
    asks it on every order."""
    ids = list(variant_ids)
    if not ids:
        return {}
    at = connection.ops.adapt_datetimefield_value(now or timezone.now())
    where = (
        "{variant_id} IN (" + ", ".join(["%s"] * len(ids)) + ") "
        "AND {starts_at} <= %s AND {ends_at} > %s AND {remaining} > 0"
    )
    # Latest end first: the deal ending first is read last and kept, as before.
    found = selects.fetch(FlashDeal, where, [*ids, at, at], tail=_NEWEST_LAST)
    return {deal.variant_id: deal for deal in found}


_NEWEST_LAST = "ORDER BY t0.ends_at DESC, t0.id DESC"


def live_by_product(product_ids, now: dt.datetime | None = None) -> dict[int, FlashDeal]:
    """One live deal per product, the one ending first (as the product page's deal box picks
    it), with its variant and product loaded for pricing: one query for a page of cards."""
    ids = list(product_ids)
    if not ids:
        return {}
    out: dict[int, FlashDeal] = {}
    found = live(now).filter(variant__product_id__in=ids).order_by("-ends_at", "-id")
    for deal in found.select_related("variant", "variant__product"):
        out[deal.variant.product_id] = deal
    return out


def ending_soon(country: str, limit: int = 6, now: dt.datetime | None = None) -> list[FlashDeal]:
    """Live deals on active products that can be delivered to `country` (they have a landed
    price there), ending soonest first."""
    # Probed per live deal on (product, country), the listing price's unique key: an IN over
    # the country's listing prices made SQLite read all of them (2.1 s a home page at
    # 1,000,000 products) for a handful of deals.
    shipped = ListingPrice.objects.filter(
        product_id=OuterRef("variant__product_id"),
        country=country,
        amount__isnull=False,
        is_active=True,
    )
    return list(
        live(now)
        .filter(Exists(shipped), variant__product__is_active=True)
        .select_related("variant", "variant__product")
        .order_by("ends_at", "id")[:limit]
    )


def deal_quote(deal: FlashDeal, country: str) -> Quote | None:
    """One unit at the deal's price landed in `country` (the product page's deal figure), or
    None when it cannot be quoted there: duties follow the price paid (docs/quotes.md)."""
    variant = deal.variant
    hs = variant.product.hs_code
    request = landed.request_for(variant, hs, country)
    request = replace(request, lines=(landed.line_for(variant, hs, 1, deal.price),))
    try:
        quote = quoting.quote(request)
    except QuoteError:
        return None
    return quote if quote.ok else None


@dataclass(frozen=True)
class DealPrice:
    """What every page shows for a product under a live deal: one unit of the deal's variant
    landed in the buyer's country at the deal's price (`amount`, what the checkout charges for
    it) and at the variant's own price (`was`, struck through; None when that cannot be
    quoted), in `currency`, the buyer's."""

    deal: FlashDeal
    amount: Decimal
    was: Decimal | None
    currency: str


def deal_price(deal: FlashDeal, country: str) -> DealPrice | None:
    """The one function the deal box, the sticky buy bar, the cards and "deals ending soon"
    price a deal with; None when the deal cannot be quoted in `country` (they show the normal
    price only). The quotes are the engine's over books and FX rates held in memory
    (pricing.quoting): no query once they are warm, so a page of cards costs none per card."""
    quote = deal_quote(deal, country)
    if quote is None or quote.collect_at_checkout is None:
        return None
    variant = deal.variant
    normal = landed.quote_one(variant, variant.product.hs_code, country)
    was = normal.collect_at_checkout if normal is not None and normal.ok else None
    return DealPrice(deal, quote.collect_at_checkout, was, quote.currency)


def deal_prices(product_ids, country: str, now: dt.datetime | None = None) -> dict[int, DealPrice]:
    """Each product's live deal priced in `country` (deal_price), by product id; products whose
    deal cannot be quoted there are left out. One query."""
    out: dict[int, DealPrice] = {}
    for pk, deal in live_by_product(product_ids, now).items():
        priced = deal_price(deal, country)
        if priced is not None:
            out[pk] = priced
    return out


def free_shipping_by_merchant(merchant_ids) -> dict[int, FreeShipping]:
    """Each merchant's active free-shipping offer (for a card's "free shipping over …")."""
    ids = sorted(set(merchant_ids))
    if not ids:
        return {}
    where = "{merchant_id} IN (" + ", ".join(["%s"] * len(ids)) + ") AND {is_active}"
    return {f.merchant_id: f for f in selects.fetch(FreeShipping, where, ids)}
