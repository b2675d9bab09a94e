"""Wishlist API: the signed-in buyer's saved products (a token with the orders scope, or the
session with CSRF), each at its landed price in the buyer's country (the figure its card shows:
catalog.landed, or a live flash deal's landed price through promotions.queries.deal_price);
add and remove are idempotent and hold to the web's cap (shelves.services.WISHLIST_MAX).
Staff accounts do not shop: 403. Every write is a shelves service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from caravana import markets
from caravana.access.auth import token_or_session
from caravana.api.types import Id
from caravana.catalog import landed, queries
from caravana.errors import field_error
from caravana.promotions import queries as promotion_queries
from caravana.shelves import services
from caravana.shelves.error_codes import ShelvesErrorCode as E

router = Router(tags=["wishlist"], auth=token_or_session("orders"))


class DealOut(Schema):
    price: Decimal = Field(..., description="One unit landed at the deal's price")
    was: Decimal | None = Field(..., description="The same unit landed at its own price")
    ends_at: dt.datetime


class WishOut(Schema):
    product_id: int
    title: str
    price: Decimal | None = Field(
        ..., description="Landed (shipping, duties, taxes in) in `currency`; null: not delivered"
    )
    currency: str
    deal: DealOut | None = Field(..., description="A live flash deal's price, which applies")


class WishlistOut(Schema):
    country: str
    count: int
    max: int = Field(..., description="The most products a wishlist holds")
    items: list[WishOut]


class CountryQuery(Schema):
    country: str | None = Field(
        None, description="BR, MX, CL, CO, PE or AR; default: the buyer's chosen country"
    )


class WishIn(Schema):
    product_id: Id


def _buyer(request: HttpRequest) -> None:
    if request.user.role != "buyer":
        raise HttpError(403, _("Only buyers have a wishlist."))


def _market(request: HttpRequest, code: str | None) -> markets.Market:
    if code is None:
        chosen = getattr(request, "country", None)
        if chosen is not None:
            return chosen
        code = "BR"
    market = markets.get(code.upper())
    if market is None:
        codes = ", ".join(markets.codes())
        raise field_error("country", _("Give one of: %(o)s.") % {"o": codes}, E.COUNTRY)
    return market


def _listing(request: HttpRequest, market: markets.Market) -> dict:
    lang = (request.LANGUAGE_CODE or "en") if hasattr(request, "LANGUAGE_CODE") else "en"
    products = queries.products_for_cards(services.wishlist_ids(request.user))
    prices = landed.for_cards(products, market.code, market.currency)
    deals = promotion_queries.deal_prices([p.pk for p in products], market.code)
    items = []
    for p in products:
        d = deals.get(p.pk)
        items.append(
            {
                "product_id": p.pk,
                "title": p.title(lang),
                "price": prices[p.pk].amount,
                "currency": market.currency,
                "deal": {"price": d.amount, "was": d.was, "ends_at": d.deal.ends_at} if d else None,
            }
        )
    return {
        "country": market.code,
        "count": len(items),
        "max": services.WISHLIST_MAX,
        "items": items,
    }


@router.get("/wishlist", response=WishlistOut)
def wishlist(request: HttpRequest, q: Query[CountryQuery]):
    """The buyer's saved products, newest first, at their landed prices in `country`."""
    _buyer(request)
    return _listing(request, _market(request, q.country))


@router.post("/wishlist", response={200: WishlistOut, 201: WishlistOut})
def add(request: HttpRequest, payload: WishIn, q: Query[CountryQuery]):
    """Save a product: 201 when added, 200 when it was saved already (nothing changes)."""
    _buyer(request)
    market = _market(request, q.country)
    already = bool(services.wished_among(request.user, [payload.product_id]))
    try:
        added = already or services.add_to_wishlist(request.user, payload.product_id)
    except ValidationError as exc:  # full: the service names "product", the body "product_id"
        raise field_error("product_id", exc.messages, E.WISHLIST_FULL) from exc
    if not added:
        raise field_error(
            "product_id", _("There is no product on sale with this id."), E.PRODUCT_UNAVAILABLE
        )
    return Status(200 if already else 201, _listing(request, market))


@router.delete("/wishlist/{int:product_id}", response={204: None})
def remove(request: HttpRequest, product_id: int):
    """Remove a product; removing one not saved is not an error (204 all the same)."""
    _buyer(request)
    services.remove_from_wishlist(request.user, product_id)
    return Status(204, None)
