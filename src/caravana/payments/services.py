"""Every write to payments, refunds, the ledger and payouts goes through here.

Checkout, payment creation and refunds accept an Idempotency-Key: a retry returns the first
result and never charges or refunds twice. A payment is captured only by a verified provider
event (webhooks.receive), which moves the group's orders to paid and its money into escrow in one
transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.catalog.models import Merchant
from caravana.money import round_money
from caravana.orders import idempotency
from caravana.orders import services as orders
from caravana.orders.models import Dispute, DisputeStatus, Order, OrderGroup, OrderStatus
from caravana.payments import installments, ledger, providers
from caravana.payments.models import (
    AccountKind,
    LedgerAccount,
    Method,
    Payment,
    PaymentStatus,
    PayoutBatch,
    PayoutItem,
    Refund,
)
from caravana.pricing import fx

#: Which methods each buyer country offers.
METHODS: dict[str, tuple[str, ...]] = {
    "BR": ("pix", "boleto", "card"),
    "MX": ("oxxo", "spei", "card"),
    "CL": ("card",),
    "CO": ("card",),
    "PE": ("card",),
    "AR": ("card",),
}
OXXO_MIN, OXXO_MAX = Decimal("10.00"), Decimal("10000.00")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _ref(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def methods_for(country: str) -> tuple[str, ...]:
    return METHODS.get(country, ())


def _card_digits(card_number: str | None) -> str:
    digits = "".join(ch for ch in (card_number or "") if ch.isdigit())
    if not 12 <= len(digits) <= 19 or not providers.luhn_ok(digits):
        raise ValidationError({"card_number": _("This is not a valid card number.")})
    return digits


def _check_method(
    country: str, method: str, amount: Decimal, currency: str, count: int, card: str | None
) -> list[Decimal]:
    if method not in methods_for(country):
        raise ValidationError({"method": _("This payment method is not offered in your country.")})
    if method == "oxxo" and not OXXO_MIN <= amount <= OXXO_MAX:
        raise ValidationError(
            {"method": _("OXXO takes payments from 10 to 10,000 MXN; choose another method.")}
        )
    if method != "card":
        if count != 1:
            raise ValidationError({"installments": _("Only cards are paid in installments.")})
        return [amount]
    _card_digits(card)
    try:
        return installments.plan(country, amount, currency, count)
    except ValueError as exc:
        raise ValidationError({"installments": str(exc).split(": ", 1)[-1]}) from exc


def _public_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The request as fingerprinted for idempotency: never the full card number."""
    out = dict(data)
    if out.get("card_number"):
        digits = "".join(ch for ch in str(out["card_number"]) if ch.isdigit())
        out["card_number"] = f"…{digits[-4:]}:{len(digits)}"
    return out


def _issue(
    group: OrderGroup,
    method: str,
    count: int,
    card_number: str | None,
    notify_url: str,
    *,
    plan: list[Decimal] | None = None,
    reference: str | None = None,
    new_group: bool = False,
) -> Payment:
    """`new_group`: the group was placed in this very transaction (checkout), so it has no
    payment yet and all its orders await payment: the three checks for a later attempt are
    skipped."""
    if plan is None:
        plan = _check_method(group.country, method, group.total, group.currency, count, card_number)
    now = timezone.now()
    if not new_group:
        if Payment.objects.filter(group=group, status=PaymentStatus.SUCCEEDED).exists():
            raise ValidationError({"payment": _("This order is already paid.")})
        if not Order.objects.filter(group=group, status=OrderStatus.AWAITING_PAYMENT).exists():
            raise ValidationError({"payment": _("These orders are no longer waiting for payment.")})
        # A new attempt replaces any earlier one still open (the buyer changed method).
        Payment.objects.filter(group=group, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.CANCELLED
        )
    reference = reference or _ref("PAY")
    issued = providers.get("sandbox").issue(
        reference=reference, method=method, amount=group.total, currency=group.currency,
        country=group.country, card_number=card_number, now=now,
    )  # fmt: skip
    payment = Payment.objects.create(
        reference=reference,
        group=group,
        method=method,
        status=PaymentStatus.DECLINED if issued.status == "declined" else PaymentStatus.PENDING,
        amount=group.total,
        currency=group.currency,
        installments=count,
        installment_amounts=[str(a) for a in plan],
        card_brand=issued.card.get("brand", ""),
        card_last4=issued.card.get("last4", ""),
        artefact=issued.artefact,
        decline_reason=issued.decline_reason,
        notify_url=notify_url[:300],
        expires_at=issued.expires_at,
    )
    if issued.expires_at and method in ("boleto", "oxxo", "spei"):
        orders.extend_expiry(group, issued.expires_at)
    if issued.approved:
        # An approved card is confirmed the way a provider does it: by a webhook, after commit.
        from caravana.payments.tasks import sandbox_confirm

        ref = payment.reference
        transaction.on_commit(lambda: sandbox_confirm.delay(ref, "succeeded"))
    return payment


