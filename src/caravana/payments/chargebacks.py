"""Chargebacks: a buyer's bank takes a payment back through the provider (Stripe's
charge.dispute.*, Mercado Pago's `chargebacks` topic). The provider's notification is verified,
the dispute is read back from the provider's API (payments.webhooks), then `apply` does the rest
in one transaction, idempotently, whatever order the notifications come in:

- opened: the case is recorded and each order's share of the amount is frozen where it still
  is: in escrow (its release waits: payments.escrow.release) or, once released, in the
  merchant's payable (Dr merchant_payable / Cr chargeback_hold), so a payout cannot pay it.
  What was already paid out cannot be frozen.
- won: the freeze is undone (Cr merchant_payable back; escrow released if the order completed
  meanwhile).
- lost: the provider has taken the money from our balance (Cr clearing): the order's share
  leaves escrow (kind chargeback_lost) or the frozen payable, and what could not be taken back
  from the merchant is the platform's loss (Dr chargeback_losses).

A notification for a case already closed changes nothing; closed before opened (events out of
order) opens and closes at once. Every posting's key names the case, so nothing is booked twice.
The evidence an operator sends is gathered by payments.evidence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.errors import field_error
from caravana.orders.models import Order
from caravana.payments import escrow, evidence, ledger, outbox
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.ledger import credit, debit
from caravana.payments.models import (
    AccountKind,
    CallKind,
    Chargeback,
    ChargebackStatus,
    LedgerEntry,
    Payment,
)
from caravana.payments.providers import Dispute

ZERO = Decimal(0)
CLOSED = (ChargebackStatus.WON, ChargebackStatus.LOST)


def find_payment(provider_name: str, info: Dispute) -> Payment | None:
    qs = Payment.objects.filter(provider=provider_name)
    if info.reference:
        found = qs.filter(reference=info.reference).first()
        if found is not None:
            return found
    if not info.payment_id:
        return None
    return qs.filter(artefact__provider_id=info.payment_id).first()


def apply(provider_name: str, info: Dispute) -> Chargeback:
    """Open, and when the provider says so close, the case for `info` (LookupError: not a
    payment of ours)."""
    with transaction.atomic():
        payment = find_payment(provider_name, info)
        if payment is None:
            raise LookupError(info.payment_id)
        case, created = Chargeback.objects.select_for_update().get_or_create(
            provider=provider_name, dispute_id=info.dispute_id,
            defaults={"payment": payment, "amount": info.amount, "currency": info.currency,
                      "reason": info.reason[:60], "provider_status": info.raw_status[:40],
                      "due_by": info.due_by},
        )  # fmt: skip
        if created:
            _freeze(case)
        elif case.status in CLOSED:
            return case  # a late or repeated notification: the outcome is booked
        else:
            case.provider_status = info.raw_status[:40]
            case.due_by = info.due_by or case.due_by
            case.save(update_fields=["provider_status", "due_by"])
        if info.status in ("won", "lost"):
            _close(case, info.status)
    return case


def _allocate(case: Chargeback) -> list[tuple[Order, Decimal]]:
    """Each order of the payment's group bears the amount in turn, up to what it was paid."""
    left = case.amount
    out = []
    for order in Order.objects.filter(group_id=case.payment.group_id).order_by("pk"):
        share = min(left, order.total - order.refunded)
        if share > ZERO:
            out.append((order, share))
            left -= share
    return out


def _released_to_merchant(order: Order) -> Decimal:
    """What the order's release credited to its merchant (0 before release)."""
    total = LedgerEntry.objects.filter(
        transaction__key=f"release:{order.number}", account__kind=AccountKind.MERCHANT_PAYABLE
    ).values_list("amount", flat=True)
    return -sum((Decimal(a) for a in total), ZERO)


