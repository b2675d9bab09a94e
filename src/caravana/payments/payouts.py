"""Payouts: each merchant paid all it is owed, converted to its payout currency at the day's
rate, with the transfer requested through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from caravana.catalog.models import Merchant
from caravana.errors import field_error
from caravana.money import round_money
from caravana.payments import ledger, outbox, providers
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


@transaction.atomic
def run_payout(merchant: Merchant, on: dt.date | None = None) -> PayoutBatch | None:
    """Pay a merchant all it is owed, each buyer currency converted to CNY at the day's rate
    (recorded with its date and source on the batch). None when nothing is owed. The transfer
    itself is a request row in the same transaction (the outbox), sent after commit."""
    on = on or timezone.now().date()
    provider = providers.default_name()
    if provider is None:
        raise field_error(
            "provider", _("No payment provider is configured."), PaymentsErrorCode.NO_PROVIDER
        )
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
            raise field_error("fx", str(exc), PaymentsErrorCode.NO_EXCHANGE_RATE) from exc
        quotes.append((acct, rate, when, source))
    batch = PayoutBatch.objects.create(
        reference=new_reference("PO"), merchant=merchant, currency=target, total=Decimal(0)
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
    outbox.request_call(
        CallKind.PAYOUT, key=f"payout:{batch.reference}", provider=provider, amount=total,
        currency=target, payout=batch,
    )  # fmt: skip
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
    owed = (
        LedgerAccount.objects.filter(kind=AccountKind.MERCHANT_PAYABLE, balance__gt=0)
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
