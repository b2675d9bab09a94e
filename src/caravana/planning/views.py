"""The planner's pages: coming flights and their bookings, run a plan, read it, commit it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.pages import planner_required
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.fulfillment.services import load_sheets
from caravana.jobs import launch
from caravana.network.models import Flight
from caravana.planning import job_kinds, report, services
from caravana.planning.error_codes import PlanningErrorCode
from caravana.planning.models import BellyOffer, Booking, PlanRun

REASONS = {
    "no_leg": _("no flight or belly offer on this lane in the window"),
    "not_ready": _("closed after the last departure in the window"),
    "dangerous_goods": _("dangerous goods and no freighter on this lane"),
    "cheaper_to_wait": _("no room worth its cost: a later plan takes it"),
}


def _window(request: HttpRequest) -> tuple[dt.datetime, dt.datetime, dict]:
    today = timezone.now().date()
    start = parse_date(request.POST.get("start") or request.GET.get("start") or "") or today
    end = parse_date(request.POST.get("end") or request.GET.get("end") or "") or (
        start + dt.timedelta(days=7)
    )
    as_dt = lambda d: dt.datetime.combine(d, dt.time(), tzinfo=dt.UTC)  # noqa: E731
    return as_dt(start), as_dt(end), {"start": start, "end": end}


@planner_required
def flights(request: HttpRequest) -> HttpResponse:
    start, end, form = _window(request)
    rows = (
        Flight.objects.filter(scheduled_departure__gte=start, scheduled_departure__lt=end)
        .select_related("aircraft_type")
        .annotate(
            booked_kg=Sum("bookings__weight_kg"),
            booked_m3=Sum("bookings__volume_m3"),
            booked=Count("bookings"),
        )
        .order_by("scheduled_departure")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for f in page:
        f.fill_weight = round(100 * float(f.booked_kg or 0) / f.aircraft_type.max_payload_kg, 1)
        f.fill_volume = round(100 * float(f.booked_m3 or 0) / float(f.aircraft_type.volume_m3), 1)
    runs = PlanRun.objects.select_related("created_by")[:10]
    return render(request, "planning/flights.html", {"page": page, "runs": runs, **form})


@planner_required
@require_POST
def run_plan(request: HttpRequest) -> HttpResponse:
    """Checks the window, then starts the plan as a job: its page shows the progress and leads
    to the plan (a week takes 10–30 s of solving, too long for a request)."""
    start, end, form = _window(request)
    try:
        services.check_window(start, end)
    except ValidationError as exc:
        return render(
            request,
            "planning/flights.html",
            {"page": [], "runs": [], "error": "; ".join(exc.messages), **form},
            status=422,
        )
    job = launch.start(
        request.user, job_kinds.RUN, {"start": start.isoformat(), "end": end.isoformat()}
    )
    return redirect("jobs:detail", pk=job.pk)


@planner_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(PlanRun, pk=pk)
    summary = _labelled(report.summarise(plan.problem, plan.result))
    for w in summary["waiting"]:
        w["reason_text"] = REASONS[w["reason"]]
    return render(request, "planning/run.html", {"plan": plan, "s": summary})


def _labelled(summary: dict) -> dict:
    """Planners know flights by number, not by our row ids: two queries for the whole plan."""
    flight_pks = [int(f["id"][7:]) for f in summary["flights"]]
    numbers = dict(Flight.objects.filter(pk__in=flight_pks).values_list("pk", "number"))
    for f in summary["flights"]:
        f["label"] = numbers.get(int(f["id"][7:]), f["id"])
    belly_pks = [int(b["id"][6:]) for b in summary["belly"]]
    bellies = dict(BellyOffer.objects.filter(pk__in=belly_pks).values_list("pk", "number"))
    for b in summary["belly"]:
        b["label"] = bellies.get(int(b["id"][6:]), b["id"])
    return summary


@planner_required
@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(PlanRun, pk=pk)
    try:
        services.commit(request.user, plan)
    except ValidationError as exc:
        summary = _labelled(report.summarise(plan.problem, plan.result))
        # A later plan committed first (perhaps while this one waited its turn): a conflict
        # with the state of the network, not a fault of the request.
        superseded = any(
            e.code == PlanningErrorCode.PLAN_SUPERSEDED
            for e in getattr(exc, "error_dict", {}).get("run", [])
        )
        return render(
            request,
            "planning/run.html",
            {"plan": plan, "s": summary, "error": "; ".join(exc.messages)},
            status=409 if superseded else 422,
        )
    return redirect("planning:run", pk=plan.pk)


@planner_required
def flight_load(request: HttpRequest, pk: int) -> HttpResponse:
    flight = get_object_or_404(Flight.objects.select_related("aircraft_type"), pk=pk)
    bookings = Booking.objects.filter(flight=flight).select_related(
        "bag__uld__flight", "uld__uld_type", "uld__flight"
    )
    page = Paginator(bookings.order_by("id"), 100).get_page(request.GET.get("page"))
    totals = bookings.aggregate(kg=Sum("weight_kg"), m3=Sum("volume_m3"))
    # the load sheet: what is loaded, beside what the committed plan puts on the flight
    sheet = load_sheets.load_sheet(flight)
    return render(
        request,
        "planning/flight.html",
        {"flight": flight, "page": page, "totals": totals, "sheet": sheet},
    )
