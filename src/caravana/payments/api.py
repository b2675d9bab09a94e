"""Payments API: create a payment for an order group, read it, refund (merchant or operator),
and the providers' webhook endpoint (no auth: the signature is the authentication)."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Header, Router, Schema
from ninja.responses import Status

from caravana.access import members
from caravana.access.auth import token_or_session
from caravana.access.objects import ANY_OWNER, owned_or_404
from caravana.api import errors
from caravana.orders.models import Order, OrderGroup
from caravana.payments import cards, issuing, refunds, webhooks
from caravana.payments.models import Payment
from caravana.payments.schemas import CardFieldsIn, PaymentOut, RefundOut, SavedCardOut

router = Router(tags=["payments"])
AUTH = token_or_session("payments")
#: A method's own fields (payments.method_fields): PSE's bank, a wallet's phone and code.
DETAILS = ("pse_bank", "wallet_phone", "wallet_code")


class PaymentIn(CardFieldsIn):
    group: str
    method: str
    installments: int = 1
    pse_bank: str | None = None
    wallet_phone: str | None = None
    wallet_code: str | None = None


@router.post("/payments", response={201: PaymentOut, 200: PaymentOut}, auth=AUTH)
def create_payment(
    request: HttpRequest,
    payload: PaymentIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    group = owned_or_404(OrderGroup, request.user, reference=payload.group)
    payment, replayed = issuing.create_payment(
        group, request.user, payload.method, count=payload.installments,
        card=payload.dict(exclude={"group", "method", "installments", *DETAILS}),
        key=idempotency_key,
        details={k: v for k in DETAILS if (v := getattr(payload, k))},
        notify_url=request.build_absolute_uri("/api/v1/payments/webhooks/sandbox"),
        return_url=reverse("payments:challenge_return", args=[issuing.RETURN_PLACEHOLDER]),
    )  # fmt: skip
    return Status(200 if replayed else 201, payment)


@router.get("/payments/cards", response=list[SavedCardOut], auth=AUTH)
def saved_cards(request: HttpRequest):
    """The buyer's own saved cards (provider tokens: brand, last four, expiry)."""
    return cards.saved_for(request.user)


@router.delete("/payments/cards/{reference}", response={204: None}, auth=AUTH)
def delete_saved_card(request: HttpRequest, reference: str):
    """Forget one of the buyer's saved cards; another buyer's answers 404."""
    if not cards.delete(request.user, reference):
        raise Http404
    return Status(204, None)


@router.get("/payments/{reference}", response=PaymentOut, auth=AUTH)
def get_payment(request: HttpRequest, reference: str):
    return owned_or_404(Payment.objects.select_related("group"), request.user, reference=reference)


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
    owner = ANY_OWNER if members.is_operator(user) else members.merchant_of(user)
    order = owned_or_404(Order, owner, number=number)
    result, replayed = refunds.refund(
        order, payload.amount, reason=payload.reason[:40] or "merchant", actor=user,
        key=idempotency_key, note=payload.note,
    )  # fmt: skip
    return Status(200 if replayed else 201, result)


# No throttle: a provider delivers bursts from few addresses, and a bad signature costs one HMAC.
@router.post("/payments/webhooks/{provider}", auth=None, throttle=[], include_in_schema=True)
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """Provider events. The sandbox signs in the Standard Webhooks format (headers webhook-id,
    webhook-timestamp, webhook-signature: v1,base64 HMAC-SHA256 of "id.timestamp.body");
    Mercado Pago (/payments/webhooks/mercadopago) in `x-signature` over the query's
    data.id and `x-request-id`. 400 bad or stale signature, 409 replayed event, 200 applied."""
    status, body = webhooks.receive(provider, request.body, request.headers, query=request.GET)
    return JsonResponse(errors.with_codes(body, status), status=status)
