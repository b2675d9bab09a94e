"""The ledger's side of a settlement report (payments.settlement compares the two): for one
provider, what the ledger says moved through its balance, one line per payment captured
(clearing debited), refund paid and chargeback lost (clearing credited), named the way that
provider's report names them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from caravana.payments import settlement
from caravana.payments.models import (
    AccountKind,
    Chargeback,
    ChargebackStatus,
    LedgerEntry,
    Payment,
    Refund,
    RefundStatus,
)

CHUNK = 900


def _provider_ids(refs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for start in range(0, len(refs), CHUNK):
        for ref, art in Payment.objects.filter(
            reference__in=refs[start : start + CHUNK]
        ).values_list("reference", "artefact"):
            out[ref] = str((art or {}).get("provider_id", "")) if isinstance(art, dict) else ""
    return out


def lines(provider: str) -> list[settlement.Line]:
    return settlement.merged(_lines(provider))


def _lines(provider: str) -> Iterator[settlement.Line]:
    # Payments: the clearing debit of each capture:<reference> transaction.
    captured = LedgerEntry.objects.filter(
        account__kind=AccountKind.CLEARING, transaction__kind="capture"
    ).values_list("transaction__key", "amount", "currency", "transaction__created_at")
    refs = {key.split(":", 1)[1]: (amount, cur, at) for key, amount, cur, at in captured}
    keys = sorted(refs)
    mine: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        mine.update(
            Payment.objects.filter(
                provider=provider, reference__in=keys[start : start + CHUNK]
            ).values_list("reference", flat=True)
        )
    ids = _provider_ids(sorted(mine))
    for ref in sorted(mine):
        amount, cur, at = refs[ref]
        pid = ids.get(ref, "")
        key = f"payment:{pid}" if pid else f"payment:ref:{ref}"
        yield settlement.Line(key, "payment", Decimal(amount), cur, ref, _day(at))
    # Refunds paid: the clearing credit of refund:<RFD>:paid.
    paid = {
        key: (amount, at)
        for key, amount, at in LedgerEntry.objects.filter(
            account__kind=AccountKind.CLEARING,
            transaction__kind="refund_paid",
            transaction__order__group__payments__provider=provider,
        )
        .values_list("transaction__key", "amount", "transaction__created_at")
        .distinct()
    }
    refunds = Refund.objects.filter(payment__provider=provider, status=RefundStatus.PAID)
    for refund in refunds.select_related("payment").only(
        "reference", "provider_reference", "currency", "payment__reference", "payment__artefact"
    ):
        booked = paid.get(f"refund:{refund.reference}:paid")
        if booked is None:
            continue
        art = refund.payment.artefact if isinstance(refund.payment.artefact, dict) else {}
        if provider == "stripe":
            key = f"refund:{refund.provider_reference}"
        else:  # Mercado Pago names a refund by its payment
            key = f"refund:{art.get('provider_id', refund.payment.reference)}"
        yield settlement.Line(
            key,
            "refund",
            Decimal(booked[0]),
            refund.currency,
            refund.payment.reference,
            _day(booked[1]),
        )
    # Chargebacks lost: the clearing credit of chargeback:<pk>:lost.
    lost = dict(
        LedgerEntry.objects.filter(
            account__kind=AccountKind.CLEARING, transaction__kind="chargeback_lost"
        ).values_list("transaction__key", "amount")
    )
    for case in Chargeback.objects.filter(
        provider=provider, status=ChargebackStatus.LOST
    ).select_related("payment"):
        taken = lost.get(f"chargeback:{case.pk}:lost")
        if taken is None:
            continue
        art = case.payment.artefact if isinstance(case.payment.artefact, dict) else {}
        ident = case.dispute_id if provider == "stripe" else art.get("provider_id", "")
        yield settlement.Line(
            f"chargeback:{ident}",
            "chargeback",
            Decimal(taken),
            case.currency,
            case.payment.reference,
            _day(case.closed_at),
        )


def _day(at: dt.datetime | None) -> dt.date | None:
    return at.date() if at else None
