"""Orders API: the buyer's cart, checkout (with Idempotency-Key), orders and buyer protection.
Thin: every write is orders.services or payments.services. Auth: a bearer token or the session
(with CSRF)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from caravana.access.auth import token_or_session
from caravana.access.objects import owned, owned_or_404
from caravana.api.pagination import Pagination
from caravana.api.types import Id, PositiveCount
from caravana.orders import services
from caravana.orders.models import DisputeReason, Order
from caravana.payments import services as payments
from caravana.payments.schemas import PaymentOut

router = Router(tags=["orders"], auth=token_or_session("orders"))


class CartLineIn(Schema):
    variant_id: Id
    quantity: int = Field(1, ge=1, le=services.MAX_LINE_QUANTITY)


class QuantityIn(Schema):
    quantity: int = Field(..., ge=0, le=services.MAX_LINE_QUANTITY, description="0 removes")


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
            for v, qty, line_id in services.cart_items(cart)
        ],
    }


@router.get("/cart", response=CartOut)
def get_cart(request: HttpRequest):
    return _cart_out(services.create_cart(request.user))


@router.post("/cart/lines", response={201: CartOut})
def add_line(request: HttpRequest, payload: CartLineIn):
    cart = services.create_cart(request.user)
    services.add_to_cart(cart, payload.variant_id, payload.quantity)
    return Status(201, _cart_out(cart))


@router.patch("/cart/lines/{int:line_id}", response=CartOut)
def set_line(request: HttpRequest, line_id: int, payload: QuantityIn):
    cart = services.create_cart(request.user)
    services.set_cart_quantity(cart, line_id, payload.quantity)
    return _cart_out(cart)


class CheckoutIn(Schema):
    country: str
    recipient: str
    email: str = ""
    phone: str = ""
    street_address: str
    city: str
    city_area: str = ""
    state: str = ""
    postal_code: str
    buyer_id: str
    buyer_id_type: str | None = None
    service_level: str = "standard"
    method: str
    installments: PositiveCount = 1
    card_number: str | None = Field(None, description="sandbox test card; never stored")
    lines: list[CartLineIn] | None = Field(
        None, description="buy these instead of the cart's lines"
    )


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


class CheckoutOut(Schema):
    group: str
    total: Decimal
    currency: str
    orders: list[OrderOut]
    payment: PaymentOut
    replayed: bool


@router.post("/checkout", response={201: CheckoutOut, 200: CheckoutOut})
def checkout(
    request: HttpRequest,
    payload: CheckoutIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """Place one order per merchant and create their payment. Retrying with the same
    Idempotency-Key returns the first result (200) and never a second order or charge."""
    data = payload.dict(exclude={"lines", "country"})
    if payload.lines:
        lines = [(ln.variant_id, ln.quantity) for ln in payload.lines]
        cart = None
    else:
        cart = services.create_cart(request.user)
        lines = [(v.pk, q) for v, q, _id in services.cart_items(cart)]
    notify = request.build_absolute_uri("/api/v1/payments/webhooks/sandbox")
    group, payment, replayed = payments.checkout(
        request.user, payload.country.upper(), data, lines, key=idempotency_key, notify_url=notify
    )
    if cart is not None and not replayed:
        services.clear_cart(cart, [v for v, _q in lines])
    body = {
        "group": group.reference,
        "total": group.total,
        "currency": group.currency,
        # A new checkout has its orders in hand (with group and merchant); a replay reads them.
        "orders": getattr(group, "placed_orders", None)
        or list(group.orders.select_related("group", "merchant").order_by("pk")),
        "payment": payment,
        "replayed": replayed,
    }
    return Status(200 if replayed else 201, body)


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
    return services.confirm_receipt(_own(request, number), request.user)


@router.post("/orders/{number}/protection-refund", response=OrderOut)
def protection_refund(request: HttpRequest, number: str):
    """Buyer protection: not delivered by the promised date plus the grace period."""
    order = _own(request, number)
    payments.refund_late(order, request.user)
    order.refresh_from_db()
    return order


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
    dispute = services.open_dispute(
        _own(request, number), request.user, payload.reason, payload.message
    )
    return Status(201, dispute)
