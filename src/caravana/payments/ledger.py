"""Double-entry ledger: every money movement is one LedgerTransaction whose entries sum to zero
in each currency; entries are never changed or deleted, a mistake is corrected by a new
transaction. Posting is idempotent by key, so a retried webhook or task cannot post twice.

Accounts (per currency; payables per merchant or country):

=================== ======= ==================================================================
clearing            debit   buyers' money at the payment provider
escrow              credit  held for the buyer until delivery is confirmed (per order entries)
merchant_payable    credit  owed to a merchant, paid out in CNY
commission          credit  the platform's commission on goods
shipping            credit  shipping and insurance revenue
duties              credit  duties and taxes owed to a country's authority, per tax
refunds             credit  refunds owed to buyers until the provider has paid them
duty_absorbed       debit   customs assessed more than was collected; the platform pays it
duty_receivable     debit   customs assessed more than was collected; the buyer owes it
duty_surplus        credit  collected beyond what customs assessed
chargeback_hold     credit  merchant payables frozen while a chargeback is open
chargeback_losses   debit   chargebacks lost beyond what could be taken back from a merchant
payout_fees         credit  payout fees charged to merchants (operator-set share)
fx_margin           credit  the FX margin kept on payouts (operator-set share)
coupons             debit   what promotions cost the platform (platform coupons), at release
=================== ======= ==================================================================

Flows: capture Dr clearing / Cr escrow. Refund Dr escrow / Cr refunds, then Dr refunds / Cr
clearing when the provider pays it. Completion Dr escrow / Cr merchant payable (goods less
commission), commission, shipping, duties. Payout Dr merchant payable / Cr clearing (the
transfer), fx_margin and payout_fees (payments.payouts).
None of these accounts may go negative, nor may an order's share of escrow.

Duties (caravana.duties): when customs assesses a parcel its order's duties and taxes leave
escrow for the liability of each tax (kind duty_collect; the release then moves only the
rest), and the difference to the assessment is booked against duty_absorbed, duty_receivable
or duty_surplus (duty_diff). A return before release reverses both into escrow; a remittance
to the authority is Dr duties / Cr clearing (duty_remit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from caravana import clock, inserts
from caravana.catalog.models import Merchant
from caravana.money import minor_unit, round_money
from caravana.orders.models import Order
from caravana.payments import split
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Refund,
)

ZERO = Decimal(0)
DEBIT_NORMAL = {
    AccountKind.CLEARING,
    AccountKind.COUPONS,
    AccountKind.DUTY_ABSORBED,
    AccountKind.DUTY_RECEIVABLE,
    AccountKind.CHARGEBACK_LOSSES,
}
#: Transactions that move an order's duties between escrow and the liability before release.
DUTY_ESCROW_KINDS = ("duty_collect", "duty_return")
#: A lost chargeback takes the order's share out of escrow (payments.chargebacks).
CHARGEBACK_ESCROW_KINDS = ("chargeback_lost",)
#: What moves a merchant's payable besides releases and payouts: a chargeback's freeze and thaw.
CHARGEBACK_PAYABLE_KINDS = ("chargeback_hold", "chargeback_return")
#: What a payout posts against a merchant's payable: the transfer, the FX margin and the fee.
PAYOUT_KINDS = ("payout", "fx_margin", "payout_fee")
Leg = tuple[LedgerAccount, Decimal, Order | None]  # account, signed amount (debit +), order


CENT = Decimal("0.01")
#: Refunds of money no order was owed (payments.refunds.return_money): not an order's refund.
RETURN_REASONS = ("paid_twice", "amount_mismatch")


def _q(value) -> Decimal:
    """Sums come back from SQLite through a float: every stored amount has at most two decimal
    places, so rounding the sum to cents gives the exact value back."""
    return Decimal(value or 0).quantize(CENT)


class LedgerError(ValueError):
    """A posting that would unbalance the books or overdraw an account: nothing is written."""

    code = PaymentsErrorCode.LEDGER_REFUSED


def account(
    kind: str, currency: str, *, merchant: Merchant | None = None, country: str = "", tax: str = ""
) -> LedgerAccount:
    """The account for `kind` and currency (and merchant, country, tax), created when first
    used. A duties account per tax has the tax's rule component last: duties:BRL:BR:icms."""
    key = account_key(kind, currency, merchant=merchant, country=country, tax=tax)
    acct, _created = LedgerAccount.objects.get_or_create(
        key=key,
        defaults={"kind": kind, "currency": currency, "merchant": merchant, "country": country},
    )
    return acct


