"""Payouts: each merchant paid all it is owed, converted to its payout currency at the day's
rate, with the transfer requested through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from caravana.catalog.models import Merchant
from caravana.errors import field_error
from caravana.money import round_money
from caravana.payments import ledger, outbox, payout_providers
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import (
    AccountKind,
    CallKind,
    LedgerAccount,
    PayoutBatch,
    PayoutItem,
)
from caravana.payments.references import new_reference
from caravana.pricing import fx


def payout_currency(merchant: Merchant) -> str:
    return merchant.payout_currency or "CNY"


def period_of(merchant: Merchant, on: dt.date) -> str:
    """The schedule's period `on` falls in: ISO week (2026-W49) or month (2026-12). A merchant
    is paid at most once a period: the first run in it that finds something owed."""
    if merchant.payout_schedule == "monthly":
        return f"{on.year}-{on.month:02d}"
    year, week, _day = on.isocalendar()
    return f"{year}-W{week:02d}"


def _fraction(name: str) -> Decimal:
    """An operator-set share (0 ≤ x < 1) from settings: PAYOUTS_FEE_RATE, PAYOUTS_FX_MARGIN. A
    value that is not a plain decimal ("1%", "", "abc") is refused naming the setting."""
    raw = str(getattr(settings, name, "0") or "0").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not Decimal(0) <= value < 1:
        raise field_error(
            name, _("%(name)s must be between 0 and 1.") % {"name": name},
            PaymentsErrorCode.LEDGER_REFUSED,
        )  # fmt: skip
    return value


def _shares() -> tuple[Decimal, Decimal]:
    """The fee and FX margin rates; together they must leave the merchant something (< 1)."""
    fee_rate, margin_rate = _fraction("PAYOUTS_FEE_RATE"), _fraction("PAYOUTS_FX_MARGIN")
    if fee_rate + margin_rate >= 1:
        raise field_error(
            "PAYOUTS_FEE_RATE",
            _("%(a)s and %(b)s together must be less than 1.")
            % {"a": "PAYOUTS_FEE_RATE", "b": "PAYOUTS_FX_MARGIN"},
            PaymentsErrorCode.LEDGER_REFUSED,
        )
    return fee_rate, margin_rate


def _net(acct: LedgerAccount, fee_rate: Decimal, margin_rate: Decimal) -> Decimal:
    cur = acct.currency
    return (
        acct.balance
        - round_money(acct.balance * margin_rate, cur)
        - round_money(acct.balance * fee_rate, cur)
    )


def payout_key(merchant: Merchant, period: str) -> str:
    """The idempotency key of a merchant's payout for a period: the ledger's transactions and
    the provider's transfer both derive from it."""
    return f"payout:m{merchant.pk}:{period}"


#: A hook between the steps of run_payout, for the tests that crash a run midway.
_step: Callable[[str], None] = lambda name: None  # noqa: E731


