"""Disputes: opened by the buyer while money is in escrow, answered by the merchant, decided
by an operator (payments.refunds.decide_dispute moves the money, then calls close_dispute)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.catalog.models import Merchant
from caravana.errors import field_error
from caravana.orders import notifications
from caravana.orders.error_codes import OrdersErrorCode
from caravana.orders.lifecycle import ESCROW_HELD, locked_order
from caravana.orders.models import (
    DISPUTE_TEXT_MAX,
    Dispute,
    DisputeReason,
    DisputeStatus,
    Order,
)
from caravana.orders.validation import (
    check_lengths,
)


@transaction.atomic
def open_dispute(order: Order, buyer: Any, reason: str, message: str) -> Dispute:
    order = locked_order(order)
    if order.buyer_id != buyer.pk:
        raise field_error("order", _("No such order."), OrdersErrorCode.ORDER_NOT_FOUND)
    if order.status not in ESCROW_HELD:
        raise field_error(
            "order",
            _("Disputes are opened before the order is completed."),
            OrdersErrorCode.DISPUTE_TOO_LATE,
        )
    reason = reason or DisputeReason.OTHER
    if reason not in DisputeReason.values:
        raise field_error(
            "reason",
            _("Choose one of the reasons offered."),
            OrdersErrorCode.INVALID_DISPUTE_REASON,
        )
    if not message.strip():
        raise field_error(
            "buyer_message", _("Tell us what happened."), OrdersErrorCode.MESSAGE_REQUIRED
        )
    check_lengths({"buyer_message": message}, {"buyer_message": DISPUTE_TEXT_MAX})
    if order.disputes.filter(status__in=[DisputeStatus.OPEN, DisputeStatus.ANSWERED]).exists():
        raise field_error(
            "order", _("This order already has an open dispute."), OrdersErrorCode.DISPUTE_OPEN
        )
    dispute = Dispute.objects.create(order=order, reason=reason, buyer_message=message.strip())
    notifications.owe(order, notifications.MERCHANT_DISPUTE, dispute.pk, reason=dispute.reason,
                      message=dispute.buyer_message)  # fmt: skip
    return dispute


@transaction.atomic
def answer_dispute(dispute: Dispute, merchant: Merchant, answer: str) -> Dispute:
    dispute = Dispute.objects.select_for_update().select_related("order").get(pk=dispute.pk)
    if dispute.order.merchant_id != merchant.pk:
        raise field_error("dispute", _("No such dispute."), OrdersErrorCode.DISPUTE_NOT_FOUND)
    if dispute.status not in (DisputeStatus.OPEN, DisputeStatus.ANSWERED):
        raise field_error("dispute", _("This dispute is decided."), OrdersErrorCode.DISPUTE_DECIDED)
    if not answer.strip():
        raise field_error(
            "merchant_answer", _("Write your answer."), OrdersErrorCode.MESSAGE_REQUIRED
        )
    check_lengths({"merchant_answer": answer}, {"merchant_answer": DISPUTE_TEXT_MAX})
    dispute.merchant_answer = answer.strip()
    dispute.status = DisputeStatus.ANSWERED
    dispute.answered_at = timezone.now()
    dispute.save(update_fields=["merchant_answer", "status", "answered_at"])
    # The e-mail quotes the answer as it was first given (a later edit owes no new one).
    notifications.owe(dispute.order, notifications.DISPUTE_ANSWERED, dispute.pk,
                      answer=dispute.merchant_answer)  # fmt: skip
    return dispute


def close_dispute(dispute: Dispute, *, refunded: Decimal, note: str, operator: Any) -> Dispute:
    """Record the operator's decision (payments.refunds.decide_dispute moves the money)."""
    dispute.status = DisputeStatus.REFUNDED if refunded > 0 else DisputeStatus.REJECTED
    dispute.refund_amount = refunded
    check_lengths({"note": note}, {"note": DISPUTE_TEXT_MAX})
    dispute.decision_note = note
    dispute.decided_by = operator
    dispute.decided_at = timezone.now()
    dispute.save(
        update_fields=["status", "refund_amount", "decision_note", "decided_by", "decided_at"]
    )
    return dispute
