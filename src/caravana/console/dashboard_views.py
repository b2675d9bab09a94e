"""The console's landing page (the merchant's dashboard: console.dashboard's figures, two
charts, the orders to ship) and the pick and packing list PDF of the orders selected there."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from caravana.access.pages import merchant_required
from caravana.console import dashboard, day_chart, pick_list


@merchant_required
def overview(request: HttpRequest) -> HttpResponse:
    figures = dashboard.figures(request.merchant)
    return render(
        request,
        "console/overview.html",
        {
            "f": figures,
            "orders_chart": day_chart.bars([(d.day, d.orders) for d in figures.days]),
            "sales_chart": day_chart.bars([(d.day, d.sales) for d in figures.days]),
            "to_ship": dashboard.orders_to_ship(request.merchant),
            "currency": dashboard.PAYOUT_CURRENCY,
        },
    )


@merchant_required
def pick_list_pdf(request: HttpRequest) -> HttpResponse:
    """GET ?order=<number>&order=…: a read, so a link to it may be bookmarked or reprinted."""
    orders = pick_list.selected(request.merchant, request.GET.getlist("order"))
    response = HttpResponse(pick_list.pdf(request.merchant, orders), content_type="application/pdf")
    stamp = timezone.now().astimezone(dashboard.TZ).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="pick-list-{stamp}.pdf"'
    return response
