"""Orders API: the buyer's cart, orders, receipt and disputes (checkout and buyer protection,
which move money, are caravana.checkout.api). Thin: every write is an orders service. Auth: a
bearer token or the session (with CSRF)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from caravana.access.auth import token_or_session
from caravana.access.objects import owned, owned_or_404
from caravana.api.pagination import Pagination
from caravana.api.types import Id
from caravana.orders import carts, disputes, lifecycle
from caravana.orders.models import DisputeReason, Order

router = Router(tags=["orders"], auth=token_or_session("orders"))


class CartLineIn(Schema):
    variant_id: Id
    quantity: int = Field(1, ge=1, le=carts.MAX_LINE_QUANTITY)


class QuantityIn(Schema):
    quantity: int = Field(..., ge=0, le=carts.MAX_LINE_QUANTITY, description="0 removes")


class CartLineOut(Schema):
    id: int
    variant_id: int
    sku: str
    title: str
    quantity: int
    unit_price: Decimal
    currency: str


class CartOut(Schema):
    id: int
    lines: list[CartLineOut]


def _cart_out(cart) -> dict:
    return {
        "id": cart.pk,
        "lines": [
            {
                "id": line_id,
                "variant_id": v.pk,
                "sku": v.sku,
                "title": v.product.title("en"),
                "quantity": qty,
                "unit_price": v.price,
                "currency": v.currency,
            }
            for v, qty, line_id in carts.cart_items(cart)
        ],
    }


@router.get("/cart", response=CartOut)
def get_cart(request: HttpRequest):
    return _cart_out(carts.create_cart(request.user))


@router.post("/cart/lines", response={201: CartOut})
def add_line(request: HttpRequest, payload: CartLineIn):
    cart = carts.create_cart(request.user)
    carts.add_to_cart(cart, payload.variant_id, payload.quantity)
    return Status(201, _cart_out(cart))


@router.patch("/cart/lines/{int:line_id}", response=CartOut)
def set_line(request: HttpRequest, line_id: int, payload: QuantityIn):
    cart = carts.create_cart(request.user)
    carts.set_cart_quantity(cart, line_id, payload.quantity)
    return _cart_out(cart)


class OrderLineOut(Schema):
    sku: str
    title: str
    hs_code: str
    quantity: int
    amount: Decimal


class OrderOut(Schema):
    number: str
    group: str = Field(..., alias="group.reference")
    merchant: str = Field(..., alias="merchant.legal_name")
    status: str
    refund_state: str
    currency: str
    goods: Decimal
    shipping: Decimal
    duties: Decimal
    taxes: Decimal
    total: Decimal
    refunded: Decimal
    service_level: str
    promised_from: dt.date
    promised_by: dt.date
    rule_set_id: str
    created_at: dt.datetime


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]
    quote: dict


@router.get("/orders", response=list[OrderOut])
@paginate(Pagination, page_size=20)
def list_orders(request: HttpRequest):
    return owned(Order.objects.select_related("group", "merchant"), request.user)


def _own(request: HttpRequest, number: str) -> Order:
    return owned_or_404(
        Order.objects.select_related("group", "merchant"), request.user, number=number
    )


@router.get("/orders/{number}", response=OrderDetailOut)
def get_order(request: HttpRequest, number: str):
    """The order with its lines and the quote snapshotted at checkout."""
    return owned_or_404(
        Order.objects.select_related("group", "merchant").prefetch_related("lines"),
        request.user,
        number=number,
    )


@router.post("/orders/{number}/confirm-receipt", response=OrderOut)
def confirm_receipt(request: HttpRequest, number: str):
    return lifecycle.confirm_receipt(_own(request, number), request.user)


class DisputeIn(Schema):
    reason: DisputeReason = DisputeReason.OTHER
    message: str


class DisputeOut(Schema):
    id: int
    status: str
    reason: str
    buyer_message: str
    merchant_answer: str
    decision_note: str
    refund_amount: Decimal


@router.post("/orders/{number}/disputes", response={201: DisputeOut})
def open_dispute(request: HttpRequest, number: str, payload: DisputeIn):
    dispute = disputes.open_dispute(
        _own(request, number), request.user, payload.reason, payload.message
    )
    return Status(201, dispute)
