"""Payments API: create a payment for an order group, read it, refund (merchant or operator),
and the providers' webhook endpoint (no auth: the signature is the authentication)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Header, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.security import django_auth

from caravana.api import errors
from caravana.api.auth import TokenAuth
from caravana.catalog.models import MerchantMember
from caravana.orders.models import Order, OrderGroup
from caravana.payments import services, webhooks
from caravana.payments.models import Payment
from caravana.payments.schemas import PaymentOut, RefundOut
from caravana.payments.signing import HEADER

router = Router(tags=["payments"])
AUTH = [TokenAuth(scope="payments"), django_auth]


class PaymentIn(Schema):
    group: str
    method: str
    installments: int = 1
    card_number: str | None = None


@router.post("/payments", response={201: PaymentOut, 200: PaymentOut}, auth=AUTH)
def create_payment(
    request: HttpRequest,
    payload: PaymentIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    group = get_object_or_404(OrderGroup, reference=payload.group, buyer=request.user)
    payment, replayed = services.create_payment(
        group, request.user, payload.method, count=payload.installments,
        card_number=payload.card_number, key=idempotency_key,
        notify_url=request.build_absolute_uri("/api/v1/payments/webhooks/sandbox"),
    )  # fmt: skip
    return Status(200 if replayed else 201, payment)


@router.get("/payments/{reference}", response=PaymentOut, auth=AUTH)
def get_payment(request: HttpRequest, reference: str):
    return get_object_or_404(
        Payment.objects.select_related("group"), reference=reference, group__buyer=request.user
    )


class RefundIn(Schema):
    amount: Decimal | None = None
    reason: str = "merchant"
    note: str = ""


@router.post("/orders/{number}/refunds", response={201: RefundOut, 200: RefundOut}, auth=AUTH)
def refund(
    request: HttpRequest,
    number: str,
    payload: RefundIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    """The order's merchant or an operator gives money back from escrow (all that is left
    when no amount is given)."""
    user = request.user
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise HttpError(404, "No such order.")
    if not user.is_operator:
        member = MerchantMember.objects.filter(user=user).first()
        if member is None or member.merchant_id != order.merchant_id:
            raise HttpError(404, "No such order.")
    result, replayed = services.refund(
        order, payload.amount, reason=payload.reason[:40] or "merchant", actor=user,
        key=idempotency_key, note=payload.note,
    )  # fmt: skip
    return Status(200 if replayed else 201, result)


# No throttle: a provider delivers bursts from few addresses, and a bad signature costs one HMAC.
@router.post("/payments/webhooks/{provider}", auth=None, throttle=[], include_in_schema=True)
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """Provider events. The sandbox signs in the `Caravana-Signature` header (t=…,v1=HMAC-SHA256
    of "t.body"); Mercado Pago (/payments/webhooks/mercadopago) in `x-signature` over the query's
    data.id and `x-request-id`. 400 bad or stale signature, 409 replayed event, 200 applied."""
    status, body = webhooks.receive(
        provider, request.body, request.headers.get(HEADER), headers=request.headers,
        query=request.GET,
    )  # fmt: skip
    return JsonResponse(errors.with_codes(body, status), status=status)
