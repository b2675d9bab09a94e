"""Background work: sending the outbox's requests to providers (and sweeping what a lost task
left), polling providers for payments whose webhook never came, payment expiry, payouts, the
money that order events ask for (escrow release, lost-parcel refunds), and the sandbox's webhook
delivery from a worker."""

from __future__ import annotations

import httpx
from django.utils import timezone

from caravana.celery import app
from caravana.payments import captures, escrow, outbox, payouts, providers, refunds, reminders
from caravana.payments.models import CallStatus, ProviderCall


@app.task(bind=True, max_retries=None)
def perform_call(self, call_id: int) -> str:
    """Send one provider request. On failure, with a broker, retry at the backoff the call
    recorded; in eager mode the sweeper retries (never a retry loop inside a request)."""
    status = outbox.perform_call(call_id)
    if status == CallStatus.PENDING and not self.request.is_eager:
        call = ProviderCall.objects.filter(pk=call_id).first()
        if call is not None:
            wait = max((call.next_attempt_at - timezone.now()).total_seconds(), 1)
            raise self.retry(countdown=wait)
    return status


@app.task
def sweep_outbox() -> int:
    return outbox.sweep_outbox()


@app.task
def poll_payments() -> int:
    return captures.poll_payments()


@app.task
def expire_payments() -> int:
    return captures.expire_payments()


@app.task
def remind_payments() -> int:
    """E-mail buyers whose voucher or code expires soon (payments.reminders)."""
    return reminders.remind_expiring()


@app.task
def run_payouts() -> int:
    return len(payouts.run_payouts())


@app.task
def release_escrow(order_id: int) -> None:
    from caravana.orders.models import Order

    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        escrow.release(order)


@app.task
def refund_lost(order_id: int, source: str = "tracking") -> None:
    from caravana.orders.models import Order

    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        refunds.refund_lost(order, source=source)


@app.task
def catch_up_money() -> int:
    return escrow.catch_up_money()


@app.task(bind=True, max_retries=5)
def sandbox_deliver(self, body: str, notify_url: str) -> int:
    """The sandbox's webhook, delivered by a worker (never by the request that caused it). Like
    a real provider, it tries again (2, 4, 8 … s) when the site cannot be reached or answers
    5xx; what is still undelivered after that is found by polling (poll_payments)."""
    try:
        status, _body = providers.sandbox().deliver(body.encode(), notify_url)
    except httpx.TransportError as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
    if status >= 500 and not self.request.is_eager:
        raise self.retry(countdown=2 ** (self.request.retries + 1))
    return status
