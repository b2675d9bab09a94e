"""Refunds out of escrow (merchant, buyer protection, lost parcel, dispute) and money returned
that no order was owed. Each is recorded with its ledger entry and a request to the provider
(the outbox) in one transaction; the provider is called after commit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from caravana.errors import field_error
from caravana.money import round_money
from caravana.orders import disputes as order_disputes
from caravana.orders import idempotency, lifecycle
from caravana.orders.models import Dispute, DisputeStatus, Order
from caravana.payments import ledger, outbox, split
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import (
    AccountKind,
    CallKind,
    LedgerTransaction,
    Payment,
    PaymentStatus,
    ProviderCall,
    Refund,
)
from caravana.payments.references import new_reference

# --- refunds ------------------------------------------------------------------------------------

#: Larger than any amount a 14-digit money field holds.
MAX_AMOUNT = Decimal(10) ** 12


def clean_amount(value: Any, currency: str, field: str = "amount") -> Decimal:
    """A finite amount within the money fields' range, rounded to the currency: NaN, Infinity,
    1e30 and the like are a 422 naming the field, never a 500."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise field_error(field, _("Give an amount."), PaymentsErrorCode.INVALID_AMOUNT) from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise field_error(field, _("Give an amount."), PaymentsErrorCode.INVALID_AMOUNT)
    if amount.is_signed():
        raise field_error(
            field, _("Give an amount of zero or more."), PaymentsErrorCode.INVALID_AMOUNT
        )
    return round_money(amount, currency)


def return_money(
    payment: Payment, amount: Decimal, currency: str, reason: str, note: str
) -> Refund:
    """Record money that arrived for no order (ledger: clearing to refunds owed, under the
    payment's capture key, so it is captured exactly once) and request its refund. Call inside
    a transaction with the payment locked."""
    payment.status = PaymentStatus.RETURNED
    payment.save(update_fields=["status", "captured_at", "review_note", "reviewed_at"])
    ledger.post_returned(f"capture:{payment.reference}", currency, amount)
    order = Order.objects.filter(group=payment.group).order_by("pk").first()
    assert order is not None  # a payment's group has its orders
    refund = Refund.objects.create(
        reference=new_reference("RFD"), payment=payment, order=order, amount=amount,
        currency=currency, reason=reason, note=note[:300],
    )  # fmt: skip
    _request_refund(refund)
    return refund


def refund_money(
    payment: Payment,
    order: Order,
    amount: Decimal,
    reason: str,
    note: str = "",
    parts: split.Parts | None = None,
) -> Refund:
    """Record a refund out of the order's escrow and its request to the provider (outbox), in
    the caller's transaction. The provider is called after commit. `parts`: what it gives back
    of the goods, shipping and duties the buyer paid (a return knows), made to sum to `amount`;
    without them the release counts it off the goods first (payments.split)."""
    fitted = split.fit(parts, amount) if parts is not None else None
    refund = Refund.objects.create(
        reference=new_reference("RFD"), payment=payment, order=order, amount=amount,
        currency=payment.currency, reason=reason[:40], note=note[:300],
        goods=fitted.goods if fitted else None, shipping=fitted.shipping if fitted else None,
        duties=fitted.duties if fitted else None,
    )  # fmt: skip
    ledger.post_refund(f"refund:{refund.reference}", order, amount)
    _request_refund(refund)
    return refund


def refund_after_release(
    order: Order,
    amount: Decimal,
    legs: list,
    *,
    key: str,
    reason: str,
    actor: Any = None,
    note: str = "",
    parts: split.Parts | None = None,
) -> Refund:
    """A refund after the order's escrow was released (a return within the window of an order
    already completed): `legs` say who gives the money back (the merchant's payable, the
    platform's commission and shipping, the duties); it goes to refunds owed and the provider
    is asked, as for any refund. Idempotent by `key`; call inside a transaction with the order
    locked. Raises ledger.LedgerError when an account lacks the money (nothing written)."""
    existing = Refund.objects.filter(order=order, reason=reason[:40], note=note[:300]).first()
    if existing is not None and LedgerTransaction.objects.filter(key=key).exists():
        return existing
    payment = Payment.objects.filter(
        group_id=order.group_id, status=PaymentStatus.SUCCEEDED
    ).first()
    if payment is None or amount <= 0 or amount > order.refundable:
        raise field_error(
            "order", _("This order has nothing to refund."), PaymentsErrorCode.NOTHING_TO_REFUND
        )
    fitted = split.fit(parts, amount) if parts is not None else None
    refund = Refund.objects.create(
        reference=new_reference("RFD"), payment=payment, order=order, amount=amount,
        currency=payment.currency, reason=reason[:40], note=note[:300],
        goods=fitted.goods if fitted else None, shipping=fitted.shipping if fitted else None,
        duties=fitted.duties if fitted else None,
    )  # fmt: skip
    ledger.post(key, "return_charge",
                [*legs, ledger.credit(ledger.account(AccountKind.REFUNDS, order.currency),
                                      amount)],
                order=order, memo=f"charged back: {note}"[:200])  # fmt: skip
    _request_refund(refund)
    lifecycle.record_refund(order, amount, source=reason, actor=actor, note=note,
                            after_release=True)  # fmt: skip
    return refund