def _freeze(case: Chargeback) -> None:
    holds: list[dict[str, Any]] = []
    cur = case.currency
    for order, share in _allocate(case):
        released = _released_to_merchant(order)
        if not released:  # still in escrow: its release waits for the outcome
            holds.append({"order": order.number, "share": str(share), "where": "escrow",
                          "frozen": str(min(share, ledger.order_escrow(order)))})  # fmt: skip
            continue
        payable = ledger.account(AccountKind.MERCHANT_PAYABLE, cur, merchant=order.merchant)
        payable.refresh_from_db(fields=["balance"])
        frozen = min(share, released, payable.balance)
        if frozen > ZERO:
            hold = ledger.account(AccountKind.CHARGEBACK_HOLD, cur, merchant=order.merchant)
            ledger.post(
                f"chargeback:{case.pk}:hold:{order.number}", "chargeback_hold",
                [debit(payable, frozen), credit(hold, frozen, order)], order=order,
                memo=f"chargeback {case.dispute_id}: merchant's share frozen",
            )  # fmt: skip
        holds.append({"order": order.number, "share": str(share), "where": "payable",
                      "frozen": str(frozen)})  # fmt: skip
    case.holds = holds
    case.save(update_fields=["holds"])


def _close(case: Chargeback, outcome: str) -> None:
    cur = case.currency
    orders = {o.number: o for o in Order.objects.filter(group_id=case.payment.group_id)}
    if outcome == "won":
        for hold in case.holds:
            order = orders[hold["order"]]
            frozen = Decimal(hold["frozen"])
            if hold["where"] == "payable" and frozen > ZERO:
                ledger.post(
                    f"chargeback:{case.pk}:return:{order.number}", "chargeback_return",
                    [debit(ledger.account(AccountKind.CHARGEBACK_HOLD, cur,
                                          merchant=order.merchant), frozen, order),
                     credit(ledger.account(AccountKind.MERCHANT_PAYABLE, cur,
                                           merchant=order.merchant), frozen)],
                    order=order, memo=f"chargeback {case.dispute_id} won: payable thawed",
                )  # fmt: skip
        status = ChargebackStatus.WON
    else:
        legs = []
        taken = ZERO
        for hold in case.holds:
            order = orders[hold["order"]]
            share = Decimal(hold["share"])
            if hold["where"] == "escrow":
                take = min(share, ledger.order_escrow(order))
                if take > ZERO:
                    legs.append(debit(ledger.account(AccountKind.ESCROW, cur), take, order))
            else:
                take = Decimal(hold["frozen"])
                if take > ZERO:
                    hold_acct = ledger.account(
                        AccountKind.CHARGEBACK_HOLD, cur, merchant=order.merchant
                    )
                    legs.append(debit(hold_acct, take, order))
            taken += take
        loss = case.amount - taken
        if loss > ZERO:
            legs.append(debit(ledger.account(AccountKind.CHARGEBACK_LOSSES, cur), loss))
        legs.append(credit(ledger.account(AccountKind.CLEARING, cur), case.amount))
        ledger.post(
            f"chargeback:{case.pk}:lost", "chargeback_lost", legs,
            memo=f"chargeback {case.dispute_id} lost: taken back by the provider",
        )  # fmt: skip
        status = ChargebackStatus.LOST
    case.status = status
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "closed_at"])
    # The release held back while the case was open (a completed order): what is left goes.
    for order in orders.values():
        if order.status == "completed":
            escrow.release(order)


def submit(case: Chargeback, operator: Any, provider_can_submit: bool) -> Chargeback:
    """The operator sends the evidence bundle. A provider with an evidence API (Stripe) gets
    it through the outbox (after commit, retried with the same key); otherwise the operator has
    uploaded it in the provider's panel and this records that it was sent."""
    if not getattr(operator, "is_operator", False):
        raise field_error(
            "chargeback", _("Only an operator sends evidence."), PaymentsErrorCode.OPERATOR_ONLY
        )
    with transaction.atomic():
        case = Chargeback.objects.select_for_update().select_related("payment").get(pk=case.pk)
        if case.status != ChargebackStatus.OPEN:
            raise field_error(
                "chargeback",
                _("Evidence for this chargeback was already sent or the case is closed."),
                PaymentsErrorCode.DISPUTE_DECIDED,
            )
        case.evidence = evidence.bundle(case)
        case.status = ChargebackStatus.SUBMITTED
        case.submitted_at = timezone.now()
        case.submitted_by = operator
        case.save(update_fields=["evidence", "status", "submitted_at", "submitted_by"])
        if provider_can_submit:
            outbox.request_call(
                CallKind.EVIDENCE, key=f"evidence:{case.provider}:{case.dispute_id}",
                provider=case.provider, amount=case.amount, currency=case.currency,
                payment=case.payment, chargeback=case,
            )  # fmt: skip
    return case
