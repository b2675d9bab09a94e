"""Reminders for payments made later (a voucher, a CIP code, a transfer): a buyer whose
artefact is still unpaid PAYMENTS_REMINDER_HOURS (24) before it expires gets one e-mail, through
the orders' e-mail outbox (orders.notifications: one row per payment, so a second run, or two
workers, owe nothing more). The expiry itself is captures.expire_payments'."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from caravana.orders import notifications
from caravana.orders.models import Order
from caravana.payments import local_methods
from caravana.payments.models import Payment, PaymentStatus
from caravana.payments.outbox import settings_value


def _code(payment: Payment) -> str:
    art = payment.artefact or {}
    for key in ("cip", "reference", "formatted", "subject"):
        if art.get(key):
            return str(art[key])
    return payment.reference


def remind_expiring(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Owe a reminder for every pending long-lived payment expiring within the window and not
    reminded yet; returns how many."""
    now = now or timezone.now()
    window = dt.timedelta(hours=settings_value("PAYMENTS_REMINDER_HOURS", 24))
    due = list(
        Payment.objects.filter(
            status=PaymentStatus.PENDING, reminded_at__isnull=True,
            method__in=sorted(local_methods.LONG_LIVED),
            expires_at__gt=now, expires_at__lte=now + window,
        ).order_by("expires_at").values_list("pk", flat=True)[:limit]
    )  # fmt: skip
    count = 0
    for pk in due:
        with transaction.atomic():
            claimed = Payment.objects.filter(pk=pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            payment = Payment.objects.get(pk=pk)
            order = Order.objects.filter(group_id=payment.group_id).order_by("pk").first()
            if order is None:
                continue
            count += notifications.owe(
                order, notifications.PAYMENT_REMINDER, ref=payment.reference,
                payment=payment.reference, method=payment.get_method_display(),
                code=_code(payment), expires_at=payment.expires_at.isoformat(),
            )  # fmt: skip
    return count
