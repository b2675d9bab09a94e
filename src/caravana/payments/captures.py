"""What a provider says happened to a payment: captured (only when exactly what is owed
arrived; the group's orders become paid and the money goes into escrow in one transaction),
declined or expired; and polling for payments whose webhook never came."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from caravana import clock
from caravana.orders import lifecycle
from caravana.orders.models import Order
from caravana.payments import ledger, outbox, providers, refunds
from caravana.payments.models import (
    Payment,
    PaymentStatus,
)

logger = logging.getLogger(__name__)


def _received(amount: Any, currency: Any) -> tuple[Decimal | None, str]:
    """What a provider said arrived, or (None, currency) when it is not a usable amount. The
    currency is compared whole: "BRLX" is not BRL (cutting it first would make it so)."""
    cur = str(currency or "").strip().upper()
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError, TypeError):
        return None, cur
    if not value.is_finite() or abs(value) >= refunds.MAX_AMOUNT:
        return None, cur
    return value, cur


def capture(
    payment: Payment,
    at: dt.datetime | None = None,
    *,
    amount: Any = None,
    currency: Any = None,
) -> Payment:
    """The provider has the money: `amount` and `currency` are what it says arrived.

    Idempotent: a payment already captured, returned or held is left alone. What arrived must
    be exactly what is owed, or nothing is marked paid: the payment is held for an operator
    (status review). Money for a group another payment already paid is recorded and sent back
    (status returned), as money for orders that expired before it came is."""
    at = at or clock.now()
    received, cur = _received(amount, currency)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("group").get(pk=payment.pk)
        if payment.status in (
            PaymentStatus.SUCCEEDED, PaymentStatus.RETURNED, PaymentStatus.REVIEW
        ):  # fmt: skip
            return payment
        # The capture posts, then may post refunds for orders that expired meanwhile: every
        # account either touches is locked now, in the ledger's one order (no deadlock).
        locked = ledger.lock_capture_accounts(payment.currency)
        if received != payment.amount or cur != payment.currency:
            payment.status = PaymentStatus.REVIEW
            payment.received_amount = received
            payment.received_currency = cur[:3]
            payment.review_note = (
                f"provider reported {amount!s:.40} {currency!s:.3}, "
                f"owed {payment.amount} {payment.currency}"
            )[:300]
            payment.save(
                update_fields=["status", "received_amount", "received_currency", "review_note"]
            )
            return payment
        if (
            Payment.objects.filter(group=payment.group, status=PaymentStatus.SUCCEEDED)
            .exclude(pk=payment.pk)
            .exists()
        ):
            payment.captured_at = at
            refunds.return_money(payment, payment.amount, payment.currency, "paid_twice",
                          "the group was already paid by another payment")  # fmt: skip
            return payment
        payment.status = PaymentStatus.SUCCEEDED
        payment.captured_at = at
        payment.save(update_fields=["status", "captured_at"])
        group_orders = list(Order.objects.filter(group=payment.group).order_by("pk"))
        ledger.post_capture(
            f"capture:{payment.reference}", payment.currency, [(o, o.total) for o in group_orders],
            locked,
        )  # fmt: skip
        late = lifecycle.mark_paid(payment.group, at)
        for order in late:  # expired before the money came: it goes straight back
            refunds.refund_money(
                payment, order, order.total - order.refunded, "expired_before_payment"
            )
            lifecycle.record_late_refund(order)
    return payment


def fail(payment: Payment, status: str, reason: str = "") -> Payment:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == PaymentStatus.PENDING:
            payment.status = status
            payment.decline_reason = reason[:200]
            payment.save(update_fields=["status", "decline_reason"])
    return payment


def expire_payments(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Expire pending payments past their time, after asking their provider once more: a payment
    whose webhook was lost is captured instead (poll)."""
    now = now or timezone.now()
    due = list(
        Payment.objects.filter(status=PaymentStatus.PENDING, expires_at__lt=now).order_by(
            "expires_at"
        )[:limit]
    )
    count = 0
    for payment in due:
        if _poll(payment):
            continue
        count += Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.EXPIRED
        )
    return count


def _poll(payment: Payment) -> bool:
    """Ask the provider about one payment (outside any transaction); capture it when the money
    arrived. True when the provider says it succeeded."""
    try:
        charge = providers.get(payment.provider).retrieve(payment.reference)
    except KeyError:
        return False
    except Exception:  # an unreachable provider: the next poll asks again
        logger.warning("retrieving payment %s failed", payment.reference, exc_info=True)
        return False
    if charge.status != "succeeded":
        return False
    capture(payment, amount=charge.amount, currency=charge.currency)
    return True


def poll_payments(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Finish payments whose webhook never came: every payment still pending after
    PAYMENTS_POLL_AFTER_SECONDS, and those cancelled or expired in the last three days (a buyer
    may still pay a Pix code after switching to boleto), are looked up at their provider.
    Returns how many were captured (or returned)."""
    now = now or timezone.now()
    after = dt.timedelta(seconds=outbox.settings_value("PAYMENTS_POLL_AFTER_SECONDS", 120))
    pending = Payment.objects.filter(status=PaymentStatus.PENDING, created_at__lte=now - after)
    closed = Payment.objects.filter(
        status__in=[PaymentStatus.CANCELLED, PaymentStatus.EXPIRED],
        created_at__gte=now - dt.timedelta(days=3),
        captured_at__isnull=True,
        reviewed_at__isnull=True,  # an operator closed it: not captured again
    )
    found = 0
    for qs in (pending.order_by("created_at"), closed.order_by("-created_at")):
        for payment in qs[:limit]:
            found += _poll(payment)
    return found
