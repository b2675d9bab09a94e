"""Promotions API: a merchant's own coupons (a token with the catalog scope; another
merchant's coupon answers 404), and a buyer's check of a coupon against their cart (a token
with the orders scope, or the session with CSRF). Every write is a promotions service; the
checkout (POST /checkout, field `coupon`) redeems it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from ninja.security import django_auth

from caravana.access.auth import MerchantAuth, TokenAuth
from caravana.api.pagination import Pagination
from caravana.api.types import Id
from caravana.catalog.landed import default_state
from caravana.orders import carts, placement
from caravana.orders.models import Cart
from caravana.promotions import basket, services
from caravana.promotions.models import Coupon

router = Router(tags=["promotions"])
merchant_router = Router(tags=["promotions"], auth=MerchantAuth(scope="catalog"))


class CouponIn(Schema):
    code: str = Field(..., description="1 to 32 letters, digits, - or _; stored in capitals")
    country: str = Field(..., description="The buyers' country (BR, MX, CL, CO, PE, AR)")
    kind: str = Field(..., description="percent or fixed")
    value: Decimal = Field(
        ..., description="1-90 (percent), or an amount in the country's currency"
    )
    min_basket: Decimal = Decimal(0)
    max_uses: int | None = Field(None, description="Total uses; null for no limit")
    per_buyer: int = 1
    starts_at: dt.datetime
    ends_at: dt.datetime
    is_active: bool = True


class CouponOut(Schema):
    id: int
    code: str
    country: str
    currency: str
    kind: str
    value: Decimal
    min_basket: Decimal
    max_uses: int | None
    per_buyer: int
    used: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    is_active: bool
    funding: str = Field(..., description="merchant (your coupons) or platform")


class ValidateIn(Schema):
    code: str
    country: str = Field(..., description="The buyer's country")
    service_level: str = "standard"


class ValidateOut(Schema):
    valid: bool
    discount: Decimal | None = None
    currency: str | None = None
    funding: str | None = None
    errors: dict[str, list[str]] | None = None


def _own(request: HttpRequest, coupon_id: int) -> Coupon:
    return get_object_or_404(Coupon, pk=coupon_id, merchant=request.merchant)


@merchant_router.get("/merchant/coupons", response=list[CouponOut])
@paginate(Pagination, page_size=50)
def list_coupons(request: HttpRequest):
    """The merchant's coupons, newest first."""
    return Coupon.objects.filter(merchant=request.merchant).order_by("-created_at", "-id")


@merchant_router.post("/merchant/coupons", response={201: CouponOut})
def create_coupon(request: HttpRequest, payload: CouponIn) -> Any:
    """A coupon the merchant pays (it comes off its share of the order)."""
    return Status(201, services.save_coupon(payload.dict(), merchant=request.merchant))


@merchant_router.get("/merchant/coupons/{int:coupon_id}", response=CouponOut)
def get_coupon(request: HttpRequest, coupon_id: Id) -> Coupon:
    return _own(request, coupon_id)


@merchant_router.put("/merchant/coupons/{int:coupon_id}", response=CouponOut)
def update_coupon(request: HttpRequest, coupon_id: Id, payload: CouponIn) -> Coupon:
    """Change a coupon; one already used keeps its kind and value."""
    return services.save_coupon(
        payload.dict(), merchant=request.merchant, coupon=_own(request, coupon_id)
    )


@merchant_router.delete("/merchant/coupons/{int:coupon_id}", response={204: None})
def delete_coupon(request: HttpRequest, coupon_id: Id) -> Any:
    """Delete an unused coupon; a used one is switched off (its redemptions stay)."""
    services.delete_coupon(_own(request, coupon_id))
    return Status(204, None)


@router.post(
    "/coupons/validate", response=ValidateOut, auth=[TokenAuth(scope="orders"), django_auth]
)
def validate_coupon(request: HttpRequest, payload: ValidateIn) -> dict:
    """Whether a coupon applies to the buyer's cart now, and its discount: nothing is
    redeemed (the checkout does that, in its transaction)."""
    cart = Cart.objects.filter(user=request.user).first()
    items = [(v, q) for v, q, _id in carts.cart_items(cart)] if cart else []
    country = payload.country.upper()
    parcels = placement.quote_parcels(
        items, country, payload.service_level, state=default_state(country),
        prices=basket.deal_prices(items),
    )  # fmt: skip
    if not items or not all(p.quote and p.quote.ok for p in parcels):
        return {"valid": False, "errors": {"cart": [_("The cart cannot be priced.")]}}
    return basket.check(
        payload.code, country, request.user, parcels, payload.service_level,
        state=default_state(country),
    )  # fmt: skip


router.add_router("", merchant_router)
