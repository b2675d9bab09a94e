"""The operators' review queue: payments whose provider reported an amount or currency that is
not what is owed wait here, to be sent back or resolved with a note."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.errors import field_error
from caravana.money import round_money
from caravana.payments import refunds
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import (
    Payment,
    PaymentStatus,
    Refund,
)


def _reviewing(payment: Payment, operator: Any) -> Payment:
    if not getattr(operator, "is_operator", False):
        raise field_error(
            "payment", _("Only an operator reviews payments."), PaymentsErrorCode.OPERATOR_ONLY
        )
    payment = Payment.objects.select_for_update().select_related("group").get(pk=payment.pk)
    if payment.status != PaymentStatus.REVIEW:
        raise field_error(
            "payment", _("This payment is not held for review."), PaymentsErrorCode.NOT_HELD
        )
    return payment


def refund_review(payment: Payment, operator: Any, note: str = "") -> Refund:
    """Send back what arrived for a payment held for review (the amount the provider
    reported): it is recorded in the ledger and refunded; the orders stay unpaid."""
    with transaction.atomic():
        payment = _reviewing(payment, operator)
        amount, cur = payment.received_amount, payment.received_currency
        if amount is None or amount <= 0 or len(cur) != 3:
            raise field_error(
                "payment",
                _("The provider reported no amount that can be sent back."),
                PaymentsErrorCode.NOTHING_TO_REFUND,
            )
        amount = round_money(amount, cur)
        payment.captured_at = timezone.now()
        payment.reviewed_at = payment.captured_at
        payment.review_note = (note.strip() or payment.review_note)[:300]
        return refunds.return_money(payment, amount, cur, "amount_mismatch", payment.review_note)


def resolve_review(payment: Payment, operator: Any, note: str) -> Payment:
    """Close a review without moving money (nothing arrived after all, or it was settled at the
    provider): the payment is cancelled, with the operator's note."""
    if not note.strip():
        raise field_error("note", _("Say how it was resolved."), PaymentsErrorCode.NOTE_REQUIRED)
    with transaction.atomic():
        payment = _reviewing(payment, operator)
        payment.status = PaymentStatus.CANCELLED
        payment.review_note = note.strip()[:300]
        payment.reviewed_at = timezone.now()
        payment.save(update_fields=["status", "review_note", "reviewed_at"])
    return payment
