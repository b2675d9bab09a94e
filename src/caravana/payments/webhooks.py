"""The webhook receiver: verify the signature and its age, refuse an event id seen before, then
apply the event, all in one transaction, so a forged, stale or replayed request changes
nothing. The API endpoint and the sandbox's inline transport both call `receive`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from caravana.payments import providers, services
from caravana.payments.models import Payment, PaymentStatus, WebhookEvent
from caravana.payments.signing import SignatureError

OUTCOMES = {
    "payment.succeeded": "succeeded",
    "payment.failed": PaymentStatus.DECLINED,
    "payment.expired": PaymentStatus.EXPIRED,
}


def receive(provider_name: str, body: bytes, header: str | None) -> tuple[int, dict]:
    """(HTTP status, JSON body). 400: bad signature or too old; 409: replayed event id;
    404: unknown payment; 200: applied."""
    try:
        provider = providers.get(provider_name)
    except KeyError:
        return 404, {"detail": "unknown provider"}
    try:
        event = provider.verify(body, header)
    except SignatureError as exc:
        return 400, {"detail": str(exc)}
    kind = event.get("type")
    data = event.get("data") or {}
    if kind not in OUTCOMES or not isinstance(data, dict):
        return 400, {"detail": f"unsupported event type {kind!r}"}
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                provider=provider_name, event_id=event["id"][:64], type=kind, payload=event
            )
            payment = Payment.objects.filter(
                reference=str(data.get("payment", "")), provider=provider_name
            ).first()
            if payment is None:
                raise LookupError
            if kind == "payment.succeeded":
                services.capture(payment)
            else:
                services.fail(payment, OUTCOMES[kind], kind)
    except IntegrityError:
        return 409, {"detail": "event already received"}
    except LookupError:
        return 404, {"detail": "unknown payment"}
    except ValidationError as exc:
        return 422, {"detail": exc.messages}
    return 200, {"received": event["id"], "payment": payment.reference}
