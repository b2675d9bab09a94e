"""The outbox: requests to providers (captures, refunds, payouts) written as ProviderCall rows in
the business change's transaction, sent after commit outside any transaction, retried with
backoff, swept when their task was lost. See docs/decisions/0005-payments-outbox.md.

Sending is asked for with the `call_requested` signal after commit; PaymentsConfig.ready
connects it to the perform_call task, so this module never imports the tasks that import it."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.errors import field_error
from caravana.payments import evidence, ledger, payout_providers, providers
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import (
    CallKind,
    CallStatus,
    Chargeback,
    Payment,
    PayoutBatch,
    ProviderCall,
    Refund,
    RefundStatus,
)

logger = logging.getLogger(__name__)


#: Sent after commit for each request to send now (providing `pk`); PaymentsConfig.ready
#: enqueues the perform_call task for it.
call_requested = Signal()


def settings_value(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def request_call(
    kind: str,
    *,
    key: str,
    provider: str,
    amount: Decimal,
    currency: str,
    payment: Payment | None = None,
    refund: Refund | None = None,
    payout: PayoutBatch | None = None,
    chargeback: Chargeback | None = None,
) -> ProviderCall:
    """Write a request to a provider in the caller's transaction, and send it once that commits
    (perform_call task). If the process dies before the task runs, sweep_outbox sends it once
    it is PAYMENTS_OUTBOX_GRACE_SECONDS old."""
    grace = dt.timedelta(seconds=settings_value("PAYMENTS_OUTBOX_GRACE_SECONDS", 60))
    call, created = ProviderCall.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind, "provider": provider, "amount": amount, "currency": currency,
            "payment": payment, "refund": refund, "payout": payout,
            "chargeback": chargeback, "next_attempt_at": timezone.now() + grace,
        },
    )  # fmt: skip
    if created:
        pk = call.pk
        transaction.on_commit(lambda: call_requested.send(ProviderCall, pk=pk))
    return call


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … doubling up to an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _send_payout(call: ProviderCall) -> str:
    """A payout goes to its payout provider (payments.payout_providers), under the call's key."""
    batch = call.payout
    assert batch is not None  # a payout call has its batch (request_call)
    merchant = batch.merchant
    items = list(batch.items.order_by("source_currency").values_list("source_currency", "amount"))
    item = batch.items.order_by("source_currency").first()
    return payout_providers.get(call.provider).send(
        payout_providers.PayoutOrder(
            key=call.key, reference=batch.reference, period=batch.period,
            merchant_id=merchant.pk, beneficiary=merchant.legal_name,
            email=merchant.contact_email, amount=call.amount, currency=call.currency,
            source_currency=item.source_currency if item else call.currency,
            lines=tuple(items),
        )
    )  # fmt: skip


def _send(call: ProviderCall) -> str:
    if call.kind == CallKind.PAYOUT:
        return _send_payout(call)
    provider = providers.get(call.provider)
    if call.kind == CallKind.CAPTURE:
        assert call.payment is not None  # each kind of call has its object (request_call)
        return provider.capture(
            key=call.key, payment_reference=call.payment.reference, amount=call.amount,
            currency=call.currency, notify_url=call.payment.notify_url,
        )  # fmt: skip
    if call.kind == CallKind.REFUND:
        assert call.payment is not None
        return provider.refund(
            key=call.key, payment_reference=call.payment.reference, amount=call.amount,
            currency=call.currency,
        )  # fmt: skip
    if call.kind == CallKind.EVIDENCE:
        assert call.chargeback is not None
        submit = getattr(provider, "submit_evidence", None)
        if submit is None:
            raise providers.ProviderRefused(f"{call.provider} takes evidence in its own panel")
        return submit(
            key=call.key, dispute_id=call.chargeback.dispute_id,
            evidence=evidence.provider_fields(call.chargeback.evidence),
        )  # fmt: skip
    raise ValueError(f"kind: {call.kind!r}")