def account_key(
    kind: str, currency: str, *, merchant: Merchant | None = None, country: str = "", tax: str = ""
) -> str:
    """An account's unique key: kind, currency, then m<merchant id>, country and tax if any."""
    parts = [kind, currency]
    if merchant is not None:
        parts.append(f"m{merchant.pk}")
    if country:
        parts.append(country)
    if tax:
        parts.append(tax)
    return ":".join(parts)


def normal(kind: str, amount: Decimal) -> Decimal:
    """A signed entry amount (debit +) as a change in the account's normal balance."""
    return amount if kind in DEBIT_NORMAL else -amount


def debit(acct: LedgerAccount, amount: Decimal, order: Order | None = None) -> Leg:
    return (acct, amount, order)


def credit(acct: LedgerAccount, amount: Decimal, order: Order | None = None) -> Leg:
    return (acct, -amount, order)


def lock(accounts: Iterable[LedgerAccount]) -> dict[int, LedgerAccount]:
    """Lock ledger account rows (SELECT … FOR UPDATE) in primary-key order, inside the caller's
    transaction. Every transaction takes its accounts in this one order, so two of them never
    wait for each other in a circle (a deadlock, which PostgreSQL breaks by failing one). A
    transaction that posts several times locks everything it will touch here first: a second
    post locking more accounts later would break the order. Locking a row again is free."""
    ids = sorted({a.pk for a in accounts})
    return {
        a.pk: a for a in LedgerAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }


#: What a capture may post to: clearing and escrow, and refunds for the orders that expired
#: before the money came (or money no order is owed).
CAPTURE_KINDS = (AccountKind.CLEARING, AccountKind.ESCROW, AccountKind.REFUNDS)


def capture_accounts(currency: str) -> list[LedgerAccount]:
    """CAPTURE_KINDS' accounts in `currency`, each made when first used."""
    return [account(kind, currency) for kind in CAPTURE_KINDS]


def lock_capture_accounts(currency: str) -> dict[int, LedgerAccount]:
    """capture_accounts locked (as lock()), found by their keys in the locking read itself:
    one statement on every capture, where finding each account and then locking them all took
    four. Accounts not made yet (a currency's first capture) are made first."""
    keys = [account_key(kind, currency) for kind in CAPTURE_KINDS]
    rows = LedgerAccount.objects.select_for_update().filter(key__in=keys).order_by("pk")
    locked = {a.pk: a for a in rows}
    if len(locked) < len(keys):
        locked = lock(capture_accounts(currency))
    return locked


def order_escrow(order: Order) -> Decimal:
    """What escrow holds for one order (credit-normal)."""
    total = LedgerEntry.objects.filter(order=order, account__kind=AccountKind.ESCROW).aggregate(
        s=Sum("amount")
    )["s"]
    return -_q(total)


