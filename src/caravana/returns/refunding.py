"""A received return's refund, by the rules (returns.rules), through the ledger.

Before the order's escrow was released (delivered, not yet completed) the refund comes out of
escrow (payments.refunds.refund, idempotent by the return's key): duties the country gives back
are first moved back into escrow (duties.record_return, whole parcels only); a covered refund
that escrow cannot hold because customs' assessment moved the duties out is topped up by the
platform (Dr duty_absorbed / Cr escrow). The escrow split at release (ledger.release_split)
then charges the merchant: refunds come off its goods first.

After release (the buyer confirmed receipt, or it auto-completed) the refund is charged back
(payments.refunds.refund_after_release): the merchant's payable gives back the goods less the
commission, the platform its commission, its shipping revenue and the duties (from the
country's liability where it gives them back, else absorbed). A merchant already paid out is
refused by the ledger: the return keeps the error and an operator retries.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from caravana.duties import services as duties
from caravana.money import minor_unit, round_money
from caravana.orders.models import Order
from caravana.payments import ledger, refunds, split
from caravana.payments.models import AccountKind
from caravana.returns import rules
from caravana.returns.models import CountryReturnRule, ReturnRequest, ReturnState

ZERO = Decimal(0)


def paid_goods(order: Order) -> Decimal:
    """What the buyer paid for the goods: a platform coupon is off them (`platform_funded`; a
    merchant coupon is already in `goods`, free shipping is in `merchant_funded`)."""
    return max(order.goods - order.platform_funded, ZERO)


def amounts(request: ReturnRequest, order: Order) -> tuple[rules.Refund, bool]:
    """The refund the rules give for this return, and whether duties are reclaimed. The lines'
    amounts are at full price: the goods given back are scaled to what the buyer paid for them
    (a platform coupon), and shipping is shared out of what the buyer paid for it (none when it
    shipped free). Never more than the buyer paid for the goods."""
    rule = CountryReturnRule.objects.filter(country=order.country).first()
    reclaim = bool(rule and rule.duty_reclaim)
    cur = order.currency
    goods = round_money(Decimal(request.lines.aggregate(s=Sum("amount"))["s"] or ZERO), cur)
    exp = Decimal(1).scaleb(-minor_unit(cur))
    shipping = max(order.shipping - order.merchant_funded, ZERO)
    refund = rules.refund_for(
        request.reason,
        rules.OrderAmounts(order.goods, shipping, order.duties + order.taxes),
        goods,
        refunds_everything=bool(rule and rule.refunds_everything),
        duty_reclaim=reclaim,
        exp=exp,
    )
    paid = paid_goods(order)
    if goods >= order.goods:
        scaled = paid
    elif order.goods > ZERO:
        scaled = min(round_money(goods * paid / order.goods, cur), paid)
    else:
        scaled = ZERO
    refund = rules.Refund(goods=scaled, shipping=refund.shipping, duties=refund.duties)
    return refund, reclaim or rules.RULES[request.reason].reverse_assessment


def _released(order: Order) -> bool:
    return order.ledger_transactions.filter(kind="release").exists()


def settle(request: ReturnRequest, actor: Any = None) -> None:
    """Refund a received return (the caller holds its row locked, in a transaction). Sets the
    return refunded, or keeps it received with the ledger's refusal in `refund_error`."""
    order = Order.objects.select_for_update().get(pk=request.order_id)
    refund, reclaim = amounts(request, order)
    total = min(refund.total, order.refundable)
    request.refund_goods, request.refund_shipping = refund.goods, refund.shipping
    request.refund_duties = refund.duties
    key = f"return:{request.reference}"
    try:
        with transaction.atomic():  # a refusal leaves nothing of the attempt behind
            if total <= ZERO:
                reference = ""
            elif not _released(order):
                reference = _from_escrow(request, order, refund, total, reclaim, key, actor)
            else:
                reference = _charged_back(request, order, refund, total, reclaim, key, actor)
    except (ValidationError, ledger.LedgerError) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        request.refund_error = "; ".join(messages)[:300]
        request.save(update_fields=["refund_goods", "refund_shipping", "refund_duties",
                                    "refund_error"])  # fmt: skip
        return
    request.refund_total = total
    request.refund_reference = reference
    request.refund_error = ""
    request.state = ReturnState.REFUNDED
    request.save()


