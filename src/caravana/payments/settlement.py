"""Settlement reports, read and compared with the ledger's lines: pure computation (no Django),
so the rules are tested alone; payments.settlement_job feeds it the ledger and writes the result.

Every amount is signed as it moves the provider balance: a payment +, a refund or a chargeback −.

Stripe — the itemized "Balance change from activity" or "Payout reconciliation" report
(report types balance_change_from_activity.itemized.* and payout_reconciliation.itemized.*),
one row per balance transaction, amounts in major units:
https://docs.stripe.com/reports/balance https://docs.stripe.com/reports/payout-reconciliation
https://docs.stripe.com/reports/reporting-categories
Columns read: balance_transaction_id, created_utc (or created), currency, gross, fee, net,
reporting_category (charge, refund, dispute, dispute_reversal; others are not Caravana's),
source_id (the refund re_… or dispute dp_… for those rows: unverified for disputes),
payment_intent_id, and payment_metadata[caravana_reference] when the report was run with it.

Mercado Pago — the released-money report ("reporte de liberaciones"): its columns
https://www.mercadopago.com.br/developers/en/docs/checkout-api/additional-content/reports/released-money/report-fields
and an example file in Mercado Pago's own docs (mercadopago/devsite-docs,
guides/additional-content/reports/released-money/api.es.md: DATE, SOURCE_ID, EXTERNAL_REFERENCE,
RECORD_TYPE, DESCRIPTION, NET_CREDIT_AMOUNT, NET_DEBIT_AMOUNT, GROSS_AMOUNT, MP_FEE_AMOUNT,
FINANCING_FEE_AMOUNT, SHIPPING_FEE_AMOUNT, TAXES_AMOUNT, COUPON_AMOUNT, INSTALLMENTS,
PAYMENT_METHOD; a payment row 269.00 gross, −43.04 fee, 225.96 net credit; a withdrawal with a
negative gross). Only `release` rows whose DESCRIPTION is payment, refund or chargeback are
Caravana's (the names of refund and chargeback descriptions: unverified); fees are read as
magnitudes. The account has one currency (Mercado Pago takes only its country's), given with the
file; a CURRENCY or SETTLEMENT_CURRENCY column, when present, is used instead. A row with neither
SOURCE_ID nor EXTERNAL_REFERENCE cannot be matched: it is listed as missing in the ledger.
Refunds and chargebacks are matched per payment (SOURCE_ID), summed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

ZERO = Decimal(0)

STRIPE_REQUIRED = ("currency", "gross", "fee", "net", "reporting_category", "source_id")
STRIPE_KINDS = {
    "charge": "payment",
    "refund": "refund",
    "dispute": "chargeback",
    "dispute_reversal": "chargeback",
}
MP_REQUIRED = ("DATE", "SOURCE_ID", "RECORD_TYPE", "DESCRIPTION", "GROSS_AMOUNT")
MP_KINDS = {"payment": "payment", "refund": "refund", "chargeback": "chargeback"}
MP_FEES = ("MP_FEE_AMOUNT", "FINANCING_FEE_AMOUNT", "SHIPPING_FEE_AMOUNT", "TAXES_AMOUNT")

# What a difference is.
MISSING_IN_LEDGER = "missing_in_ledger"
MISSING_IN_REPORT = "missing_in_report"
AMOUNT = "amount_mismatch"
FEE = "fee_mismatch"
CURRENCY = "currency_mismatch"


class ReportError(ValueError):
    """The file is not a report of this shape: names the column or the row."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Line:
    """One money movement: `key` is how both sides name it (payment:<provider id>,
    refund:<refund id or payment id>, chargeback:<dispute id or payment id>)."""

    key: str
    kind: str
    amount: Decimal
    currency: str
    reference: str = ""
    on: dt.date | None = None
    fee: Decimal = ZERO
    net: Decimal | None = None
    rows: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class Difference:
    problem: str
    key: str
    kind: str
    reference: str
    report_amount: Decimal | None
    ledger_amount: Decimal | None
    report_currency: str
    ledger_currency: str
    note: str = ""

    def row(self) -> list[str]:
        return [
            self.problem,
            self.kind,
            self.key,
            self.reference,
            "" if self.report_amount is None else str(self.report_amount),
            self.report_currency,
            "" if self.ledger_amount is None else str(self.ledger_amount),
            self.ledger_currency,
            self.note,
        ]