def checkout(
    buyer: Any,
    country: str,
    data: Mapping[str, Any],
    lines: list[tuple[int, int]],
    *,
    key: str | None = None,
    notify_url: str = "",
) -> tuple[OrderGroup, Payment, bool]:
    """Place the orders and create their payment in one transaction: (group, payment,
    replayed). `data` holds the address, buyer ID, service level, method, installments and, for
    cards, the card number (used once for authorisation, never stored)."""
    method = str(data.get("method") or "")
    count = data.get("installments") or 1
    if type(count) is not int:
        raise ValidationError({"installments": _("Give a whole number.")})

    card = data.get("card_number")
    # Validation, variant reads and quotes run before the transaction (prepare); inside it:
    # the idempotency key, the orders, the payment, and last the stock reservations.
    planned = {"group": orders.new_reference(), "payment": _ref("PAY")}
    made: dict[str, Any] = {}

    def prepare() -> tuple[orders.PreparedOrder, list[Decimal]]:
        prepared = orders.prepare_order(buyer, country, data, lines)
        plan = _check_method(country, method, prepared.total, prepared.currency, count, card)
        return prepared, plan

    def work(ready: tuple[orders.PreparedOrder, list[Decimal]]) -> dict:
        prepared, plan = ready

        def issue(group: OrderGroup) -> None:  # before the stock rows are locked
            made["payment"] = _issue(group, method, count, card, notify_url, plan=plan,
                                     reference=planned["payment"], new_group=True)  # fmt: skip

        group = orders.write_order(prepared, reference=planned["group"], before_reserving=issue)
        made["group"] = group
        return {"group": group.reference, "payment": made["payment"].reference}

    fingerprint = {"country": country, "lines": sorted(lines), **_public_data(data)}
    result, replayed = idempotency.run(
        "checkout", str(buyer.pk), key, fingerprint, work, prepare=prepare, result=planned
    )
    if not replayed and made:
        return made["group"], made["payment"], False
    group = OrderGroup.objects.get(reference=result["group"])
    return group, Payment.objects.get(reference=result["payment"]), replayed


def create_payment(
    group: OrderGroup,
    buyer: Any,
    method: str,
    *,
    count: int = 1,
    card_number: str | None = None,
    key: str | None = None,
    notify_url: str = "",
) -> tuple[Payment, bool]:
    """Another attempt to pay a group (after a declined card or an expired Pix code)."""
    if group.buyer_id != buyer.pk:
        raise ValidationError({"group": _("No such order.")})

    def work() -> dict:
        locked = OrderGroup.objects.select_for_update().get(pk=group.pk)
        return {"payment": _issue(locked, method, count, card_number, notify_url).reference}

    data = _public_data({"group": group.reference, "method": method, "installments": count,
                         "card_number": card_number})  # fmt: skip
    result, replayed = idempotency.run("payment", str(buyer.pk), key, data, work)
    return Payment.objects.get(reference=result["payment"]), replayed


# --- provider events ----------------------------------------------------------------------------


