"""Checkout API: place a cart's orders with their payment (with Idempotency-Key), and buyer
protection's refund. Same auth as the orders API (caravana.orders.api), whose paths these
were: the operation ids are kept, so generated clients do not change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Header, Router, Schema
from ninja.responses import Status
from ninja.security import django_auth

from caravana.api import plain
from caravana.api.auth import TokenAuth
from caravana.api.types import PositiveCount
from caravana.checkout import services
from caravana.orders import carts
from caravana.orders.api import CartLineIn, OrderOut
from caravana.orders.models import Order
from caravana.payments import issuing, refunds
from caravana.payments.schemas import CardFieldsIn, PaymentOut

router = Router(tags=["orders"], auth=[TokenAuth(scope="orders"), django_auth])


class CheckoutIn(CardFieldsIn):
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
    pse_bank: str | None = Field(None, description="PSE: the buyer's bank code")
    wallet_phone: str | None = Field(None, description="Nequi, Yape: the wallet's mobile number")
    wallet_code: str | None = Field(None, description="Yape: the app's 6-digit approval code")
    lines: list[CartLineIn] | None = Field(
        None, description="buy these instead of the cart's lines"
    )
    coupon: str | None = Field(None, description="a coupon's code (POST /coupons/validate)")


class CheckoutOut(Schema):
    group: str
    total: Decimal
    currency: str
    orders: list[OrderOut]
    payment: PaymentOut
    replayed: bool


def checkout_body(group: Any, payment: Any, replayed: bool) -> CheckoutOut:
    """The answer, built without re-validating what was just written (caravana.api.plain;
    tests/orders/test_checkout_body.py holds it equal to what validation would give)."""
    # A new checkout has its orders in hand (with group and merchant); a replay reads them.
    orders = getattr(group, "placed_orders", None) or list(
        group.orders.select_related("group", "merchant").order_by("pk")
    )
    return CheckoutOut.model_construct(
        group=group.reference,
        total=group.total,
        currency=group.currency,
        orders=[plain.build(OrderOut, o) for o in orders],
        payment=plain.build(PaymentOut, payment),
        replayed=replayed,
    )


@router.post(
    "/checkout",
    response={201: CheckoutOut, 200: CheckoutOut},
    operation_id="caravana_orders_api_checkout",
)
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
        cart = carts.create_cart(request.user)
        lines = [(v.pk, q) for v, q, _id in carts.cart_items(cart)]
    notify = request.build_absolute_uri("/api/v1/payments/webhooks/sandbox")
    group, payment, replayed = services.checkout(
        request.user,
        payload.country.upper(),
        data,
        lines,
        key=idempotency_key,
        notify_url=notify,
        return_url=reverse("payments:challenge_return", args=[issuing.RETURN_PLACEHOLDER]),
    )
    if cart is not None and not replayed:
        carts.clear_cart(cart, [v for v, _q in lines])
    return Status(200 if replayed else 201, checkout_body(group, payment, replayed))


@router.post(
    "/orders/{number}/protection-refund",
    response=OrderOut,
    operation_id="caravana_orders_api_protection_refund",
)
def protection_refund(request: HttpRequest, number: str):
    """Buyer protection: not delivered by the promised date plus the grace period."""
    order = get_object_or_404(
        Order.objects.select_related("group", "merchant"), number=number, buyer=request.user
    )
    refunds.refund_late(order, request.user)
    order.refresh_from_db()
    return order
