"""Escrow released to the merchant, the platform and the duties once an order is completed,
and the catch-up for money an order event asked for but whose task was lost."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from caravana.orders import lifecycle
from caravana.orders.models import Order, OrderStatus
from caravana.payments import ledger, refunds
from caravana.payments.models import Chargeback, ChargebackStatus, LedgerTransaction


def release(order: Order) -> None:
    """Delivery confirmed and accepted: escrow to the merchant, the platform and the duties.
    Called by the task order_completed enqueues (and catch_up_money); idempotent by key.
    Held back while a chargeback on the order's payment is open (payments.chargebacks: the
    merchant's share is frozen until the outcome; a chargeback won releases it)."""
    if frozen(order):
        return
    try:
        with transaction.atomic():
            ledger.post_release(order)
    except IntegrityError:  # the task and the catch-up posted it at the same moment
        if not LedgerTransaction.objects.filter(key=f"release:{order.number}").exists():
            raise


def frozen(order: Order) -> bool:
    return Chargeback.objects.filter(
        payment__group_id=order.group_id,
        status__in=(ChargebackStatus.OPEN, ChargebackStatus.SUBMITTED),
    ).exists()


def catch_up_money(limit: int = 500) -> int:
    """What a lost task left undone: completed orders whose escrow was never released, and
    orders whose parcel was declared lost but which were never refunded. Run periodically."""
    done = 0
    unreleased = (
        Order.objects.filter(status=OrderStatus.COMPLETED, refunded__lt=F("total"))
        .exclude(ledger_transactions__kind="release")
        .exclude(group__payments__chargebacks__status__in=("open", "submitted"))
        .order_by("pk")[:limit]
    )
    for order in unreleased:
        release(order)
        done += 1
    lost = (
        Order.objects.filter(
            status__in=lifecycle.ESCROW_HELD, refunded__lt=F("total"), events__note="parcel lost"
        )
        .distinct()
        .order_by("pk")[:limit]
    )
    for order in lost:
        done += refunds.refund_lost(order, source="catch-up") is not None
    return done
