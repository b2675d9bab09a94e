"""The webhook receiver: verify the signature and its age, refuse an event id seen before, then
apply the event, all in one transaction, so a forged, stale or replayed request changes
nothing. The API endpoint and the sandbox's inline transport both call `receive`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from caravana.payments import providers, services
from caravana.payments.models import Payment, PaymentStatus, WebhookEvent
from caravana.payments.signing import SignatureError

#: WebhookEvent.event_id's length: a longer id is refused, never cut (two ids cut to the same
#: prefix would be taken for a replay).
MAX_EVENT_ID = 64
OUTCOMES = {
    "payment.succeeded": "succeeded",
    "payment.failed": PaymentStatus.DECLINED,
    "payment.expired": PaymentStatus.EXPIRED,
}


def receive(provider_name: str, body: bytes, header: str | None) -> tuple[int, dict]:
    """(HTTP status, JSON body). 400: bad signature, too old, or an event id over 64
    characters; 409: replayed event id; 404: unknown provider (the sandbox when it is off) or
    payment; 200: applied, including a capture held for review because the amount or currency
    is not what is owed, and money returned because the group was already paid."""
    try:
        provider = providers.get(provider_name)
    except KeyError:
        return 404, {"detail": "unknown provider"}
    try:
        event = provider.verify(body, header)
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
                services.capture(payment, amount=data.get("amount"), currency=data.get("currency"))
            else:
                services.fail(payment, OUTCOMES[kind], kind)
    except IntegrityError:
        return 409, {"detail": "event already received"}
    except LookupError:
        return 404, {"detail": "unknown payment"}
    except ValidationError as exc:
        return 422, {"detail": exc.messages}
    return 200, {"received": event_id, "payment": payment.reference}