HEADER = [
    "problem",
    "kind",
    "key",
    "reference",
    "report_amount",
    "report_currency",
    "ledger_amount",
    "ledger_currency",
    "note",
]


def _money(value: str, column: str, row: int) -> Decimal:
    text = (value or "").strip().replace(",", "") or "0"
    try:
        out = Decimal(text)
    except InvalidOperation:
        raise ReportError(column, f"row {row}: {value!r} is not an amount") from None
    if not out.is_finite():
        raise ReportError(column, f"row {row}: {value!r} is not an amount")
    return out


def _date(value: str) -> dt.date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None


def _reader(data: bytes | str, required: Sequence[str]) -> csv.DictReader:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = [c.strip() for c in reader.fieldnames or []]
    reader.fieldnames = columns
    missing = [c for c in required if c not in columns]
    if missing:
        raise ReportError(missing[0], "the report has no such column")
    return reader


def _merge(lines: Iterable[Line]) -> list[Line]:
    """Rows for the same key (a dispute and its reversal, refunds of one payment) summed."""
    out: dict[str, Line] = {}
    for line in lines:
        had = out.get(line.key)
        if had is None:
            out[line.key] = line
            continue
        out[line.key] = Line(
            line.key,
            line.kind,
            had.amount + line.amount,
            had.currency if had.currency == line.currency else f"{had.currency}/{line.currency}",
            had.reference or line.reference,
            min(filter(None, (had.on, line.on)), default=None),
            had.fee + line.fee,
            None if had.net is None or line.net is None else had.net + line.net,
            had.rows + line.rows,
        )
    return list(out.values())


def parse_stripe(
    data: bytes | str, reference_column: str = "payment_metadata[caravana_reference]"
) -> list[Line]:
    reader = _reader(data, STRIPE_REQUIRED)
    lines = []
    for n, row in enumerate(reader, 2):
        kind = STRIPE_KINDS.get((row.get("reporting_category") or "").strip())
        if kind is None:
            continue
        gross = _money(row["gross"], "gross", n)
        fee = _money(row["fee"], "fee", n)
        net = _money(row["net"], "net", n)
        currency = (row.get("currency") or "").strip().upper()
        if not currency:
            raise ReportError("currency", f"row {n}: empty")
        if kind == "payment":
            ident = (row.get("payment_intent_id") or "").strip()
        else:
            ident = (row.get("source_id") or "").strip()
        reference = (row.get(reference_column) or "").strip()
        if not ident and not reference:
            raise ReportError("payment_intent_id", f"row {n}: no id to match")
        lines.append(
            Line(
                f"{kind}:{ident}" if ident else f"{kind}:ref:{reference}",
                kind,
                gross,
                currency,
                reference,
                _date(row.get("created_utc") or row.get("created") or ""),
                fee,
                net,
                (n,),
            )
        )
    return _merge(lines)


