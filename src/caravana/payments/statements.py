"""A merchant's statement, read from the ledger: every entry of its payable accounts, one line
each (a release is two: the order's goods and the commission taken from them), with the
running balance per buyer currency. Built from the entries themselves, so it always sums to
the ledger: the closing balance of each currency is its payable account's balance."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caravana.catalog.models import Merchant
from caravana.payments import ledger
from caravana.payments.models import AccountKind, LedgerEntry, PayoutItem

ZERO = Decimal(0)

#: The kinds of line, in the order the summary lists them. Coupon funding is what the merchant
#: pays for its own promotions on an order (its coupons, its free shipping: caravana.promotions);
#: a platform coupon is the platform's cost (the coupons account) and never appears here.
CATEGORIES = {
    "order": _("Orders"),
    "commission": _("Commission"),
    "coupon": _("Coupon funding"),
    "refund": _("Refunds"),
    "chargeback": _("Chargebacks"),
    "fx": _("FX margin"),
    "fee": _("Payout fees"),
    "payout": _("Payouts"),
    "other": _("Other"),
}
#: Transaction kind → line kind, for entries on the payable account.
KIND_CATEGORY = {
    "release": "order",
    "return_charge": "refund",
    "chargeback_hold": "chargeback",
    "chargeback_return": "chargeback",
    "chargeback_lost": "chargeback",
    "fx_margin": "fx",
    "payout_fee": "fee",
    "payout": "payout",
}


@dataclass
class Line:
    when: dt.datetime
    category: str
    reference: str  # the order's number or the payout batch's reference
    amount: Decimal  # + owed to the merchant, − taken or paid
    balance: Decimal = ZERO
    payout: PayoutItem | None = None  # payout lines: converted amount, rate, its date and source

    @property
    def label(self) -> str:
        return str(CATEGORIES[self.category])


@dataclass
class CurrencyStatement:
    currency: str
    opening: Decimal
    lines: list[Line] = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening

    def totals(self) -> list[tuple[str, str, Decimal]]:
        """(category, label, sum) for every category, zeros included."""
        sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for line in self.lines:
            sums[line.category] += line.amount
        return [(c, str(label), sums[c]) for c, label in CATEGORIES.items()]


def month_bounds(month: str | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """ "2026-12" → [start, end) in the current time zone; None → the whole history. ValueError
    for another shape."""
    if not month:
        return None, None
    start = dt.datetime.strptime(month, "%Y-%m")
    end = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    tz = timezone.get_current_timezone()
    return start.replace(tzinfo=tz), end.replace(tzinfo=tz)


def statement(merchant: Merchant, month: str | None = None) -> list[CurrencyStatement]:
    """One statement per buyer currency the merchant was ever owed in, for `month` (or the
    whole history), with the balance brought forward."""
    start, end = month_bounds(month)
    entries = LedgerEntry.objects.filter(
        account__merchant=merchant, account__kind=AccountKind.MERCHANT_PAYABLE
    )
    opening: dict[str, Decimal] = defaultdict(lambda: ZERO)
    if start is not None:
        before = entries.filter(transaction__created_at__lt=start)
        for row in before.values("currency").annotate(s=Sum("amount")):
            opening[row["currency"]] = -Decimal(row["s"] or 0).quantize(Decimal("0.01"))
        entries = entries.filter(
            transaction__created_at__gte=start, transaction__created_at__lt=end
        )
    rows = list(
        entries.select_related("transaction", "transaction__order")
        .only(
            "id", "amount", "currency", "transaction__kind", "transaction__key",
            "transaction__created_at", "transaction__order__number",
            "transaction__order__discount", "transaction__order__platform_funded",
            # What ledger.release_funding reads of an order refunded before its release.
            "transaction__order__merchant_funded", "transaction__order__refunded",
            "transaction__order__goods", "transaction__order__shipping",
            "transaction__order__duties", "transaction__order__taxes",
            "transaction__order__total", "transaction__order__currency",
        )
        .order_by("transaction__created_at", "id")
    )  # fmt: skip
    txn_ids = [e.transaction_id for e in rows]
    commission = dict(
        LedgerEntry.objects.filter(
            transaction_id__in=[e.transaction_id for e in rows if e.transaction.kind == "release"],
            account__kind=AccountKind.COMMISSION,
        )
        .values("transaction_id")
        .annotate(s=Sum("amount"))
        .values_list("transaction_id", "s")
    )
    # A payout's item hangs on its transfer transaction; its FX margin and fee transactions
    # have the transfer's key plus ":fx_margin" / ":payout_fee".
    items = {
        i.ledger_transaction.key: i
        for i in PayoutItem.objects.filter(ledger_transaction_id__in=txn_ids).select_related(
            "batch", "ledger_transaction"
        )
    }
    by_currency: dict[str, CurrencyStatement] = {}
    currencies = sorted({e.currency for e in rows} | set(opening))
    for cur in currencies:
        by_currency[cur] = CurrencyStatement(cur, opening[cur])
    for e in rows:
        txn = e.transaction
        category = KIND_CATEGORY.get(txn.kind, "other")
        amount = -e.amount  # credit-normal: a credit is owed to the merchant
        ref = txn.order.number if txn.order_id and txn.order else ""
        lines = by_currency[e.currency].lines
        if category == "order":
            taken = -Decimal(commission.get(txn.pk) or 0).quantize(Decimal("0.01"))
            # The order's goods at their full price, then what the merchant's own promotions
            # took off them (in the release's credit already): the lines sum to the entry.
            funded = txn.order.discount - txn.order.platform_funded if txn.order_id else ZERO
            if funded and txn.order.refunded:  # less what refunds before release reversed
                funded = ledger.release_funding(txn.order, txn)
            lines.append(Line(txn.created_at, "order", ref, amount + taken + funded))
            lines.append(Line(txn.created_at, "commission", ref, -taken))
            if funded:
                lines.append(Line(txn.created_at, "coupon", ref, -funded))
        elif category in ("payout", "fx", "fee"):
            item = items.get(txn.key if category == "payout" else txn.key.rsplit(":", 1)[0])
            batch_ref = item.batch.reference if item else txn.key
            shown = item if category == "payout" else None
            lines.append(Line(txn.created_at, category, batch_ref, amount, payout=shown))
        else:
            lines.append(Line(txn.created_at, category, ref, amount))
    for cs in by_currency.values():
        running = cs.opening
        for line in cs.lines:
            running += line.amount
            line.balance = running
    return [by_currency[c] for c in currencies]


def check_against_ledger(merchants=None) -> list[str]:
    """Every merchant's statement against the ledger: each currency closes on its payable's
    balance, and its payout lines are the batches' items (gross, fee, margin, converted).
    [] when they agree; the demo's payout run and the tests call it."""
    from django.db.models import Sum as _Sum

    from caravana.payments.models import LedgerAccount

    problems: list[str] = []
    qs = merchants if merchants is not None else Merchant.objects.order_by("pk")
    for merchant in qs:
        payable = {
            a.currency: a.balance
            for a in LedgerAccount.objects.filter(
                merchant=merchant, kind=AccountKind.MERCHANT_PAYABLE
            )
        }
        for cs in statement(merchant):
            if cs.closing != payable.get(cs.currency, ZERO):
                problems.append(f"{merchant.pk} {cs.currency}: closes {cs.closing} ≠ ledger")
            totals = {c: a for c, _l, a in cs.totals()}
            items = PayoutItem.objects.filter(batch__merchant=merchant, source_currency=cs.currency)
            sums = items.aggregate(
                g=_Sum("source_amount"), f=_Sum("fee"), m=_Sum("fx_margin"), a=_Sum("amount")
            )
            if -(totals["payout"] + totals["fx"] + totals["fee"]) != (sums["g"] or ZERO):
                problems.append(f"{merchant.pk} {cs.currency}: payouts ≠ batches")
            if -totals["fee"] != (sums["f"] or ZERO) or -totals["fx"] != (sums["m"] or ZERO):
                problems.append(f"{merchant.pk} {cs.currency}: fee or margin ≠ batches")
            converted = sum((ln.payout.amount for ln in cs.lines if ln.payout), ZERO)
            if converted != (sums["a"] or ZERO):
                problems.append(f"{merchant.pk} {cs.currency}: converted ≠ batches")
    return problems