@transaction.atomic
def run_payout(merchant: Merchant, on: dt.date | None = None) -> PayoutBatch | None:
    """Pay a merchant all it is owed for the period of `on` (its schedule), each buyer currency
    converted at the dated rate (recorded with its date and source). The FX margin and the
    payout fee (operator-set shares) are kept as their own ledger transactions; the rest leaves
    clearing. None when nothing is owed or the period is already paid. Everything is one
    transaction keyed by merchant and period, and the transfer is an outbox request under the
    same key: a crash before commit leaves nothing, a retry after commit finds the batch, and
    the provider dedupes on the key."""
    on = on or timezone.now().date()
    provider = payout_providers.default_name()
    if provider is None:
        raise field_error(
            "provider", _("No payout provider is configured."), PaymentsErrorCode.NO_PROVIDER
        )
    fee_rate, margin_rate = _shares()
    target = payout_currency(merchant)
    period = period_of(merchant, on)
    key = payout_key(merchant, period)
    payable = list(
        LedgerAccount.objects.filter(
            merchant=merchant, kind=AccountKind.MERCHANT_PAYABLE, balance__gt=0
        ).values_list("pk", "currency")
    )
    if not payable:
        return None
    # Each payable and the accounts its payout posts to are locked first, all together in the
    # ledger's order (no deadlock with a capture or a release), then read; a second run for
    # the same merchant waits here and then finds the period paid.
    others = [
        ledger.account(kind, cur)
        for _pk, cur in payable
        for kind in (AccountKind.CLEARING, AccountKind.PAYOUT_FEES, AccountKind.FX_MARGIN)
    ]
    locked = ledger.lock([LedgerAccount(pk=pk) for pk, _cur in payable] + others)
    if PayoutBatch.objects.filter(merchant=merchant, period=period).exists():
        return None
    # A balance so small that the rounded fee and margin would take it all stays owed until
    # more comes in: a payout always leaves the merchant something (net > 0).
    accounts = sorted(
        (
            locked[pk]
            for pk, _cur in payable
            if locked[pk].balance > 0 and _net(locked[pk], fee_rate, margin_rate) > 0
        ),
        key=lambda a: a.currency,
    )
    if not accounts:
        return None
    quotes = []
    for acct in accounts:
        try:
            rate, when, source = fx.rate_info(acct.currency, target, on)
        except fx.MissingRate as exc:
            raise field_error("fx", str(exc), PaymentsErrorCode.NO_EXCHANGE_RATE) from exc
        quotes.append((acct, rate, when, source))
    batch = PayoutBatch.objects.create(
        reference=new_reference("PO"), merchant=merchant, currency=target, total=Decimal(0),
        provider=provider, period=period,
    )  # fmt: skip
    _step("batch")
    total = Decimal(0)
    memo = f"payout {batch.reference} to {merchant.legal_name}"[:200]
    for acct, rate, when, source in quotes:
        cur = acct.currency
        gross = acct.balance
        margin = round_money(gross * margin_rate, cur)
        fee = round_money(gross * fee_rate, cur)
        net = gross - margin - fee
        for kind, account_kind, amount in (
            ("fx_margin", AccountKind.FX_MARGIN, margin),
            ("payout_fee", AccountKind.PAYOUT_FEES, fee),
        ):
            if amount:
                ledger.post(
                    f"{key}:{cur}:{kind}", kind,
                    [
                        ledger.debit(acct, amount),
                        ledger.credit(ledger.account(account_kind, cur), amount),
                    ],
                    memo=memo,
                )  # fmt: skip
        txn = ledger.post(
            f"{key}:{cur}",
            "payout",
            [
                ledger.debit(acct, net),
                ledger.credit(ledger.account(AccountKind.CLEARING, cur), net),
            ],
            memo=memo,
        )
        _step(f"posted:{cur}")
        converted = round_money(net * rate, target)
        PayoutItem.objects.create(
            batch=batch, source_currency=cur, source_amount=gross, fee=fee, fx_margin=margin,
            rate=rate, rate_date=when, rate_source=source[:300], amount=converted,
            ledger_transaction=txn,
        )  # fmt: skip
        total += converted
    batch.total = total
    PayoutBatch.objects.filter(pk=batch.pk).update(total=total)
    outbox.request_call(
        CallKind.PAYOUT, key=key, provider=provider, amount=total, currency=target, payout=batch
    )
    _step("requested")
    return batch


#: Merchants read per query in run_payouts.
PAYOUT_CHUNK = 500


def run_payouts(
    on: dt.date | None = None,
    limit: int | None = 1000,
    progress: Callable[..., None] | None = None,
) -> list[PayoutBatch]:
    """One transaction per merchant (run_payout), each with its transfer request. `limit`
    bounds how many merchants one call pays (the periodic task); the operators' run is a job
    (payments.job_kinds) that pays them all (limit=None), reporting `progress(done, total)`."""
    on = on or timezone.now().date()
    year, week, _day = on.isocalendar()
    # Merchants already paid for the period `on` falls in (period_of, per schedule) are left
    # out in SQL before the limit: else they would fill the limit run after run and merchants
    # with higher ids would never be paid.
    paid = PayoutBatch.objects.filter(merchant_id=OuterRef("merchant_id")).filter(
        Q(merchant__payout_schedule="monthly", period=f"{on.year}-{on.month:02d}")
        | (~Q(merchant__payout_schedule="monthly") & Q(period=f"{year}-W{week:02d}"))
    )
    owed = (
        LedgerAccount.objects.filter(kind=AccountKind.MERCHANT_PAYABLE, balance__gt=0)
        .exclude(Exists(paid))
        .order_by("merchant_id")
        .values_list("merchant_id", flat=True)
        .distinct()
    )
    ids = list(owed[:limit] if limit is not None else owed)
    report = progress or (lambda *args, **kwargs: None)
    report(
        0,
        len(ids),
        ngettext("Paying %(n)d merchant", "Paying %(n)d merchants", len(ids)) % {"n": len(ids)},
    )
    batches = []
    for start in range(0, len(ids), PAYOUT_CHUNK):
        chunk = ids[start : start + PAYOUT_CHUNK]
        for n, merchant in enumerate(Merchant.objects.filter(pk__in=chunk).order_by("pk"), 1):
            batch = run_payout(merchant, on)
            if batch is not None:
                batches.append(batch)
            report(start + n, len(ids))
    return batches