def perform_call(pk: int) -> str:
    """Send one request to its provider and record the answer; the call's status afterwards.

    Runs outside any transaction (a provider call never holds database locks, and a commit
    never waits for a provider). Sending twice is harmless: the provider dedupes on the key and
    only the first answer is recorded (a conditional UPDATE on the pending status). A failure
    counts an attempt and sets the next one after a backoff; after
    PAYMENTS_OUTBOX_MAX_ATTEMPTS the call (and its refund) is failed, for an operator."""
    if providers.in_transaction():
        raise RuntimeError("provider calls are made outside database transactions")
    call = (
        ProviderCall.objects.select_related("payment", "refund", "payout", "chargeback")
        .filter(pk=pk)
        .first()
    )
    if call is None or call.status != CallStatus.PENDING:
        return call.status if call is not None else "missing"
    try:
        reference = _send(call)
    except Exception as exc:
        return _attempt_failed(call, exc)
    now = timezone.now()
    with transaction.atomic():
        done = ProviderCall.objects.filter(pk=call.pk, status=CallStatus.PENDING).update(
            status=CallStatus.DONE, provider_reference=str(reference)[:64], done_at=now,
            attempts=F("attempts") + 1, last_error="",
        )  # fmt: skip
        if not done:  # another worker recorded it first
            return CallStatus.DONE
        if call.kind == CallKind.REFUND:
            refund = call.refund
            assert refund is not None
            Refund.objects.filter(pk=refund.pk).update(
                status=RefundStatus.PAID, provider_reference=str(reference)[:64], paid_at=now
            )
            ledger.post_refund_paid(
                f"refund:{refund.reference}", refund.currency, refund.amount,
                None if refund.reason in ledger.RETURN_REASONS else refund.order,
            )  # fmt: skip
        elif call.kind == CallKind.PAYOUT:
            # A payout call has its batch: payout_id is set.
            PayoutBatch.objects.filter(pk=call.payout_id).update(  # type: ignore[misc]
                status="paid", provider_reference=str(reference)[:64],
                file=payout_providers.file_of(call.provider, call.key),
            )  # fmt: skip
    return CallStatus.DONE


def _attempt_failed(call: ProviderCall, exc: Exception) -> str:
    logger.warning("provider call %s failed", call.key, exc_info=True)
    attempts = call.attempts + 1
    # A refusal the provider will repeat (ProviderRefused) is not retried: it waits for an
    # operator at once.
    give_up = attempts >= settings_value("PAYMENTS_OUTBOX_MAX_ATTEMPTS", 12) or not getattr(
        exc, "retryable", True
    )
    status = CallStatus.FAILED if give_up else CallStatus.PENDING
    with transaction.atomic():
        ProviderCall.objects.filter(pk=call.pk, status=CallStatus.PENDING).update(
            status=status, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:300],
            next_attempt_at=timezone.now() + backoff(attempts),
        )  # fmt: skip
        if give_up and call.refund_id:
            Refund.objects.filter(pk=call.refund_id, status=RefundStatus.PENDING).update(
                status=RefundStatus.FAILED
            )
    return status


def sweep_outbox(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send every pending request that is due: its task was lost (a crash between commit and
    enqueue, a worker killed mid-task) or its last attempt failed and the backoff is over.
    Returns how many are done."""
    now = now or timezone.now()
    due = list(
        ProviderCall.objects.filter(status=CallStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(perform_call(pk) == CallStatus.DONE for pk in due)


def retry_call(call: ProviderCall, operator: Any) -> ProviderCall:
    """An operator sends a failed request again (same key: never twice at the provider)."""
    if not getattr(operator, "is_operator", False):
        raise field_error(
            "call", _("Only an operator retries provider calls."), PaymentsErrorCode.OPERATOR_ONLY
        )
    with transaction.atomic():
        ProviderCall.objects.filter(pk=call.pk, status=CallStatus.FAILED).update(
            status=CallStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        # Calls other than refunds have no refund_id: pk=None matches no row.
        Refund.objects.filter(pk=call.refund_id, status=RefundStatus.FAILED).update(  # type: ignore[misc]
            status=RefundStatus.PENDING
        )
        pk = call.pk
        transaction.on_commit(lambda: call_requested.send(ProviderCall, pk=pk))
    call.refresh_from_db()
    return call
