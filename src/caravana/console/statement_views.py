"""The merchant's statement on the console: line by line (order, commission, coupon funding,
refunds, chargebacks, FX margin, fees, payouts) with the running balance per buyer currency,
as a page, a CSV and a PDF. A merchant sees only its own (request.merchant); the lines come
from payments.statements, which reads the ledger."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from caravana import manifest_paper as paper
from caravana.access.pages import merchant_required
from caravana.jobs.csvfile import cell
from caravana.money import Money
from caravana.payments import statements
from caravana.payments.models import PayoutBatch

#: Babel locales for amounts on the console, by interface language.
MONEY_LOCALES = {"zh-hans": "zh_Hans_CN", "es": "es", "pt-br": "pt_BR", "en": "en"}


def _locale() -> str:
    return MONEY_LOCALES.get((get_language() or "en").lower(), "en")


def _month(request: HttpRequest) -> str:
    """The ?month=YYYY-MM asked for (this month by default); 404 for another shape."""
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    try:
        statements.month_bounds(month)
    except ValueError as exc:
        raise Http404("month") from exc
    return month


def _fx_note(line: statements.Line) -> str:
    item = line.payout
    if item is None:
        return ""
    return _("%(amount)s at %(rate)s (rate of %(date)s, %(source)s)") % {
        "amount": Money(item.amount, item.batch.currency).format(_locale()),
        "rate": f"{item.rate.normalize():f}",
        "date": item.rate_date.isoformat(),
        "source": item.rate_source,
    }


@merchant_required
def statement_page(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    data = statements.statement(request.merchant, month)
    for cs in data:
        for line in cs.lines:
            line.note = _fx_note(line)
    batches = PayoutBatch.objects.filter(merchant=request.merchant).order_by("-created_at")[:12]
    context = {
        "month": month,
        "statements": data,
        "batches": batches,
        "money_locale": _locale(),
        "schedule": request.merchant.get_payout_schedule_display(),
        "payout_currency": request.merchant.payout_currency or "CNY",
    }
    return render(request, "console/statement.html", context)


CSV_COLUMNS = (
    "date", "currency", "type", "reference", "amount", "balance",
    "payout_amount", "payout_currency", "fx_rate", "fx_rate_date", "fx_rate_source",
)  # fmt: skip


def _csv_rows(data: list[statements.CurrencyStatement]) -> list[list[str]]:
    """Text cells go through jobs.csvfile.cell (never read as a formula); amounts stay
    numbers, their minus sign included."""
    rows: list[list[str]] = [list(CSV_COLUMNS)]
    for cs in data:
        rows.append(["", cs.currency, _("Brought forward"), "", "", f"{cs.opening:.2f}"])
        for line in cs.lines:
            item = line.payout
            rows.append(
                [
                    line.when.isoformat(timespec="seconds"), cs.currency, cell(line.label),
                    cell(line.reference), f"{line.amount:.2f}", f"{line.balance:.2f}",
                    f"{item.amount:.2f}" if item else "", item.batch.currency if item else "",
                    f"{item.rate.normalize():f}" if item else "",
                    item.rate_date.isoformat() if item else "",
                    cell(item.rate_source) if item else "",
                ]
            )  # fmt: skip
    return rows


@merchant_required
def statement_csv(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        _csv_rows(statements.statement(request.merchant, month))
    )
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="statement-{month}.csv"'
    return response


def statement_pdf_bytes(merchant, month: str, data: list[statements.CurrencyStatement]) -> bytes:
    """A4 portrait: the merchant and month, then per currency the lines and their totals."""
    locale = _locale()
    title = _("Statement")
    story: list = [
        Paragraph(escape(f"{title} · {month}"), paper.STYLES["Heading2"]),
        paper.cell(merchant.legal_name),
        Spacer(1, 4 * mm),
    ]
    head = [_("Date"), _("Type"), _("Reference"), _("Amount"), _("Balance"), _("Paid out")]
    for cs in data:
        story.append(Paragraph(escape(cs.currency), paper.STYLES["Heading3"]))
        rows: list[list] = [[paper.cell(h) for h in head]]

        def amount(value: Decimal, currency: str = cs.currency) -> str:
            return Money(value, currency).format(locale)

        rows.append(["", paper.cell(_("Brought forward")), "", "", amount(cs.opening), ""])
        for line in cs.lines:
            item = line.payout
            rows.append(
                [
                    line.when.date().isoformat(), paper.cell(line.label), line.reference,
                    amount(line.amount), amount(line.balance),
                    paper.cell(amount(item.amount, item.batch.currency)) if item else "",
                ]
            )  # fmt: skip
        rows.append(["", paper.cell(_("Closing balance")), "", "", amount(cs.closing), ""])
        story.append(paper.grid(rows, [22, 36, 38, 30, 30, 34]))
        story.append(Spacer(1, 3 * mm))
        totals = [[paper.cell(_("Type")), paper.cell(_("Amount"))]]
        totals += [
            [paper.cell(label), Money(amount, cs.currency).format(locale)]
            for _c, label, amount in cs.totals()
        ]
        totals.append(
            [
                "",
                Money(sum((a for _c, _l, a in cs.totals()), Decimal(0)), cs.currency).format(
                    locale
                ),
            ]
        )
        story.append(paper.grid(totals, [60, 40]))
        story.append(Spacer(1, 6 * mm))
    if not data:
        story.append(paper.cell(_("Nothing this month.")))
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=10 * mm, rightMargin=10 * mm, topMargin=10 * mm,
        bottomMargin=10 * mm, title=f"{title} {month}",
    ).build(story)  # fmt: skip
    return buf.getvalue()


@merchant_required
def statement_pdf(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    data = statements.statement(request.merchant, month)
    response = HttpResponse(
        statement_pdf_bytes(request.merchant, month, data), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="statement-{month}.pdf"'
    return response
