"""Reads of the duty books: the reconciliation report per country and period (what each tax's
liability held at the start, what came in, went back, was corrected and was paid, and what it
holds at the end, checked against the ledger to the cent) and the daily figures the gateway
dashboard draws. Every figure comes from the ledger's entries; nothing here writes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from caravana import markets
from caravana.duties.models import (
    AssessmentStatus,
    DutyAssessment,
    DutyAuthority,
    RemittanceBatch,
)
from caravana.duties.services import authority_taxes, day_start, ledger_tax_keys, policy_of
from caravana.fulfillment.models import Parcel
from caravana.network.models import Gateway
from caravana.payments.models import AccountKind, LedgerAccount, LedgerEntry

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
#: Which column of the report each kind of ledger transaction on a duties account falls in.
COLUMNS = {
    "release": "collected",
    "duty_collect": "collected",
    "duty_return": "returned",
    "duty_diff": "differences",
    "duty_diff_rev": "differences",
    "duty_remit": "remitted",
}
MOVEMENTS = ("collected", "returned", "differences", "remitted", "other")


def _q(value) -> Decimal:
    """SQLite sums come back through a float: stored amounts have two decimals at most."""
    return Decimal(value or 0).quantize(CENT)


@dataclass
class TaxRow:
    tax: str
    authority: str
    opening: Decimal = ZERO
    collected: Decimal = ZERO
    returned: Decimal = ZERO
    differences: Decimal = ZERO
    remitted: Decimal = ZERO
    other: Decimal = ZERO
    closing: Decimal = ZERO
    ledger_closing: Decimal = ZERO

    @property
    def balanced(self) -> bool:
        """Opening plus every movement is the closing balance the ledger's entries give."""
        moved = sum((getattr(self, m) for m in MOVEMENTS), ZERO)
        return self.opening + moved == self.closing == self.ledger_closing


@dataclass
class Report:
    country: str
    currency: str
    start: dt.date
    end: dt.date  # exclusive
    policy: str
    rows: list[TaxRow]
    total: TaxRow
    parcels_assessed: int = 0
    assessed: Decimal = ZERO
    collected_for_assessed: Decimal = ZERO
    difference: Decimal = ZERO
    absorbed: Decimal = ZERO  # balances at the end of the period
    receivable: Decimal = ZERO
    surplus: Decimal = ZERO
    stored_balance_checked: bool = False
    problems: list[str] = field(default_factory=list)
    remittances: list[RemittanceBatch] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not self.problems


def _tax_of(key: str) -> str:
    """duties:BRL:BR:icms → icms; the country's account without a tax → ""."""
    parts = key.split(":")
    return parts[3] if len(parts) > 3 else ""


def _authorities(country: str) -> dict[str, str]:
    """Tax → the code of the authority it is paid to."""
    out: dict[str, str] = {}
    for authority in DutyAuthority.objects.filter(country=country):
        for tax in authority_taxes(authority):
            out.setdefault(tax, authority.code)
    return out


