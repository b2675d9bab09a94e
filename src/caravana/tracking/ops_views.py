"""Operators' page: last-mile carrier performance per country and carrier for a period
(tracking.carrier_queries counts, tracking.carrier_figures computes)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from caravana import markets
from caravana.access.pages import operator_required
from caravana.tracking import carrier_figures, carrier_queries, carrier_rollup
from caravana.tracking.forms import PerformanceForm


@operator_required
def performance(request: HttpRequest) -> HttpResponse:
    asked = "start" in request.GET or "end" in request.GET or "country" in request.GET
    form = PerformanceForm(request.GET if asked else PerformanceForm.initial_for())
    ctx: dict = {"form": form}
    if form.is_valid():
        start, end = form.bounds()
        country = form.cleaned_data["country"]
        buckets = carrier_rollup.cached_bucket_rows(start, end, country)
        language = get_language() or "en"
        countries = carrier_figures.by_country(buckets, [m.code for m in markets.all()])
        sections = []
        for c in countries:
            name = markets.country_name(c.code, language)
            rows, scale_end = carrier_figures.chart_rows(
                (f.carrier or str(_("No carrier")), f) for f in c.carriers
            )
            caption = _("Carriers in %(country)s compared") % {"country": name}
            sections.append(
                {
                    "country": c,
                    "name": name,
                    "rows": rows,
                    "scale_end": scale_end,
                    "caption": caption,
                }  # fmt: skip
            )
        totals = [(s["name"], s["country"].total) for s in sections]
        country_rows, country_scale = carrier_figures.chart_rows(totals)
        ctx.update(
            sections=sections,
            totals=totals,
            country_rows=country_rows,
            country_scale=country_scale,
            country_caption=_("Countries compared"),
            period=form.cleaned_data,
            returns=carrier_queries.returns_by_reason(start, end, country),
        )
    return render(request, "tracking/carrier_performance.html", ctx)
