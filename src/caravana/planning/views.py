"""The planner's pages: coming flights and their bookings, run a plan, read it, commit it;
bags and their last-mile carriers."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from caravana.access.pages import planner_required
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.fulfillment.models import Bag
from caravana.fulfillment.services import carriers, load_sheets
from caravana.jobs import launch
from caravana.network.models import Carrier, Flight, Hub, building_hubs
from caravana.planning import job_kinds, outlook, report, services
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
    hubs = building_hubs()
    for f in page:
        f.fill_weight = round(100 * float(f.booked_kg or 0) / f.aircraft_type.max_payload_kg, 1)
        room = float(f.parcel_room_m3(hubs))
        f.fill_volume = round(100 * float(f.booked_m3 or 0) / room, 1) if room else 0.0
    runs = PlanRun.objects.select_related("created_by")
    # The twin keeps a cycle a simulated day: listed apart, so they never push the planner's
    # own plans off the list.
    return render(request, "planning/flights.html", {
        "page": page, "runs": runs.filter(source=PlanRun.Source.PLANNER)[:10],
        "twin_runs": runs.filter(source=PlanRun.Source.TWIN)[:5], **form,
    })  # fmt: skip


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


@planner_required
def forecast(request: HttpRequest) -> HttpResponse:
    """Demand per lane and week ahead, with its interval, and the charters to commit now and to
    hold as options, against booking for the mean and for the peak (planning/outlook.py)."""
    today = timezone.now().date()
    lanes, short = outlook.outlook(today)
    context = {
        "lanes": lanes,
        "short": short,
        "first_week": outlook.first_week(today),
        "lead_days": outlook.LEAD_DAYS,
    }
    return render(request, "planning/forecast.html", context)


def _labelled(summary: dict) -> dict:
    """Planners know flights by number, not by our row ids: two queries for the whole plan."""
    flight_pks = [pk for f in summary["flights"] if (pk := _pk(f["id"], "flight-"))]
    numbers = dict(Flight.objects.filter(pk__in=flight_pks).values_list("pk", "number"))
    for f in summary["flights"]:
        f["label"] = numbers.get(_pk(f["id"], "flight-"), f["id"])
    belly_pks = [pk for b in summary["belly"] if (pk := _pk(b["id"], "belly-"))]
    bellies = dict(BellyOffer.objects.filter(pk__in=belly_pks).values_list("pk", "number"))
    for b in summary["belly"]:
        b["label"] = bellies.get(_pk(b["id"], "belly-"), b["id"])
    return summary


def _pk(leg_id: str, prefix: str) -> int | None:
    """The row id in a leg's id ("flight-12"); None for a twin's simulated leg ("d3-BR-c0"),
    which keeps its own id as its label."""
    rest = leg_id.removeprefix(prefix)
    return int(rest) if rest != leg_id and rest.isdigit() else None


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
    sheet = load_sheets.load_sheet(flight, with_plan=True)
    return render(
        request,
        "planning/flight.html",
        {"flight": flight, "page": page, "totals": totals, "sheet": sheet},
    )


#: What an error's field is called on the bags page.
_FIELDS = {
    "s10": gettext_lazy("Parcel"),
    "bag": gettext_lazy("Bag"),
    "carrier": gettext_lazy("Carrier"),
}


def _bags_page(request: HttpRequest, errors: dict | None = None, status: int = 200):
    """Bags newest first, by hub and state, each with the carriers of its country to choose."""
    hubs = list(Hub.objects.filter(is_active=True).order_by("code"))
    hub_code = request.GET.get("hub", "")
    state = request.GET.get("state", "open")
    rows = Bag.objects.select_related("hub", "gateway", "service_level", "carrier").order_by(
        "-created_at", "-id"
    )
    if hub_code:
        rows = rows.filter(hub__code=hub_code)
    if state in Bag.State.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    by_country: dict[str, list[Carrier]] = {}
    for c in Carrier.objects.filter(is_active=True).order_by("country", "name"):
        by_country.setdefault(c.country, []).append(c)
    for b in page:
        b.carrier_options = by_country.get(b.gateway.country, [])
    shown = [
        {"field": _FIELDS.get(name, name), "name": name, "message": " ".join(msgs)}
        for name, msgs in (errors or {}).items()
    ]
    return render(
        request,
        "planning/bags.html",
        {
            "page": page,
            "hubs": hubs,
            "hub_code": hub_code,
            "state": state,
            "by_country": sorted(by_country.items()),
            "errors": shown,
            "error_fields": {e["name"] for e in shown},
            "form": request.POST if errors else {},
        },
        status=status,
    )


@planner_required
def bags(request: HttpRequest) -> HttpResponse:
    """The planner's bags: change the last-mile carrier of a bag or of a parcel not yet bagged
    (fulfillment.services.carriers, which checks the role again)."""
    return _bags_page(request)


def _change_carrier(request: HttpRequest, change, *args: str) -> HttpResponse:
    try:
        done = change(request.user, *args)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"carrier": exc.messages}
        return _bags_page(request, errors, status=422)
    messages.success(
        request,
        _("%(what)s now goes with %(carrier)s.") % {"what": done, "carrier": done.carrier.name},
    )
    query = request.GET.urlencode()
    return redirect(reverse("planning:bags") + (f"?{query}" if query else ""))


@planner_required
@require_POST
def bag_carrier(request: HttpRequest) -> HttpResponse:
    return _change_carrier(
        request,
        carriers.override_bag,
        request.POST.get("bag", ""),
        request.POST.get("carrier", ""),
    )


@planner_required
@require_POST
def parcel_carrier(request: HttpRequest) -> HttpResponse:
    return _change_carrier(
        request,
        carriers.override_parcel,
        request.POST.get("s10", ""),
        request.POST.get("carrier", ""),
    )