def _request_refund(refund: Refund) -> ProviderCall:
    return outbox.request_call(
        CallKind.REFUND, key=f"refund:{refund.reference}", provider=refund.payment.provider,
        amount=refund.amount, currency=refund.currency, payment=refund.payment, refund=refund,
    )  # fmt: skip


def _refund(
    order: Order,
    amount: Decimal | None,
    reason: str,
    actor: Any,
    note: str = "",
    parts: split.Parts | None = None,
) -> Refund:
    order = Order.objects.select_for_update().get(pk=order.pk)
    payment = Payment.objects.filter(
        group_id=order.group_id, status=PaymentStatus.SUCCEEDED
    ).first()
    if payment is None or order.status not in lifecycle.ESCROW_HELD:
        raise field_error(
            "order", _("This order has nothing to refund."), PaymentsErrorCode.NOTHING_TO_REFUND
        )
    held = ledger.order_escrow(order)
    # "All that is left": duties customs already assessed are owed to the country, not in
    # escrow, until the parcel is returned (caravana.duties moves them back then).
    amount = min(order.refundable, held) if amount is None else clean_amount(amount, order.currency)
    if amount <= 0 or amount > held or amount > order.refundable:
        raise field_error(
            "amount",
            _("Give an amount between 0 and %(n)s.") % {"n": min(held, order.refundable)},
            PaymentsErrorCode.REFUND_TOO_LARGE,
        )
    refund = refund_money(payment, order, amount, reason, note, parts)
    lifecycle.record_refund(order, amount, source=reason, actor=actor, note=note)
    return refund


def refund(
    order: Order,
    amount: Decimal | None,
    *,
    reason: str,
    actor: Any = None,
    key: str | None = None,
    note: str = "",
    parts: split.Parts | None = None,
) -> tuple[Refund, bool]:
    """Give money back from escrow (all that is left when `amount` is None); `parts` as for
    refund_money."""
    if amount is not None:
        amount = clean_amount(amount, order.currency)

    def work() -> dict:
        return {"refund": _refund(order, amount, reason, actor, note, parts).reference}

    owner = str(getattr(actor, "pk", None) or "system")
    data = {"order": order.number, "amount": str(amount), "reason": reason}
    result, replayed = idempotency.run("refund", owner, key, data, work)
    return Refund.objects.get(reference=result["refund"]), replayed


def refund_late(order: Order, buyer: Any) -> Refund:
    """Buyer protection: not delivered by the promised date plus the grace period, refunded in
    one click."""
    if order.buyer_id != buyer.pk:
        raise field_error("order", _("No such order."), PaymentsErrorCode.ORDER_NOT_FOUND)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not lifecycle.protection_due(order):
            raise field_error(
                "order",
                _("This order is still within its delivery window."),
                PaymentsErrorCode.WITHIN_DELIVERY_WINDOW,
            )
        return _refund(order, None, "late_delivery", buyer, "not delivered by the promised date")


def refund_lost(
    order: Order, at: dt.datetime | None = None, source: str = "tracking"
) -> Refund | None:
    """A parcel declared lost: the rest of the order goes back to the buyer. Called by a task
    the parcel_lost event enqueues, and by catch_up_money for an event whose task was lost."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in lifecycle.ESCROW_HELD or order.refundable <= 0:
            return None
        return _refund(order, None, "lost_parcel", None, f"parcel lost ({source})")


@transaction.atomic
def decide_dispute(dispute: Dispute, operator: Any, refund_amount: Any, note: str) -> Dispute:
    """The operator's decision: a refund of `refund_amount` (0 rejects the claim)."""
    dispute = Dispute.objects.select_for_update().select_related("order").get(pk=dispute.pk)
    if dispute.status not in (DisputeStatus.OPEN, DisputeStatus.ANSWERED):
        raise field_error(
            "dispute", _("This dispute is already decided."), PaymentsErrorCode.DISPUTE_DECIDED
        )
    if not getattr(operator, "is_operator", False):
        raise field_error(
            "dispute", _("Only an operator decides disputes."), PaymentsErrorCode.OPERATOR_ONLY
        )
    refund_amount = clean_amount(refund_amount, dispute.order.currency, "refund_amount")
    if refund_amount < 0:
        raise field_error(
            "refund_amount", _("Give an amount of zero or more."), PaymentsErrorCode.INVALID_AMOUNT
        )
    if refund_amount > 0:
        _refund(dispute.order, refund_amount, "dispute", operator, note)
    return order_disputes.close_dispute(
        dispute, refunded=refund_amount, note=note, operator=operator
    )
