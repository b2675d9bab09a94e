"""Every write to payments, refunds, the ledger and payouts goes through here.

Checkout, payment creation and refunds accept an Idempotency-Key: a retry returns the first
result and never charges or refunds twice. A payment is captured only by what its provider says
arrived (a verified webhook, or polling), and only when that is exactly what is owed; the
capture moves the group's orders to paid and its money into escrow in one transaction.

No provider is called inside a transaction: issuing runs before the checkout's transaction, and
captures, refunds and payouts are request rows (ProviderCall, the outbox) written with the
business change and sent after commit by a task, retried with backoff, swept when lost. See
docs/decisions/0005-payments-outbox.md."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import markets
from caravana.catalog.models import Merchant
from caravana.money import round_money
from caravana.orders import idempotency
from caravana.orders import services as orders
from caravana.orders.models import Dispute, DisputeStatus, Order, OrderGroup, OrderStatus
from caravana.payments import installments, ledger, providers
from caravana.payments.models import (
    AccountKind,
    CallKind,
    CallStatus,
    LedgerAccount,
    LedgerTransaction,
    Method,
    Payment,
    PaymentStatus,
    PayoutBatch,
    PayoutItem,
    ProviderCall,
    Refund,
    RefundStatus,
)
from caravana.pricing import fx

logger = logging.getLogger(__name__)
OXXO_MIN, OXXO_MAX = Decimal("10.00"), Decimal("10000.00")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _ref(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def methods_for(country: str) -> tuple[str, ...]:
    """The methods the buyer's market offers (caravana.markets), in the order offered."""
    market = markets.get(country)
    return market.payment_methods if market else ()


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


def _method_errors(country: str, method: str, card: str | None) -> dict[str, list[str]]:
    """What is wrong with the chosen method's own fields, checked without the total: shown with
    the address's and the ID's errors, so the buyer sees every wrong field at once."""
    try:
        if method not in methods_for(country):
            raise ValidationError(
                {"method": _("This payment method is not offered in your country.")}
            )
        if method == "card":
            _card_digits(card)
    except ValidationError as exc:
        return exc.message_dict
    return {}