def post(
    key: str,
    kind: str,
    legs: Sequence[Leg],
    *,
    order: Order | None = None,
    memo: str = "",
    locked: dict[int, LedgerAccount] | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction, or return the one already posted under `key`.
    `locked`: the accounts the caller locked in this transaction (lock() or
    lock_capture_accounts), holding every account of the legs: their balances are checked
    from it and kept up to date in it, so every posting between that lock and this one must
    have been given the same dict. Without it (or missing an account) they are locked here."""
    existing = LedgerTransaction.objects.filter(key=key).first()
    if existing is not None:
        return existing
    legs = [leg for leg in legs if leg[1] != ZERO]
    if not legs:
        raise LedgerError(f"{key}: a transaction needs entries")
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for acct, amount, _order in legs:
        if amount != round_money(amount, acct.currency):
            raise LedgerError(f"{key}: {amount} is not rounded to {acct.currency}'s minor unit")
        sums[acct.currency] += amount
    unbalanced = {c: s for c, s in sums.items() if s != ZERO}
    if unbalanced:
        raise LedgerError(f"{key}: entries do not balance: {unbalanced}")
    with transaction.atomic():
        if locked is None or any(acct.pk not in locked for acct, _a, _o in legs):
            locked = lock(acct for acct, _a, _o in legs)
        change: dict[int, Decimal] = defaultdict(lambda: ZERO)
        escrow_change: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for acct, amount, leg_order in legs:
            change[acct.pk] += normal(acct.kind, amount)
            if acct.kind == AccountKind.ESCROW and leg_order is not None:
                escrow_change[leg_order.pk] += -amount
        for pk, delta in change.items():
            if locked[pk].balance + delta < ZERO:
                raise LedgerError(f"{key}: {locked[pk].key} would go negative")
        for order_pk, delta in escrow_change.items():
            if delta < ZERO and order_escrow(Order(pk=order_pk)) + delta < ZERO:
                raise LedgerError(f"{key}: order {order_pk} has less than that in escrow")
        txn = LedgerTransaction.objects.create(key=key, kind=kind, order=order, memo=memo[:200])
        LedgerEntry.objects.bulk_create(
            LedgerEntry(
                transaction=txn,
                account=acct,
                amount=amount,
                currency=acct.currency,
                order=leg_order,
                merchant=acct.merchant,
            )
            for acct, amount, leg_order in legs
        )
        for pk, delta in change.items():
            locked[pk].balance += delta
            # The new balance itself, not balance + delta: SQLite would add in floating point
            # and keep a -1e-17 where the books say zero (the ledger's property test sees it).
            LedgerAccount.objects.filter(pk=pk).update(balance=locked[pk].balance)
    return txn


@dataclass(frozen=True)
class Posting:
    """One transaction for post_many: as post()'s arguments."""

    key: str
    kind: str
    legs: Sequence[Leg]
    order: Order | None = None
    memo: str = ""


#: Keys and orders read per query in post_many (under SQLite's parameter limit).
MANY_CHUNK = 900


def post_many(postings: Sequence[Posting]) -> int:
    """Write many balanced transactions at once, each exactly as post() would (keys already
    posted are skipped, every transaction balances and is rounded, no account nor an order's
    share of escrow goes negative): a few statements per thousand transactions instead of a
    round trip per leg, for a customs file's thousands of assessments. The caller has locked
    (ledger.lock) every account the postings touch, as for several post() calls; raises
    LedgerError and writes nothing when one posting is refused. Returns how many were new."""
    keys = [p.key for p in postings]
    if len(set(keys)) != len(keys):
        raise LedgerError("post_many: a key appears twice")
    done: set[str] = set()
    for start in range(0, len(keys), MANY_CHUNK):
        done.update(
            LedgerTransaction.objects.filter(key__in=keys[start : start + MANY_CHUNK]).values_list(
                "key", flat=True
            )
        )
    todo: list[Posting] = []
    for p in postings:
        if p.key in done:
            continue
        legs = [leg for leg in p.legs if leg[1] != ZERO]
        if not legs:
            raise LedgerError(f"{p.key}: a transaction needs entries")
        sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for acct, amount, _order in legs:
            if amount != round_money(amount, acct.currency):
                raise LedgerError(
                    f"{p.key}: {amount} is not rounded to {acct.currency}'s minor unit"
                )
            sums[acct.currency] += amount
        if any(s != ZERO for s in sums.values()):
            raise LedgerError(f"{p.key}: entries do not balance: {dict(sums)}")
        todo.append(Posting(p.key, p.kind, legs, p.order, p.memo))
    if not todo:
        return 0
    with transaction.atomic():
        locked = lock(acct for p in todo for acct, _a, _o in p.legs)
        change: dict[int, Decimal] = defaultdict(lambda: ZERO)
        escrow_change: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for p in todo:
            for acct, amount, leg_order in p.legs:
                change[acct.pk] += normal(acct.kind, amount)
                if acct.kind == AccountKind.ESCROW and leg_order is not None:
                    escrow_change[leg_order.pk] += -amount
        for pk, delta in change.items():
            if locked[pk].balance + delta < ZERO:
                raise LedgerError(f"post_many: {locked[pk].key} would go negative")
        takers = sorted(pk for pk, delta in escrow_change.items() if delta < ZERO)
        held: dict[int, Decimal] = {}
        for start in range(0, len(takers), MANY_CHUNK):
            held.update(
                (pk, -_q(s))
                for pk, s in LedgerEntry.objects.filter(
                    order_id__in=takers[start : start + MANY_CHUNK],
                    account__kind=AccountKind.ESCROW,
                )
                .values("order_id")
                .annotate(s=Sum("amount"))
                .values_list("order_id", "s")
            )
        for pk in takers:
            if held.get(pk, ZERO) + escrow_change[pk] < ZERO:
                raise LedgerError(f"post_many: order {pk} has less than that in escrow")
        now = clock.now()
        ids = dict(
            inserts.insert_rows(
                LedgerTransaction,
                ("key", "kind", "memo", "order", "created_at"),
                [(p.key, p.kind, p.memo[:200], p.order.pk if p.order else None, now) for p in todo],
                returning=("key", "id"),
            )
        )
        inserts.insert_rows(
            LedgerEntry,
            ("transaction", "account", "amount", "currency", "order", "merchant"),
            [
                (txn, acct.pk, amount, acct.currency, leg_order.pk if leg_order else None,
                 acct.merchant_id)
                for p in todo
                for txn in (ids[p.key],)
                for acct, amount, leg_order in p.legs
            ],
        )  # fmt: skip
        for pk, delta in change.items():
            locked[pk].balance += delta
            LedgerAccount.objects.filter(pk=pk).update(balance=locked[pk].balance)
    return len(todo)


# --- the flows ----------------------------------------------------------------------------------


def post_capture(
    key: str,
    currency: str,
    shares: Sequence[tuple[Order, Decimal]],
    locked: dict[int, LedgerAccount] | None = None,
) -> None:
    """The provider has the buyer's money: each order's share goes into escrow. `locked`: the
    capture's accounts as lock_capture_accounts returned them (none read again)."""
    total = sum((amount for _o, amount in shares), ZERO)
    by_kind = {a.kind: a for a in (locked or {}).values() if a.currency == currency}
    escrow = by_kind.get(AccountKind.ESCROW) or account(AccountKind.ESCROW, currency)
    clearing = by_kind.get(AccountKind.CLEARING) or account(AccountKind.CLEARING, currency)
    legs = [debit(clearing, total)]
    legs += [credit(escrow, amount, order) for order, amount in shares]
    post(key, "capture", legs, memo="payment captured", locked=locked)


def post_refund(key: str, order: Order, amount: Decimal) -> None:
    """Take the refund out of the order's escrow: owed to the buyer until the provider has paid
    it (post_refund_paid, when the outbox's request is done)."""
    cur = order.currency
    post(
        f"{key}:owed",
        "refund",
        [
            debit(account(AccountKind.ESCROW, cur), amount, order),
            credit(account(AccountKind.REFUNDS, cur), amount),
        ],
        order=order,
        memo="refund owed to the buyer",
    )


def post_refund_paid(key: str, currency: str, amount: Decimal, order: Order | None) -> None:
    """The provider has paid the refund: it leaves the provider's balance (clearing)."""
    post(
        f"{key}:paid",
        "refund_paid",
        [
            debit(account(AccountKind.REFUNDS, currency), amount),
            credit(account(AccountKind.CLEARING, currency), amount),
        ],
        order=order,
        memo="refund paid by the provider",
    )


def post_returned(key: str, currency: str, amount: Decimal) -> None:
    """Money arrived that no order is owed (a group paid twice, an amount held for review and
    sent back): into clearing and straight to refunds owed, never into escrow."""
    post(
        key,
        "capture",
        [
            debit(account(AccountKind.CLEARING, currency), amount),
            credit(account(AccountKind.REFUNDS, currency), amount),
        ],
        memo="money to return: not owed by any order",
    )


def commission_rate() -> Decimal:
    return Decimal(str(getattr(settings, "PAYMENTS_COMMISSION_RATE", "0.08")))


def charges_of(order: Order) -> split.Charges:
    return split.Charges(
        goods=order.goods,
        shipping=order.shipping,
        duties=order.duties + order.taxes,
        platform=order.platform_funded,
        merchant=order.merchant_funded,
    )


def known_parts(order: Order) -> split.Parts:
    """What the order's refunds that said so gave back of goods, shipping and duties (a return's
    refund does: payments.refunds.refund_money(parts=…)); money returned to no order is not an
    order's refund."""
    sums = (
        Refund.objects.filter(order=order, goods__isnull=False)
        .exclude(reason__in=RETURN_REASONS)
        .aggregate(g=Sum("goods"), s=Sum("shipping"), d=Sum("duties"))
    )
    return split.Parts(_q(sums["g"]), _q(sums["s"]), _q(sums["d"]))


def release_split(order: Order, held: Decimal) -> dict[str, Decimal]:
    """How what is left in escrow (`held`, with the duties an assessment moved out) is shared
    out at release (payments.split, decision 0026): refunds that said what they gave back count
    as such; the rest of what left escrow comes off the goods, then shipping, then duties and
    taxes. A refund of part of the goods reverses the same share of the platform's coupon
    (returned to the platform: Dr coupons is smaller) and of the merchant's free shipping; the
    platform's part still due is its cost ("platform": Dr coupons) and the merchant's comes off
    the merchant's goods, commission being on what is left."""
    charges = charges_of(order)
    refunded = split.allocate(charges, known_parts(order), order.total - held)
    exp = Decimal(1).scaleb(-minor_unit(order.currency))
    out = split.split(charges, refunded, commission_rate(), exp)
    return {
        "merchant": out.merchant,
        "commission": out.commission,
        "shipping": out.shipping,
        "duties": out.duties,
        "platform": out.platform,
    }


def release_funding(order: Order, txn: LedgerTransaction) -> Decimal:
    """What the merchant's own promotions (its coupon, in the goods' price, and its free
    shipping) cost it in the release `txn`, after the refunds made before it: the merchant's
    statement shows it as "Coupon funding". Three queries: call it only for refunded orders."""
    held = _q(
        LedgerEntry.objects.filter(transaction=txn, account__kind=AccountKind.ESCROW).aggregate(
            s=Sum("amount")
        )["s"]
    )
    charges = charges_of(order)
    sums = (
        Refund.objects.filter(order=order, goods__isnull=False, created_at__lte=txn.created_at)
        .exclude(reason__in=RETURN_REASONS)
        .aggregate(g=Sum("goods"), s=Sum("shipping"), d=Sum("duties"))
    )
    known = split.Parts(_q(sums["g"]), _q(sums["s"]), _q(sums["d"]))
    refunded = split.allocate(charges, known, order.total - held - duties_moved(order))
    exp = Decimal(1).scaleb(-minor_unit(order.currency))
    out = split.split(charges, refunded, commission_rate(), exp)
    coupon = order.discount - order.platform_funded - order.merchant_funded
    kept = (
        round_money(coupon * out.goods_kept / order.goods, order.currency) if order.goods else ZERO
    )
    return kept + out.merchant_funding


def charge_back(order: Order, parts: split.Parts) -> dict[str, Decimal]:
    """What a refund of `parts` after release takes back from each account: the release's split
    with the refunds so far less the split with this one too, so a return after release ends
    where the same return before release would have (decision 0026). "platform" is the coupon
    cost the platform gets back (Cr coupons); the others are debits."""
    charges = charges_of(order)
    known = known_parts(order)
    exp = Decimal(1).scaleb(-minor_unit(order.currency))
    rate = commission_rate()
    before = split.split(charges, split.allocate(charges, known, order.refunded), rate, exp)
    after = split.split(
        charges, split.allocate(charges, known + parts, order.refunded + parts.total), rate, exp
    )
    return {
        "merchant": before.merchant - after.merchant,
        "commission": before.commission - after.commission,
        "shipping": before.shipping - after.shipping,
        "duties": before.duties - after.duties,
        "platform": before.platform - after.platform,
    }


def collected_by_tax(order: Order) -> dict[str, Decimal]:
    """What the buyer paid at checkout for each duty and tax, by rule component ("ii", "icms"),
    from the order's quote snapshot; estimates paid on arrival (DDU) are not collected."""
    out: dict[str, Decimal] = {}
    quote = order.quote or {}
    for charge in [*quote.get("duties", []), *quote.get("taxes", [])]:
        if charge.get("estimate"):
            continue
        out[charge["code"]] = out.get(charge["code"], ZERO) + Decimal(charge["amount"])
    return out


def allocate(by_tax: dict[str, Decimal], amount: Decimal) -> dict[str, Decimal]:
    """Share `amount` (at most the sum of `by_tax`) among the taxes: each in full in the quote's
    order until it runs out, so a shortfall (refunds that reached the duties) falls on the last
    ones. Monotone: a larger amount never gives a tax less."""
    out: dict[str, Decimal] = {}
    left = amount
    for code, value in by_tax.items():
        take = min(value, max(left, ZERO))
        out[code] = take
        left -= take
    return out


def duties_moved(order: Order) -> Decimal:
    """What customs' assessment already moved out of escrow into the duty liability (net of a
    return that moved it back)."""
    total = LedgerEntry.objects.filter(
        order=order, account__kind=AccountKind.ESCROW, transaction__kind__in=DUTY_ESCROW_KINDS
    ).aggregate(s=Sum("amount"))["s"]
    return _q(total)


def post_release(order: Order) -> None:
    """Delivery confirmed: escrow goes to the merchant (less commission), the platform's
    shipping revenue and each country's duties and taxes, one account per tax (less what an
    assessment already moved there)."""
    held = order_escrow(order)
    if held <= ZERO:
        return
    cur = order.currency
    moved = duties_moved(order)
    shares = release_split(order, held + moved)
    by_tax = collected_by_tax(order)
    due = allocate(by_tax, shares["duties"])
    already = allocate(by_tax, moved)
    duty_legs = [
        credit(
            account(AccountKind.DUTIES, cur, country=order.country, tax=code),
            due[code] - already[code],
            order,
        )
        for code in by_tax
    ]
    rest = shares["duties"] - moved - sum((due[c] - already[c] for c in by_tax), ZERO)
    legs = [
        debit(account(AccountKind.ESCROW, cur), held, order),
        # What the platform pays for a promotion (a platform coupon): its own cost.
        *(
            [debit(account(AccountKind.COUPONS, cur), shares["platform"], order)]
            if shares["platform"]
            else []
        ),  # fmt: skip
        credit(
            account(AccountKind.MERCHANT_PAYABLE, cur, merchant=order.merchant), shares["merchant"]
        ),
        credit(account(AccountKind.COMMISSION, cur), shares["commission"]),
        credit(account(AccountKind.SHIPPING, cur), shares["shipping"]),
        *duty_legs,
    ]
    if rest:  # duties without a breakdown in the quote (older orders): the country's account
        legs.append(credit(account(AccountKind.DUTIES, cur, country=order.country), rest, order))
    post(f"release:{order.number}", "release", legs, order=order, memo="escrow released")


# --- balances and reconciliation ----------------------------------------------------------------


def balances() -> list[LedgerAccount]:
    return list(
        LedgerAccount.objects.select_related("merchant").order_by("kind", "currency", "key")
    )


def order_balances(order: Order) -> dict[str, Decimal]:
    """Per account kind, the normal balance of this order's entries."""
    rows = LedgerEntry.objects.filter(order=order).values("account__kind").annotate(s=Sum("amount"))
    return {r["account__kind"]: normal(r["account__kind"], _q(r["s"])) for r in rows}


def merchant_payable(merchant: Merchant) -> dict[str, Decimal]:
    rows = LedgerAccount.objects.filter(
        merchant=merchant, kind=AccountKind.MERCHANT_PAYABLE
    ).values_list("currency", "balance")
    return dict(rows)


#: Orders checked per query in reconcile (an IN list SQLite and PostgreSQL take comfortably).
RECONCILE_CHUNK = 2000


def reconcile(progress: Callable[..., None] | None = None) -> list[str]:
    """Every way the books must agree with themselves and with the orders; [] when they do.
    It reads every entry and every captured order: at scale it runs as a job
    (payments.job_kinds), reporting `progress(done, total, message)` per step and order chunk."""
    from caravana.orders.models import OrderStatus
    from caravana.payments.models import PaymentStatus, PayoutItem, Refund, RefundStatus

    CHARGEBACK_OPEN = ("open", "submitted")

    report = progress or (lambda *args, **kwargs: None)
    problems: list[str] = []
    report(0, 1, _("Checking transactions and balances"))
    unbalanced = (
        LedgerEntry.objects.values("transaction_id", "currency")
        .annotate(s=Sum("amount"))
        .filter(Q(s__gt=Decimal("0.001")) | Q(s__lt=Decimal("-0.001")))
    )
    for row in unbalanced[:100]:
        problems.append(f"transaction {row['transaction_id']} off by {row['s']} {row['currency']}")
    sums = dict(
        LedgerEntry.objects.values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    for acct in LedgerAccount.objects.all():
        from_entries = normal(acct.kind, _q(sums.get(acct.pk)))
        if from_entries != acct.balance:
            problems.append(f"{acct.key}: balance {acct.balance} but entries say {from_entries}")
        if acct.balance < ZERO:
            problems.append(f"{acct.key}: negative balance {acct.balance}")
    # Escrow per order: captured − refunded − released; zero once completed or refunded.
    escrow = dict(
        LedgerEntry.objects.filter(account__kind=AccountKind.ESCROW)
        .values("order_id")
        .annotate(s=Sum("amount"))
        .values_list("order_id", "s")
    )
    # Duties an assessment moved out of escrow before release (duty_collect − duty_return),
    # and chargebacks lost out of escrow.
    moved = {
        pk: _q(s)
        for pk, s in LedgerEntry.objects.filter(
            account__kind=AccountKind.ESCROW,
            transaction__kind__in=DUTY_ESCROW_KINDS + CHARGEBACK_ESCROW_KINDS,
        )
        .values("order_id")
        .annotate(s=Sum("amount"))
        .values_list("order_id", "s")
    }
    refunded = dict(
        Refund.objects.exclude(reason__in=RETURN_REASONS)
        .values("order_id")
        .annotate(s=Sum("amount"))
        .values_list("order_id", "s")
    )
    captured = set(
        Order.objects.filter(group__payments__status=PaymentStatus.SUCCEEDED).values_list(
            "pk", flat=True
        )
    )
    # Completed orders whose release an open chargeback holds back (payments.chargebacks).
    frozen = set(
        Order.objects.filter(group__payments__chargebacks__status__in=CHARGEBACK_OPEN).values_list(
            "pk", flat=True
        )
    )
    pks = sorted(pk for pk in captured | set(escrow) if pk is not None)  # not order-bound: skip
    steps = len(pks) + 2  # the orders, then refunds and payouts
    report(0, steps, _("Checking escrow order by order"))
    orders = (
        order
        for start in range(0, len(pks), RECONCILE_CHUNK)
        for order in Order.objects.filter(pk__in=pks[start : start + RECONCILE_CHUNK])
        .order_by("pk")
        .only("pk", "number", "status", "total", "refunded")
    )
    for n, order in enumerate(orders, 1):
        report(n, steps)
        held = -_q(escrow.get(order.pk))
        if _q(refunded.get(order.pk)) != order.refunded:
            problems.append(
                f"order {order.number}: refunds {refunded.get(order.pk)} ≠ {order.refunded}"
            )
        if order.pk not in captured and held:
            problems.append(f"order {order.number}: escrow {held} without a captured payment")
        elif order.status in (OrderStatus.COMPLETED, OrderStatus.REFUNDED):
            if held != ZERO and order.pk not in frozen:
                problems.append(f"order {order.number}: {order.status} but escrow holds {held}")
        elif order.pk in captured and held != order.total - order.refunded - moved.get(
            order.pk, ZERO
        ):
            problems.append(f"order {order.number}: escrow {held} ≠ total − refunded − duties")
    report(len(pks) + 1, steps, _("Checking refunds and payouts"))
    # Refunds owed: what the refunds accounts hold is what the provider has not paid back yet.
    unpaid = dict(
        Refund.objects.exclude(status=RefundStatus.PAID)
        .values("currency")
        .annotate(s=Sum("amount"))
        .values_list("currency", "s")
    )
    for acct in LedgerAccount.objects.filter(kind=AccountKind.REFUNDS):
        if _q(unpaid.get(acct.currency)) != acct.balance:
            problems.append(
                f"{acct.key}: {acct.balance} owed, unpaid refunds {unpaid.get(acct.currency)}"
            )
    # Per merchant: released to them − paid out = payable.
    released = dict(
        LedgerEntry.objects.filter(
            account__kind=AccountKind.MERCHANT_PAYABLE,
            # A return's refund after release charges the merchant back (caravana.returns).
            transaction__kind__in=("release", "return_charge", *CHARGEBACK_PAYABLE_KINDS),
        )
        .values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    paid = dict(
        LedgerEntry.objects.filter(
            account__kind=AccountKind.MERCHANT_PAYABLE, transaction__kind__in=PAYOUT_KINDS
        )
        .values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    payables = list(LedgerAccount.objects.filter(kind=AccountKind.MERCHANT_PAYABLE))
    for acct in payables:
        expected = -_q(released.get(acct.pk)) - _q(paid.get(acct.pk))
        if expected != acct.balance:
            problems.append(f"{acct.key}: released − paid out = {expected} ≠ {acct.balance}")
    items = PayoutItem.objects.values("batch__merchant_id", "source_currency").annotate(
        s=Sum("source_amount")
    )
    by_merchant = {(a.merchant_id, a.currency): a for a in payables}
    for item in items:
        payable = by_merchant.get((item["batch__merchant_id"], item["source_currency"]))
        if payable is None or _q(paid.get(payable.pk)) != _q(item["s"]):
            problems.append(f"payouts of merchant {item['batch__merchant_id']} ≠ ledger")
    report(steps, steps)
    return problems