def capture(payment: Payment, at: dt.datetime | None = None) -> Payment:
    """The provider has the money. Idempotent: a payment already captured is left alone."""
    at = at or timezone.now()
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("group").get(pk=payment.pk)
        if payment.status == PaymentStatus.SUCCEEDED:
            return payment
        if Payment.objects.filter(group=payment.group, status=PaymentStatus.SUCCEEDED).exists():
            raise ValidationError({"payment": "another payment for this group already succeeded"})
        payment.status = PaymentStatus.SUCCEEDED
        payment.captured_at = at
        payment.save(update_fields=["status", "captured_at"])
        group_orders = list(Order.objects.filter(group=payment.group).order_by("pk"))
        ledger.post_capture(
            f"capture:{payment.reference}", payment.currency, [(o, o.total) for o in group_orders]
        )
        late = orders.mark_paid(payment.group, at)
        for order in late:  # expired before the money came: it goes straight back
            _refund_money(payment, order, order.total - order.refunded, "expired_before_payment")
            orders.record_late_refund(order)
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
    now = now or timezone.now()
    return Payment.objects.filter(
        pk__in=list(
            Payment.objects.filter(status=PaymentStatus.PENDING, expires_at__lt=now).values_list(
                "pk", flat=True
            )[:limit]
        ),
        status=PaymentStatus.PENDING,
    ).update(status=PaymentStatus.EXPIRED)


# --- refunds ------------------------------------------------------------------------------------


def _refund_money(
    payment: Payment, order: Order, amount: Decimal, reason: str, note: str = ""
) -> Refund:
    provider = providers.get(payment.provider)
    provider.refund(reference=payment.reference, amount=amount, currency=payment.currency)
    refund = Refund.objects.create(
        reference=_ref("RFD"), payment=payment, order=order, amount=amount,
        currency=payment.currency, reason=reason[:40], note=note[:300],
    )  # fmt: skip
    ledger.post_refund(f"refund:{refund.reference}", order, amount)
    return refund


def _refund(
    order: Order, amount: Decimal | None, reason: str, actor: Any, note: str = ""
) -> Refund:
    order = Order.objects.select_for_update().get(pk=order.pk)
    payment = Payment.objects.filter(
        group_id=order.group_id, status=PaymentStatus.SUCCEEDED
    ).first()
    if payment is None or order.status not in orders.ESCROW_HELD:
        raise ValidationError({"order": _("This order has nothing to refund.")})
    amount = order.refundable if amount is None else round_money(amount, order.currency)
    held = ledger.order_escrow(order)
    if amount <= 0 or amount > held or amount > order.refundable:
        raise ValidationError(
            {
                "amount": _("Give an amount between 0 and %(n)s.")
                % {"n": min(held, order.refundable)}
            }
        )
    refund = _refund_money(payment, order, amount, reason, note)
    orders.record_refund(order, amount, source=reason, actor=actor, note=note)
    return refund


def refund(
    order: Order,
    amount: Decimal | None,
    *,
    reason: str,
    actor: Any = None,
    key: str | None = None,
    note: str = "",
) -> tuple[Refund, bool]:
    """Give money back from escrow (all that is left when `amount` is None)."""

    def work() -> dict:
        return {"refund": _refund(order, amount, reason, actor, note).reference}

    owner = str(getattr(actor, "pk", None) or "system")
    data = {"order": order.number, "amount": str(amount), "reason": reason}
    result, replayed = idempotency.run("refund", owner, key, data, work)
    return Refund.objects.get(reference=result["refund"]), replayed


def refund_late(order: Order, buyer: Any) -> Refund:
    """Buyer protection: not delivered by the promised date plus the grace period, refunded in
    one click."""
    if order.buyer_id != buyer.pk:
        raise ValidationError({"order": _("No such order.")})
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not orders.protection_due(order):
            raise ValidationError({"order": _("This order is still within its delivery window.")})
        return _refund(order, None, "late_delivery", buyer, "not delivered by the promised date")


def refund_lost(
    order: Order, at: dt.datetime | None = None, source: str = "tracking"
) -> Refund | None:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in orders.ESCROW_HELD or order.refundable <= 0:
            return None
        return _refund(order, None, "lost_parcel", None, f"parcel lost ({source})")


