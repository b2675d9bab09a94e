"""Starting CSV exports: each request only records a job and redirects to its page, which shows
the progress and then the download (a million parcels take far longer than a request may)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from caravana.access.pages import merchant_required, operator_required
from caravana.console import exports
from caravana.fulfillment.models import Parcel
from caravana.jobs import launch
from caravana.jobs.models import Job
from caravana.network.models import Flight, Hub
from caravana.orders.models import OrderStatus

FLIGHT_DAYS = 7  # the manifest picker lists flights departing this many days either side


@merchant_required
@require_POST
def orders_csv(request: HttpRequest) -> HttpResponse:
    status = request.POST.get("status", "")
    job = launch.start(
        request.user,
        exports.ORDERS,
        {"merchant": request.merchant.pk, "status": status if status in OrderStatus.values else ""},
    )
    return redirect("jobs:detail", pk=job.pk)


@merchant_required
@require_POST
def parcels_csv(request: HttpRequest) -> HttpResponse:
    state = request.POST.get("state", "")
    job = launch.start(
        request.user,
        exports.PARCELS,
        {"merchant": request.merchant.pk, "state": state if state in Parcel.State.values else ""},
    )
    return redirect("jobs:detail", pk=job.pk)


def _ops_choices() -> dict:
    now = timezone.now()
    window = dt.timedelta(days=FLIGHT_DAYS)
    return {
        "hubs": Hub.objects.order_by("code").values_list("pk", "code")[:200],
        "states": Parcel.State.choices,
        "flights": Flight.objects.filter(
            scheduled_departure__gte=now - window, scheduled_departure__lt=now + window
        )
        .order_by("scheduled_departure")
        .values_list("pk", "number", "origin", "destination", "scheduled_departure")[:200],
    }


def _pk(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@operator_required
def operations_exports(request: HttpRequest) -> HttpResponse:
    """The operators' exports: every parcel, or one hub's, one state's, one flight's manifest."""
    if request.method == "POST":
        hub, flight = _pk(request.POST.get("hub", "")), _pk(request.POST.get("flight", ""))
        errors = {}
        if hub is not None and not Hub.objects.filter(pk=hub).exists():
            errors["hub"] = True
        if flight is not None and not Flight.objects.filter(pk=flight).exists():
            errors["flight"] = True
        state = request.POST.get("state", "")
        if not errors:
            params = {
                "hub": hub,
                "flight": flight,
                "state": state if state in Parcel.State.values else "",
            }
            job = launch.start(request.user, exports.OPS_PARCELS, params)
            return redirect("jobs:detail", pk=job.pk)
        context = {"errors": errors, **_ops_choices()}
        return render(request, "console/operations_exports.html", context, status=422)
    recent = Job.objects.filter(owner=request.user).order_by("-pk")[:10]
    return render(request, "console/operations_exports.html", {"recent": recent, **_ops_choices()})