def _public_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The request as fingerprinted for idempotency: never the full card number."""
    out = dict(data)
    if out.get("card_number"):
        digits = "".join(ch for ch in str(out["card_number"]) if ch.isdigit())
        out["card_number"] = f"…{digits[-4:]}:{len(digits)}"
    return out


def _provider_for_new_payment() -> tuple[str, providers.Provider]:
    name = providers.default_name()
    if name is None:
        raise ValidationError(
            {"method": _("Payments are not available: no payment provider is configured.")}
        )
    return name, providers.get(name)


def _authorise(
    reference: str, method: str, amount: Decimal, currency: str, country: str, card: str | None,
    payer: dict[str, Any] | None = None,
) -> tuple[str, providers.Issued]:  # fmt: skip
    """Ask the provider for the payment's artefact (Pix code, boleto, CLABE, card
    authorisation). Runs before the transaction that records the payment, with the planned
    payment reference as idempotency key: a retry gets the same answer. `payer`: who pays
    (a real provider needs the e-mail and ID; boleto the address)."""
    name, provider = _provider_for_new_payment()
    issued = provider.issue(
        key=f"issue:{reference}", reference=reference, method=method, amount=amount,
        currency=currency, country=country, card_number=card, now=timezone.now(), payer=payer,
    )  # fmt: skip
    return name, issued


def _payer(
    buyer: Any, name: str, email: str, id_type: str, id_number: str, address: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "email": email or getattr(buyer, "email", "") or "",
        "name": name or getattr(buyer, "get_full_name", lambda: "")() or "",
        "id_type": id_type, "id_number": id_number, "address": dict(address),
    }  # fmt: skip


def _check_payable(group: OrderGroup) -> None:
    if Payment.objects.filter(group=group, status=PaymentStatus.SUCCEEDED).exists():
        raise ValidationError({"payment": _("This order is already paid.")})
    if not Order.objects.filter(group=group, status=OrderStatus.AWAITING_PAYMENT).exists():
        raise ValidationError({"payment": _("These orders are no longer waiting for payment.")})


def _record_payment(
    group: OrderGroup,
    method: str,
    count: int,
    plan: list[Decimal],
    provider_name: str,
    issued: providers.Issued,
    reference: str,
    notify_url: str,
    *,
    new_group: bool = False,
) -> Payment:
    """Write the payment the provider issued. `new_group`: the group was placed in this very
    transaction (checkout), so it has no payment yet and all its orders await payment: the
    checks for a later attempt are skipped. An approved card's capture is a request row sent
    after commit (the outbox), never a call from here."""
    if not new_group:
        _check_payable(group)
        # A new attempt replaces any earlier one still open (the buyer changed method).
        Payment.objects.filter(group=group, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.CANCELLED
        )
    payment = Payment.objects.create(
        reference=reference,
        group=group,
        provider=provider_name,
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
        request_call(
            CallKind.CAPTURE, key=f"capture:{reference}", provider=provider_name,
            amount=payment.amount, currency=payment.currency, payment=payment,
        )  # fmt: skip
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
    # Validation, variant reads, quotes and the provider's issue run before the transaction
    # (prepare); inside it: the idempotency key, the orders, the payment (with its capture
    # request, for an approved card), and last the stock reservations.
    planned = {"group": orders.new_reference(), "payment": _ref("PAY")}
    made: dict[str, Any] = {}

    def prepare() -> tuple[orders.PreparedOrder, list[Decimal], str, providers.Issued]:
        _provider_for_new_payment()
        try:
            prepared = orders.prepare_order(buyer, country, data, lines)
        except ValidationError as exc:
            errors = _method_errors(country, method, card)
            if errors and hasattr(exc, "error_dict"):
                raise ValidationError({**errors, **exc.message_dict}) from exc
            raise
        plan = _check_method(country, method, prepared.total, prepared.currency, count, card)
        addr = prepared.address
        payer = _payer(
            buyer, str(data.get("recipient") or ""), str(data.get("email") or ""),
            prepared.id_type, prepared.id_number,
            {"street_address": addr.street_address, "city": addr.city,
             "city_area": addr.city_area, "state": addr.state, "postal_code": addr.postal_code},
        )  # fmt: skip
        name, issued = _authorise(
            planned["payment"], method, prepared.total, prepared.currency, country, card, payer
        )
        return prepared, plan, name, issued

    def work(ready: tuple[orders.PreparedOrder, list[Decimal], str, providers.Issued]) -> dict:
        prepared, plan, name, issued = ready

        def record(group: OrderGroup) -> None:  # before the stock rows are locked
            made["payment"] = _record_payment(
                group, method, count, plan, name, issued, planned["payment"], notify_url,
                new_group=True,
            )  # fmt: skip

        group = orders.write_order(prepared, reference=planned["group"], before_reserving=record)
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
    """Another attempt to pay a group (after a declined card or an expired Pix code). The
    provider issues it before the transaction; the checks are made again inside it."""
    if group.buyer_id != buyer.pk:
        raise ValidationError({"group": _("No such order.")})
    planned = {"payment": _ref("PAY")}

    def prepare() -> tuple[list[Decimal], str, providers.Issued]:
        plan = _check_method(group.country, method, group.total, group.currency, count, card_number)
        _check_payable(group)
        payer = _payer(
            buyer, group.recipient, group.email, group.buyer_id_type, group.buyer_id_number,
            {"street_address": group.street_address, "city": group.city,
             "city_area": group.city_area, "state": group.state, "postal_code": group.postal_code},
        )  # fmt: skip
        name, issued = _authorise(
            planned["payment"], method, group.total, group.currency, group.country, card_number,
            payer,
        )  # fmt: skip
        return plan, name, issued

    def work(ready: tuple[list[Decimal], str, providers.Issued]) -> dict:
        plan, name, issued = ready
        locked = OrderGroup.objects.select_for_update().get(pk=group.pk)
        payment = _record_payment(
            locked, method, count, plan, name, issued, planned["payment"], notify_url
        )
        return {"payment": payment.reference}

    data = _public_data({"group": group.reference, "method": method, "installments": count,
                         "card_number": card_number})  # fmt: skip
    result, replayed = idempotency.run(
        "payment", str(buyer.pk), key, data, work, prepare=prepare, result=planned
    )
    return Payment.objects.get(reference=result["payment"]), replayed


# --- provider events ----------------------------------------------------------------------------


def _received(amount: Any, currency: Any) -> tuple[Decimal | None, str]:
    """What a provider said arrived, or (None, currency) when it is not a usable amount. The
    currency is compared whole: "BRLX" is not BRL (cutting it first would make it so)."""
    cur = str(currency or "").strip().upper()
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError, TypeError):
        return None, cur
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
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
    at = at or timezone.now()
    received, cur = _received(amount, currency)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("group").get(pk=payment.pk)
        if payment.status in (
            PaymentStatus.SUCCEEDED, PaymentStatus.RETURNED, PaymentStatus.REVIEW
        ):  # fmt: skip
            return payment
        # The capture posts, then may post refunds for orders that expired meanwhile: every
        # account either touches is locked now, in the ledger's one order (no deadlock).
        ledger.lock(ledger.capture_accounts(payment.currency))
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
            _return_money(payment, payment.amount, payment.currency, "paid_twice",
                          "the group was already paid by another payment")  # fmt: skip
            return payment
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


def _return_money(
    payment: Payment, amount: Decimal, currency: str, reason: str, note: str
) -> Refund:
    """Record money that arrived for no order (ledger: clearing to refunds owed, under the
    payment's capture key, so it is captured exactly once) and request its refund. Call inside
    a transaction with the payment locked."""
    payment.status = PaymentStatus.RETURNED
    payment.save(update_fields=["status", "captured_at", "review_note", "reviewed_at"])
    ledger.post_returned(f"capture:{payment.reference}", currency, amount)
    order = Order.objects.filter(group=payment.group).order_by("pk").first()
    refund = Refund.objects.create(
        reference=_ref("RFD"), payment=payment, order=order, amount=amount, currency=currency,
        reason=reason, note=note[:300],
    )  # fmt: skip
    _request_refund(refund)
    return refund


def fail(payment: Payment, status: str, reason: str = "") -> Payment:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == PaymentStatus.PENDING:
            payment.status = status
            payment.decline_reason = reason[:200]
            payment.save(update_fields=["status", "decline_reason"])
    return payment


# --- the operators' review queue ----------------------------------------------------------------


def _reviewing(payment: Payment, operator: Any) -> Payment:
    if not getattr(operator, "is_operator", False):
        raise ValidationError({"payment": _("Only an operator reviews payments.")})
    payment = Payment.objects.select_for_update().select_related("group").get(pk=payment.pk)
    if payment.status != PaymentStatus.REVIEW:
        raise ValidationError({"payment": _("This payment is not held for review.")})
    return payment


def refund_review(payment: Payment, operator: Any, note: str = "") -> Refund:
    """Send back what arrived for a payment held for review (the amount the provider
    reported): it is recorded in the ledger and refunded; the orders stay unpaid."""
    with transaction.atomic():
        payment = _reviewing(payment, operator)
        amount, cur = payment.received_amount, payment.received_currency
        if amount is None or amount <= 0 or len(cur) != 3:
            raise ValidationError(
                {"payment": _("The provider reported no amount that can be sent back.")}
            )
        amount = round_money(amount, cur)
        payment.captured_at = timezone.now()
        payment.reviewed_at = payment.captured_at
        payment.review_note = (note.strip() or payment.review_note)[:300]
        return _return_money(payment, amount, cur, "amount_mismatch", payment.review_note)


def resolve_review(payment: Payment, operator: Any, note: str) -> Payment:
    """Close a review without moving money (nothing arrived after all, or it was settled at the
    provider): the payment is cancelled, with the operator's note."""
    if not note.strip():
        raise ValidationError({"note": _("Say how it was resolved.")})
    with transaction.atomic():
        payment = _reviewing(payment, operator)
        payment.status = PaymentStatus.CANCELLED
        payment.review_note = note.strip()[:300]
        payment.reviewed_at = timezone.now()
        payment.save(update_fields=["status", "review_note", "reviewed_at"])
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
    after = dt.timedelta(seconds=settings_value("PAYMENTS_POLL_AFTER_SECONDS", 120))
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


# --- refunds ------------------------------------------------------------------------------------

#: Larger than any amount a 14-digit money field holds.
MAX_AMOUNT = Decimal(10) ** 12


def clean_amount(value: Any, currency: str, field: str = "amount") -> Decimal:
    """A finite amount within the money fields' range, rounded to the currency: NaN, Infinity,
    1e30 and the like are a 422 naming the field, never a 500."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Give an amount.")}) from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ValidationError({field: _("Give an amount.")})
    if amount.is_signed():
        raise ValidationError({field: _("Give an amount of zero or more.")})
    return round_money(amount, currency)


def _refund_money(
    payment: Payment, order: Order, amount: Decimal, reason: str, note: str = ""
) -> Refund:
    """Record a refund out of the order's escrow and its request to the provider (outbox), in
    the caller's transaction. The provider is called after commit."""
    refund = Refund.objects.create(
        reference=_ref("RFD"), payment=payment, order=order, amount=amount,
        currency=payment.currency, reason=reason[:40], note=note[:300],
    )  # fmt: skip
    ledger.post_refund(f"refund:{refund.reference}", order, amount)
    _request_refund(refund)
    return refund


def _request_refund(refund: Refund) -> ProviderCall:
    return request_call(
        CallKind.REFUND, key=f"refund:{refund.reference}", provider=refund.payment.provider,
        amount=refund.amount, currency=refund.currency, payment=refund.payment, refund=refund,
    )  # fmt: skip


def _refund(
    order: Order, amount: Decimal | None, reason: str, actor: Any, note: str = ""
) -> Refund:
    order = Order.objects.select_for_update().get(pk=order.pk)
    payment = Payment.objects.filter(
        group_id=order.group_id, status=PaymentStatus.SUCCEEDED
    ).first()
    if payment is None or order.status not in orders.ESCROW_HELD:
        raise ValidationError({"order": _("This order has nothing to refund.")})
    amount = order.refundable if amount is None else clean_amount(amount, order.currency)
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
    if amount is not None:
        amount = clean_amount(amount, order.currency)

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
    """A parcel declared lost: the rest of the order goes back to the buyer. Called by a task
    the parcel_lost event enqueues, and by catch_up_money for an event whose task was lost."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in orders.ESCROW_HELD or order.refundable <= 0:
            return None
        return _refund(order, None, "lost_parcel", None, f"parcel lost ({source})")


@transaction.atomic
def decide_dispute(dispute: Dispute, operator: Any, refund_amount: Any, note: str) -> Dispute:
    """The operator's decision: a refund of `refund_amount` (0 rejects the claim)."""
    dispute = Dispute.objects.select_for_update().select_related("order").get(pk=dispute.pk)
    if dispute.status not in (DisputeStatus.OPEN, DisputeStatus.ANSWERED):
        raise ValidationError({"dispute": _("This dispute is already decided.")})
    if not getattr(operator, "is_operator", False):
        raise ValidationError({"dispute": _("Only an operator decides disputes.")})
    refund_amount = clean_amount(refund_amount, dispute.order.currency, "refund_amount")
    if refund_amount < 0:
        raise ValidationError({"refund_amount": _("Give an amount of zero or more.")})
    if refund_amount > 0:
        _refund(dispute.order, refund_amount, "dispute", operator, note)
    return orders.close_dispute(dispute, refunded=refund_amount, note=note, operator=operator)


# --- escrow release and payouts -----------------------------------------------------------------


def release(order: Order) -> None:
    """Delivery confirmed and accepted: escrow to the merchant, the platform and the duties.
    Called by the task order_completed enqueues (and catch_up_money); idempotent by key."""
    try:
        with transaction.atomic():
            ledger.post_release(order)
    except IntegrityError:  # the task and the catch-up posted it at the same moment
        if not LedgerTransaction.objects.filter(key=f"release:{order.number}").exists():
            raise


def catch_up_money(limit: int = 500) -> int:
    """What a lost task left undone: completed orders whose escrow was never released, and
    orders whose parcel was declared lost but which were never refunded. Run periodically."""
    done = 0
    unreleased = (
        Order.objects.filter(status=OrderStatus.COMPLETED, refunded__lt=F("total"))
        .exclude(ledger_transactions__kind="release")
        .order_by("pk")[:limit]
    )
    for order in unreleased:
        release(order)
        done += 1
    lost = (
        Order.objects.filter(
            status__in=orders.ESCROW_HELD, refunded__lt=F("total"), events__note="parcel lost"
        )
        .distinct()
        .order_by("pk")[:limit]
    )
    for order in lost:
        done += refund_lost(order, source="catch-up") is not None
    return done


def payout_currency(merchant: Merchant) -> str:
    return merchant.payout_currency or "CNY"


@transaction.atomic
def run_payout(merchant: Merchant, on: dt.date | None = None) -> PayoutBatch | None:
    """Pay a merchant all it is owed, each buyer currency converted to CNY at the day's rate
    (recorded with its date and source on the batch). None when nothing is owed. The transfer
    itself is a request row in the same transaction (the outbox), sent after commit."""
    on = on or timezone.now().date()
    provider = providers.default_name()
    if provider is None:
        raise ValidationError({"provider": _("No payment provider is configured.")})
    target = payout_currency(merchant)
    payable = list(
        LedgerAccount.objects.filter(
            merchant=merchant, kind=AccountKind.MERCHANT_PAYABLE, balance__gt=0
        ).values_list("pk", "currency")
    )
    if not payable:
        return None
    # One post per currency: each payable and its clearing account are locked first, all
    # together in the ledger's order (no deadlock with a capture or a release), then read.
    clearing = [ledger.account(AccountKind.CLEARING, cur) for _pk, cur in payable]
    locked = ledger.lock([LedgerAccount(pk=pk) for pk, _cur in payable] + clearing)
    accounts = sorted(
        (locked[pk] for pk, _cur in payable if locked[pk].balance > 0), key=lambda a: a.currency
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
    request_call(
        CallKind.PAYOUT, key=f"payout:{batch.reference}", provider=provider, amount=total,
        currency=target, payout=batch,
    )  # fmt: skip
    return batch


def run_payouts(on: dt.date | None = None, limit: int = 1000) -> list[PayoutBatch]:
    """One transaction per merchant (run_payout), each with its transfer request."""
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


# --- the outbox: requests to providers ----------------------------------------------------------


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
            "next_attempt_at": timezone.now() + grace,
        },
    )  # fmt: skip
    if created:
        pk = call.pk
        transaction.on_commit(lambda: _enqueue(pk))
    return call