def reconciliation(country: str, start: dt.date, end: dt.date) -> Report:
    """The duty books of `country` for the days start ≤ day < end (UTC). Each tax's row must
    balance (opening + movements = closing = the ledger's entries); when the period reaches
    today the closing is also compared with the accounts' stored balances."""
    market = markets.get(country)
    currency = market.currency if market else ""
    lo, hi = day_start(start), day_start(end)
    accounts = {
        a.pk: a
        for a in LedgerAccount.objects.filter(kind=AccountKind.DUTIES, country=country)
        if not currency or a.currency == currency
    }
    names = _authorities(country)
    rows: dict[str, TaxRow] = {}
    for tax in ledger_tax_keys(country):
        rows[tax] = TaxRow(tax, names.get(tax, ""))
    by_account = {pk: _tax_of(a.key) for pk, a in accounts.items()}
    for tax in by_account.values():
        rows.setdefault(tax, TaxRow(tax, names.get(tax, "")))
    entries = LedgerEntry.objects.filter(account_id__in=list(accounts))
    before = entries.filter(transaction__created_at__lt=lo)
    for r in before.values("account_id").annotate(s=Sum("amount")):
        rows[by_account[r["account_id"]]].opening += -_q(r["s"])
    for r in (
        entries.filter(transaction__created_at__gte=lo, transaction__created_at__lt=hi)
        .values("account_id", "transaction__kind")
        .annotate(s=Sum("amount"))
    ):
        row = rows[by_account[r["account_id"]]]
        column = COLUMNS.get(r["transaction__kind"], "other")
        setattr(row, column, getattr(row, column) - _q(r["s"]))
    upto = entries.filter(transaction__created_at__lt=hi)
    for r in upto.values("account_id").annotate(s=Sum("amount")):
        rows[by_account[r["account_id"]]].ledger_closing += -_q(r["s"])
    # The country's account without a tax (orders whose quote had no breakdown) only if used.
    report_rows = [r for r in rows.values() if r.tax or r.opening or r.ledger_closing]
    total = TaxRow("", "")
    for row in report_rows:
        row.closing = row.opening + sum((getattr(row, m) for m in MOVEMENTS), ZERO)
        for name in ("opening", *MOVEMENTS, "closing", "ledger_closing"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    report = Report(country, currency, start, end, policy_of(country), report_rows, total)
    for row in report_rows:
        if not row.balanced:
            report.problems.append(
                f"{row.tax or '—'}: {row.opening} + movements = {row.closing}, "
                f"ledger {row.ledger_closing}"
            )
    if hi > timezone.now():
        report.stored_balance_checked = True
        stored = sum((a.balance for a in accounts.values()), ZERO)
        if stored != total.ledger_closing:
            report.problems.append(f"stored balances {stored} ≠ entries {total.ledger_closing}")
    assessed = DutyAssessment.objects.filter(
        country=country, status=AssessmentStatus.ASSESSED, assessed_at__gte=lo, assessed_at__lt=hi
    ).aggregate(a=Sum("assessed_total"), c=Sum("collected_total"), d=Sum("difference_total"))
    report.parcels_assessed = DutyAssessment.objects.filter(
        country=country, status=AssessmentStatus.ASSESSED, assessed_at__gte=lo, assessed_at__lt=hi
    ).count()
    report.assessed, report.collected_for_assessed = _q(assessed["a"]), _q(assessed["c"])
    report.difference = _q(assessed["d"])
    for kind, name, sign in (
        (AccountKind.DUTY_ABSORBED, "absorbed", 1),
        (AccountKind.DUTY_RECEIVABLE, "receivable", 1),
        (AccountKind.DUTY_SURPLUS, "surplus", -1),
    ):
        s = LedgerEntry.objects.filter(
            account__kind=kind, account__country=country, transaction__created_at__lt=hi
        ).aggregate(s=Sum("amount"))["s"]
        setattr(report, name, sign * _q(s))
    report.remittances = list(
        RemittanceBatch.objects.filter(
            authority__country=country, created_at__gte=lo, created_at__lt=hi
        ).select_related("authority")
    )
    return report


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    collected: Decimal  # into the liability (net of returns)
    assessed: Decimal  # what customs assessed that day
    remitted: Decimal  # paid to the country's authorities (per country, also for a gateway)


def daily_figures(
    *,
    country: str | None = None,
    gateway: str | None = None,
    start: dt.date,
    end: dt.date,
    tz: dt.tzinfo = dt.UTC,
) -> list[DayFigures]:
    """Duties collected, assessed and remitted per day for start ≤ day < end, for one
    country or one gateway (its IATA code), in the country's currency. For a gateway, collected
    and assessed count the orders of parcels routed through it; remitted is the whole
    country's, since an authority is paid per country. Days are counted in `tz` (UTC unless
    given: a gateway's page passes the gateway's zone so its days match its other figures).
    Three grouped queries."""
    if gateway:
        gw = Gateway.objects.filter(iata=gateway.upper()).first()
        if gw is None:
            return []
        country = gw.country
    if not country:
        raise ValueError("give a country or a gateway")
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    entries = LedgerEntry.objects.filter(
        account__kind=AccountKind.DUTIES,
        account__country=country,
        transaction__created_at__gte=lo,
        transaction__created_at__lt=hi,
    )
    assessments = DutyAssessment.objects.filter(
        country=country, status=AssessmentStatus.ASSESSED, assessed_at__gte=lo, assessed_at__lt=hi
    )
    if gateway:
        refs = Parcel.objects.filter(gateway=gw).exclude(order_ref="").values("order_ref")
        on_gateway = Q(order__number__in=refs)
        assessments = assessments.filter(parcel__gateway=gw)
    else:
        on_gateway = Q()
    day = TruncDate("transaction__created_at", tzinfo=tz)
    collected: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    remitted: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for r in (
        entries.filter(on_gateway, transaction__kind__in=["release", "duty_collect", "duty_return"])
        .annotate(day=day)
        .values("day")
        .annotate(s=Sum("amount"))
    ):
        collected[r["day"]] -= _q(r["s"])
    for r in (
        entries.filter(transaction__kind="duty_remit")
        .annotate(day=day)
        .values("day")
        .annotate(s=Sum("amount"))
    ):
        remitted[r["day"]] += _q(r["s"])
    assessed: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for r in (
        assessments.annotate(day=TruncDate("assessed_at", tzinfo=tz))
        .values("day")
        .annotate(s=Sum("assessed_total"))
    ):
        assessed[r["day"]] += _q(r["s"])
    out = []
    d = start
    while d < end:
        out.append(DayFigures(d, collected[d], assessed[d], remitted[d]))
        d += dt.timedelta(days=1)
    return out