def _from_escrow(
    request: ReturnRequest,
    order: Order,
    refund: rules.Refund,
    total: Decimal,
    reclaim: bool,
    key: str,
    actor: Any,
) -> str:
    whole = refund.goods >= paid_goods(order)
    parcel = request.parcel
    if parcel is None:
        assessment = order.assessments.select_related("parcel").first()
        parcel = assessment.parcel if assessment is not None else None
    reverse = rules.RULES[request.reason].reverse_assessment
    wanted = reverse or (reclaim and whole and refund.duties > ZERO)
    if parcel is not None and wanted:
        reason = f"{request.reason} {request.reference}"
        request.duties_reclaimed = duties.record_return(parcel, reason) is not None
    held = ledger.order_escrow(order)
    short = total - held
    if short > ZERO:  # the duties customs' assessment moved out: the platform puts them back
        top_up = min(short, ledger.duties_moved(order))
        cur = order.currency
        ledger.post(
            f"{key}:absorb",
            "duty_return",
            [
                ledger.debit(ledger.account(AccountKind.DUTY_ABSORBED, cur, country=order.country),
                             top_up),
                ledger.credit(ledger.account(AccountKind.ESCROW, cur), top_up, order),
            ],
            order=order,
            memo=f"duties of return {request.reference} borne by the platform",
        )  # fmt: skip
        total = min(total, ledger.order_escrow(order))
    parts = split.Parts(refund.goods, refund.shipping, refund.duties)
    done, _replayed = refunds.refund(order, total, reason="return", actor=actor, key=key,
                                     note=f"return {request.reference}", parts=parts)  # fmt: skip
    return done.reference


def _charged_back(
    request: ReturnRequest,
    order: Order,
    refund: rules.Refund,
    total: Decimal,
    reclaim: bool,
    key: str,
    actor: Any,
) -> str:
    cur = order.currency
    # What each account gives back: the release's split without and with this refund
    # (ledger.charge_back): the merchant its goods at full price less commission, the platform
    # its commission, the shipping given back and its coupon on these goods (Cr coupons), and
    # the merchant's free shipping on them comes back to the merchant (decision 0026).
    parts = split.fit(split.Parts(refund.goods, refund.shipping, refund.duties), total)
    back = ledger.charge_back(order, parts)
    duty = parts.duties
    legs = [
        ledger.debit(ledger.account(AccountKind.MERCHANT_PAYABLE, cur, merchant=order.merchant),
                     back["merchant"]),
        ledger.debit(ledger.account(AccountKind.COMMISSION, cur), back["commission"]),
        ledger.debit(ledger.account(AccountKind.SHIPPING, cur), back["shipping"]),
        ledger.credit(ledger.account(AccountKind.COUPONS, cur), back["platform"], order),
    ]  # fmt: skip
    duty_legs = [
        ledger.debit(ledger.account(AccountKind.DUTY_ABSORBED, cur, country=order.country), duty)
    ]
    if reclaim and duty > ZERO:
        by_tax = ledger.collected_by_tax(order)
        share = ledger.allocate(by_tax, duty)
        if sum(share.values(), ZERO) == duty:
            duty_legs = [
                ledger.debit(
                    ledger.account(AccountKind.DUTIES, cur, country=order.country, tax=code),
                    amount,
                    order,
                )
                for code, amount in share.items()
            ]
            request.duties_reclaimed = True
    try:
        with transaction.atomic():
            done = refunds.refund_after_release(order, total, legs + duty_legs, key=key,
                                                reason="return", actor=actor,
                                                note=f"return {request.reference}",
                                                parts=parts)  # fmt: skip
    except ledger.LedgerError:
        if not request.duties_reclaimed:
            raise
        # The country's liability was already remitted: the platform bears the duties.
        request.duties_reclaimed = False
        done = refunds.refund_after_release(order, total, legs + [ledger.debit(
            ledger.account(AccountKind.DUTY_ABSORBED, cur, country=order.country), duty)],
            key=key, reason="return", actor=actor, note=f"return {request.reference}",
            parts=parts)  # fmt: skip
    return done.reference
