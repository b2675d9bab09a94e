"""The webhook receiver: verify the signature and its age, refuse an event id seen before, then
apply the event, all in one transaction, so a forged, stale or replayed request changes
nothing. The API endpoint and the sandbox's inline transport both call `receive`.

A provider whose notifications only say which payment changed (Mercado Pago: it has a
`notification` method) is asked for that payment's status and amount (retrieve, outside any
transaction) before anything is applied: what the notification body says is never trusted."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from caravana.payments import captures, chargebacks, ledger, providers
from caravana.payments.models import Payment, PaymentStatus, WebhookEvent
from caravana.webhook_signing import SignatureError

logger = logging.getLogger(__name__)

#: WebhookEvent.event_id's length: a longer id is refused, never cut (two ids cut to the same
#: prefix would be taken for a replay).
MAX_EVENT_ID = 64
OUTCOMES = {
    "payment.succeeded": "succeeded",
    "payment.failed": PaymentStatus.DECLINED,
    "payment.expired": PaymentStatus.EXPIRED,
}


def receive(
    provider_name: str,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    query: Mapping[str, str] | None = None,
) -> tuple[int, dict]:
    """(HTTP status, JSON body). `headers`: the request's, which carry the signature;
    `query`: the request's, for providers that sign it (Mercado Pago). 400: bad signature, too
    old, or an event id over 64 characters; 409: replayed event id; 404: unknown provider (the
    sandbox when it is off) or payment; 200: applied, including a capture held for review
    because the amount or currency is not what is owed, and money returned because the group
    was already paid."""
    try:
        provider = providers.get(provider_name)
    except KeyError:
        return 404, {"detail": "unknown provider"}
    if hasattr(provider, "notification"):
        return _receive_notification(provider_name, provider, body, headers or {}, query or {})
    try:
        event = provider.verify(body, headers or {})
    except SignatureError as exc:
        return 400, {"detail": str(exc)}
    event_id = event["id"]
    if not event_id or len(event_id) > MAX_EVENT_ID:
        return 400, {
            "detail": [{"loc": ["body", "id"], "msg": f"event id: 1 to {MAX_EVENT_ID} characters"}]
        }
    kind = event.get("type")
    data = event.get("data") or {}
    if kind not in OUTCOMES or not isinstance(data, dict):
        return 400, {"detail": f"unsupported event type {kind!r}"}
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                provider=provider_name, event_id=event_id, type=kind, payload=event
            )
            payment = Payment.objects.filter(
                reference=str(data.get("payment", "")), provider=provider_name
            ).first()
            if payment is None:
                raise LookupError
            if kind == "payment.succeeded":
                captures.capture(payment, amount=data.get("amount"), currency=data.get("currency"))
            else:
                captures.fail(payment, OUTCOMES[kind], kind)
    except IntegrityError:
        return 409, {"detail": "event already received"}
    except LookupError:
        return 404, {"detail": "unknown payment"}
    except ValidationError as exc:
        return 422, {"detail": exc.messages}
    return 200, {"received": event_id, "payment": payment.reference}


#: A provider's payment status (Charge.status) → what a pending payment becomes.
FINAL = {
    "declined": PaymentStatus.DECLINED,
    "expired": PaymentStatus.EXPIRED,
    "cancelled": PaymentStatus.CANCELLED,
}


def _receive_notification(
    provider_name: str, provider, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
) -> tuple[int, dict]:
    """A signed "payment N changed": verify, ask the provider about N (no transaction is
    open), then apply what the provider's API said in one transaction. 400 unsigned, forged or
    stale; 503 the provider could not be asked (it sends the notification again); 404 not a
    payment of ours; 200 applied, or nothing to apply (another topic, a repeated delivery)."""
    try:
        note = provider.notification(body, headers, query)
    except SignatureError as exc:
        return 400, {"detail": str(exc)}
    if len(note.event_id) > MAX_EVENT_ID:
        return 400, {"detail": [{"loc": ["header", "x-request-id"], "msg": "too long"}]}
    if note.topic == "chargebacks" and hasattr(provider, "retrieve_dispute"):
        return _receive_dispute(provider_name, provider, note)
    if note.topic not in ("payment", ""):
        return 200, {"ignored": note.topic[:40]}
    if WebhookEvent.objects.filter(provider=provider_name, event_id=note.event_id).exists():
        return 200, {"received": note.event_id, "duplicate": True}
    try:
        charge = provider.retrieve_id(note.resource_id)
    except SignatureError as exc:
        return 400, {"detail": str(exc)}
    except providers.ProviderError as exc:
        logger.warning("retrieving %s payment %s failed: %s", provider_name, note.resource_id, exc)
        return 503, {"detail": "the provider could not be asked; send it again"}
    kind = f"payment.{charge.status}"[:40]
    payload = {
        "topic": note.topic, "data_id": note.resource_id, "status": charge.status,
        "amount": None if charge.amount is None else str(charge.amount),
        "currency": charge.currency, "reference": charge.reference,
    }  # fmt: skip
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                provider=provider_name, event_id=note.event_id, type=kind, payload=payload
            )
            payment = Payment.objects.filter(
                reference=charge.reference, provider=provider_name
            ).first()
            if payment is None:
                raise LookupError
            # A 3-D Secure challenge decides only while it is open: once settled (its result
            # in artefact["challenge"]), a later decline is the capture's and fails it.
            challenge_open = bool(
                payment.artefact.get("challenge_url") and not payment.artefact.get("challenge")
            )
            if charge.status == "succeeded":
                captures.capture(payment, amount=charge.amount, currency=charge.currency)
            elif getattr(charge, "authorised", False) and challenge_open:
                # A card's 3-D Secure passed and the buyer has not come back (yet): the
                # capture is requested here, once (issuing.settle_challenge).
                from caravana.payments import issuing

                issuing.settle_challenge(payment, "approved")
            elif charge.status == "declined" and challenge_open:
                from caravana.payments import issuing

                reason = getattr(charge, "status_detail", "") or "authentication_failed"
                issuing.settle_challenge(payment, "failed", reason)
            elif charge.status in FINAL:
                detail = getattr(charge, "status_detail", "") or charge.status
                captures.fail(payment, FINAL[charge.status], f"{provider_name}: {detail}")
    except IntegrityError:  # the same delivery, applied by a concurrent request
        return 200, {"received": note.event_id, "duplicate": True}
    except LookupError:
        return 404, {"detail": "unknown payment"}
    except ValidationError as exc:
        return 422, {"detail": exc.messages}
    return 200, {"received": note.event_id, "payment": payment.reference}


def _receive_dispute(provider_name: str, provider, note) -> tuple[int, dict]:
    """A chargeback opened, changed or closed: read it back from the provider (no transaction
    is open), then open, freeze or book it (payments.chargebacks) with the delivery recorded in
    the same transaction. Out of order is fine: what is applied is the dispute as it is now."""
    if WebhookEvent.objects.filter(provider=provider_name, event_id=note.event_id).exists():
        return 200, {"received": note.event_id, "duplicate": True}
    try:
        info = provider.retrieve_dispute(note.resource_id)
    except SignatureError as exc:
        return 400, {"detail": str(exc)}
    except providers.ProviderError as exc:
        logger.warning("retrieving %s dispute %s failed: %s", provider_name, note.resource_id, exc)
        return 503, {"detail": "the provider could not be asked; send it again"}
    payload = {
        "topic": note.topic, "data_id": note.resource_id, "status": info.status,
        "amount": str(info.amount), "currency": info.currency, "payment": info.payment_id,
    }  # fmt: skip
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                provider=provider_name, event_id=note.event_id,
                type=f"chargeback.{info.status}"[:40], payload=payload,
            )  # fmt: skip
            case = chargebacks.apply(provider_name, info)
    except IntegrityError:
        return 200, {"received": note.event_id, "duplicate": True}
    except LookupError:
        return 404, {"detail": "unknown payment"}
    except ledger.LedgerError as exc:  # e.g. the provider balance (clearing) cannot cover it
        logger.error("chargeback %s not booked: %s", note.resource_id, exc)
        return 503, {"detail": "the chargeback could not be booked; send it again"}
    return 200, {"received": note.event_id, "chargeback": case.pk, "status": case.status}