@transaction.atomic
def decide_dispute(dispute: Dispute, operator: Any, refund_amount: Decimal, note: str) -> Dispute:
    """The operator's decision: a refund of `refund_amount` (0 rejects the claim)."""
    dispute = Dispute.objects.select_for_update().select_related("order").get(pk=dispute.pk)
    if dispute.status not in (DisputeStatus.OPEN, DisputeStatus.ANSWERED):
        raise ValidationError({"dispute": _("This dispute is already decided.")})
    if not getattr(operator, "is_operator", False):
        raise ValidationError({"dispute": _("Only an operator decides disputes.")})
    if refund_amount < 0:
        raise ValidationError({"refund_amount": _("Give an amount of zero or more.")})
    if refund_amount > 0:
        _refund(dispute.order, refund_amount, "dispute", operator, note)
    return orders.close_dispute(dispute, refunded=refund_amount, note=note, operator=operator)


# --- escrow release and payouts -----------------------------------------------------------------


def release(order: Order) -> None:
    ledger.post_release(order)


def payout_currency(merchant: Merchant) -> str:
    return merchant.payout_currency or "CNY"


@transaction.atomic
def run_payout(merchant: Merchant, on: dt.date | None = None) -> PayoutBatch | None:
    """Pay a merchant all it is owed, each buyer currency converted to CNY at the day's rate
    (recorded with its date and source on the batch). None when nothing is owed."""
    on = on or timezone.now().date()
    target = payout_currency(merchant)
    accounts = list(
        LedgerAccount.objects.select_for_update()
        .filter(merchant=merchant, kind=AccountKind.MERCHANT_PAYABLE, balance__gt=0)
        .order_by("currency")
    )
    if not accounts:
        return None
    quotes = []
    for acct in accounts:
        try:
            rate, when, source = fx.rate_info(acct.currency, target, on)
        except fx.MissingRate as exc:
            raise ValidationError({"fx": str(exc)}) from exc
        quotes.append((acct, rate, when, source))
    batch = PayoutBatch.objects.create(
        reference=_ref("PO"), merchant=merchant, currency=target, total=Decimal(0)
    )
    total = Decimal(0)
    for acct, rate, when, source in quotes:
        amount = acct.balance
        txn = ledger.post(
            f"payout:{batch.reference}:{acct.currency}",
            "payout",
            [
                ledger.debit(acct, amount),
                ledger.credit(ledger.account(AccountKind.CLEARING, acct.currency), amount),
            ],
            memo=f"payout {batch.reference} to {merchant.legal_name}"[:200],
        )
        converted = round_money(amount * rate, target)
        PayoutItem.objects.create(
            batch=batch, source_currency=acct.currency, source_amount=amount, rate=rate,
            rate_date=when, rate_source=source[:300], amount=converted, ledger_transaction=txn,
        )  # fmt: skip
        total += converted
    batch.total = total
    PayoutBatch.objects.filter(pk=batch.pk).update(total=total)
    return batch


def run_payouts(on: dt.date | None = None, limit: int = 1000) -> list[PayoutBatch]:
    ids = (
        LedgerAccount.objects.filter(kind=AccountKind.MERCHANT_PAYABLE, balance__gt=0)
        .values_list("merchant_id", flat=True)
        .distinct()[:limit]
    )
    batches = []
    for merchant in Merchant.objects.filter(pk__in=list(ids)):
        batch = run_payout(merchant, on)
        if batch is not None:
            batches.append(batch)
    return batches


def sandbox_simulate(payment: Payment, outcome: str = "succeeded") -> tuple[int, dict]:
    """What the sandbox's "confirm payment" button does: the provider sends a signed event to
    our webhook endpoint (the real path), which captures, declines or expires the payment."""
    if payment.provider != "sandbox":
        raise ValidationError({"payment": "only sandbox payments can be simulated"})
    if outcome not in ("succeeded", "failed", "expired"):
        raise ValidationError({"outcome": "succeeded, failed or expired"})
    sb = providers.sandbox()
    body = sb.event(payment.reference, outcome, payment.amount, payment.currency)
    return sb.deliver(body, payment.notify_url)


def payment_method_label(method: str) -> str:
    return str(Method(method).label)


def settings_value(name: str, default: Any) -> Any:
    return getattr(settings, name, default)