def parse_mercadopago(data: bytes | str, currency: str) -> list[Line]:
    reader = _reader(data, MP_REQUIRED)
    lines = []
    for n, row in enumerate(reader, 2):
        if (row.get("RECORD_TYPE") or "").strip().lower() != "release":
            continue
        kind = MP_KINDS.get((row.get("DESCRIPTION") or "").strip().lower())
        if kind is None:
            continue
        credit = _money(row.get("NET_CREDIT_AMOUNT", ""), "NET_CREDIT_AMOUNT", n)
        debit = _money(row.get("NET_DEBIT_AMOUNT", ""), "NET_DEBIT_AMOUNT", n)
        net = credit - debit
        gross = abs(_money(row["GROSS_AMOUNT"], "GROSS_AMOUNT", n))
        gross = gross if kind == "payment" else -gross
        fee = sum((abs(_money(row.get(c, ""), c, n)) for c in MP_FEES if c in row), ZERO)
        coupon = abs(_money(row.get("COUPON_AMOUNT", ""), "COUPON_AMOUNT", n))
        has_net = bool((row.get("NET_CREDIT_AMOUNT") or row.get("NET_DEBIT_AMOUNT") or "").strip())
        ident = (row.get("SOURCE_ID") or "").strip()
        reference = (row.get("EXTERNAL_REFERENCE") or "").strip()
        if not ident:
            ident = f"ref:{reference}" if reference else f"row{n}"
        row_currency = (row.get("CURRENCY") or row.get("SETTLEMENT_CURRENCY") or "").strip().upper()
        lines.append(
            Line(
                f"{kind}:{ident}",
                kind,
                gross,
                row_currency or currency.upper(),
                (row.get("EXTERNAL_REFERENCE") or "").strip(),
                _date(row.get("DATE", "")),
                fee - coupon if kind == "payment" else ZERO,
                (net if has_net else None) if kind == "payment" else None,
                (n,),
            )
        )
    return _merge(lines)


def compare(report: Sequence[Line], ledger: Sequence[Line]) -> list[Difference]:
    """Every difference, in the report's order then the ledger's: a ledger line is missing in
    the report only when it falls within the report's dates (a report covers a period)."""
    by_key = {line.key: line for line in ledger}
    by_ref = {line.reference: line for line in ledger if line.reference and line.kind == "payment"}
    seen: set[str] = set()
    out: list[Difference] = []
    for rep in report:
        mine = by_key.get(rep.key)
        if mine is None and rep.kind == "payment" and rep.reference:
            mine = by_ref.get(rep.reference)
        if mine is None:
            if rep.amount != ZERO:  # a dispute reversed in full moved nothing
                out.append(
                    Difference(
                        MISSING_IN_LEDGER,
                        rep.key,
                        rep.kind,
                        rep.reference,
                        rep.amount,
                        None,
                        rep.currency,
                        "",
                    )
                )
            continue
        seen.add(mine.key)
        if rep.currency != mine.currency:
            out.append(
                Difference(
                    CURRENCY,
                    rep.key,
                    rep.kind,
                    mine.reference,
                    rep.amount,
                    mine.amount,
                    rep.currency,
                    mine.currency,
                )
            )
        elif rep.amount != mine.amount:
            out.append(
                Difference(
                    AMOUNT,
                    rep.key,
                    rep.kind,
                    mine.reference,
                    rep.amount,
                    mine.amount,
                    rep.currency,
                    mine.currency,
                    f"off by {rep.amount - mine.amount}",
                )
            )
        if rep.net is not None and rep.amount - rep.fee != rep.net:
            out.append(
                Difference(
                    FEE,
                    rep.key,
                    rep.kind,
                    mine.reference,
                    rep.amount,
                    mine.amount,
                    rep.currency,
                    mine.currency,
                    f"gross {rep.amount} − fee {rep.fee} ≠ net {rep.net}",
                )
            )
    dates = [line.on for line in report if line.on]
    first, last = (min(dates), max(dates)) if dates else (None, None)
    for mine in ledger:
        if mine.key in seen or mine.amount == ZERO:
            continue
        if first and last and mine.on and not first <= mine.on <= last:
            continue
        out.append(
            Difference(
                MISSING_IN_REPORT,
                mine.key,
                mine.kind,
                mine.reference,
                None,
                mine.amount,
                "",
                mine.currency,
            )
        )
    return out


def merged(lines: Iterable[Line]) -> list[Line]:
    """Ledger lines summed per key, as report lines are."""
    return _merge(lines)


def amounts_by_kind(lines: Iterable[Line]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        out[line.kind] += line.amount
    return dict(out)