def _enqueue(pk: int) -> None:
    from caravana.payments.tasks import perform_call

    try:
        perform_call.delay(pk)
    except Exception:  # broker down: the sweeper sends it
        logger.warning("could not enqueue provider call %s", pk, exc_info=True)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … doubling up to an hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _send(call: ProviderCall) -> str:
    provider = providers.get(call.provider)
    if call.kind == CallKind.CAPTURE:
        return provider.capture(
            key=call.key, payment_reference=call.payment.reference, amount=call.amount,
            currency=call.currency, notify_url=call.payment.notify_url,
        )  # fmt: skip
    if call.kind == CallKind.REFUND:
        return provider.refund(
            key=call.key, payment_reference=call.payment.reference, amount=call.amount,
            currency=call.currency,
        )  # fmt: skip
    if call.kind == CallKind.PAYOUT:
        return provider.payout(
            key=call.key, beneficiary=f"merchant:{call.payout.merchant_id}", amount=call.amount,
            currency=call.currency,
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
    call = ProviderCall.objects.select_related("payment", "refund", "payout").filter(pk=pk).first()
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
            Refund.objects.filter(pk=refund.pk).update(
                status=RefundStatus.PAID, provider_reference=str(reference)[:64], paid_at=now
            )
            ledger.post_refund_paid(
                f"refund:{refund.reference}", refund.currency, refund.amount,
                None if refund.reason in ledger.RETURN_REASONS else refund.order,
            )  # fmt: skip
        elif call.kind == CallKind.PAYOUT:
            PayoutBatch.objects.filter(pk=call.payout_id).update(
                status="paid", provider_reference=str(reference)[:64]
            )
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
        raise ValidationError({"call": _("Only an operator retries provider calls.")})
    with transaction.atomic():
        ProviderCall.objects.filter(pk=call.pk, status=CallStatus.FAILED).update(
            status=CallStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        Refund.objects.filter(pk=call.refund_id, status=RefundStatus.FAILED).update(
            status=RefundStatus.PENDING
        )
        pk = call.pk
        transaction.on_commit(lambda: _enqueue(pk))
    call.refresh_from_db()
    return call


# --- the sandbox --------------------------------------------------------------------------------


def sandbox_simulate(payment: Payment, outcome: str = "succeeded") -> tuple[int, dict]:
    """What the sandbox's "confirm payment" button does, acting as the bank: on success the
    money is booked at the sandbox, then the provider sends a signed event to our receiver (in
    process with eager Celery, from a worker otherwise), which captures, declines or expires the
    payment."""
    if not providers.sandbox_enabled():
        raise ValidationError({"payment": "the sandbox is off"})
    if payment.provider != "sandbox":
        raise ValidationError({"payment": "only sandbox payments can be simulated"})
    if outcome not in ("succeeded", "failed", "expired"):
        raise ValidationError({"outcome": "succeeded, failed or expired"})
    sb = providers.sandbox()
    if outcome == "succeeded":
        sb.charge(payment.reference, payment.amount, payment.currency)
    return sb.notify(
        payment.reference, outcome, payment.amount, payment.currency, payment.notify_url
    )


def payment_method_label(method: str) -> str:
    return str(Method(method).label)


def settings_value(name: str, default: Any) -> Any:
    return getattr(settings, name, default)
