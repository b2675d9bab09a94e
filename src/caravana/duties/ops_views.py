"""Operator pages: the duty reconciliation per country and period (table, daily chart, CSV) and
the remittance of what an authority is owed."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana import markets
from caravana.access.pages import operator_required
from caravana.duties import chart, queries, services
from caravana.duties.forms import PeriodForm, RemitForm
from caravana.duties.models import DutyAuthority

COLUMNS = ("opening", "collected", "returned", "differences", "remitted", "other", "closing")


def _period(request: HttpRequest) -> PeriodForm:
    """The period asked for, or this month so far in Brazil; validated."""
    form = PeriodForm(request.GET if "country" in request.GET else PeriodForm.initial_for())
    form.is_valid()
    return form


@operator_required
def report(request: HttpRequest) -> HttpResponse:
    form = _period(request)
    ctx: dict = {"form": form}
    if not form.errors:
        d = form.cleaned_data
        rep = queries.reconciliation(d["country"], d["start"], d["end"])
        days = queries.daily_figures(country=d["country"], start=d["start"], end=d["end"])
        ctx.update(
            report=rep,
            chart=chart.bars(days),
            authorities=DutyAuthority.objects.filter(country=d["country"]),
            remit_form=RemitForm(
                initial={"period_start": d["start"], "period_end": d["end"]},
            ),
            query=urlencode({k: str(v) for k, v in d.items()}),
        )
        ctx["remit_form"].fields["authority"].queryset = ctx["authorities"]
    return render(request, "duties/report.html", ctx)


@operator_required
def report_csv(request: HttpRequest) -> HttpResponse:
    form = _period(request)
    if form.errors:
        return HttpResponse(form.errors.as_text(), status=422, content_type="text/plain")
    d = form.cleaned_data
    rep = queries.reconciliation(d["country"], d["start"], d["end"])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"duties-{rep.country}-{rep.start}-{rep.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    out = csv.writer(response)
    out.writerow(["country", "currency", "period_start", "period_end_exclusive", "tax",
                  "authority", *COLUMNS, "ledger_closing", "balanced"])  # fmt: skip
    for row in [*rep.rows, rep.total]:
        out.writerow([rep.country, rep.currency, rep.start, rep.end, row.tax or "total",
                      row.authority, *(getattr(row, c) for c in COLUMNS), row.ledger_closing,
                      "yes" if row.balanced else "no"])  # fmt: skip
    return response


@operator_required
@require_POST
def remit(request: HttpRequest) -> HttpResponse:
    form = RemitForm(request.POST)
    back = reverse("duties:report")
    if form.is_valid():
        d = form.cleaned_data
        authority = d["authority"]
        market = markets.get(authority.country)
        try:
            batch = services.remit_safely(
                authority, market.currency if market else "", d["period_start"],
                d["period_end"], d["paid_reference"], actor=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            _field_messages(request, form, exc.message_dict)
        else:
            messages.success(
                request,
                _("Remittance %(r)s to %(a)s: %(t)s %(c)s.")
                % {
                    "r": batch.reference,
                    "a": authority.code,
                    "t": batch.total,
                    "c": batch.currency,
                },  # fmt: skip
            )
        query = {"country": authority.country, "start": d["period_start"],
                 "end": d["period_end"]}  # fmt: skip
        return redirect(f"{back}?{urlencode(query)}")
    _field_messages(request, form, form.errors)
    return redirect(back)


def _field_messages(request: HttpRequest, form: RemitForm, errors: dict) -> None:
    """One message per field, led by the field's label, whether the form or the service
    refused it."""
    for field, texts in errors.items():
        label = form.fields[field].label if field in form.fields else field
        messages.error(request, f"{label}: " + "; ".join(texts))
