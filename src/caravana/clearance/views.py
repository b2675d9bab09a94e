"""The customs desk at a destination gateway: arrived flights and their manifests, a scan
field to enter decisions one by one (as the hub's scanning pages), a broker's file upload (a
job), each parcel's case with the buyer's answers, and the daily dashboard. Operators work
every gateway; an officer or broker (GatewayMember) their own."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana import markets
from caravana.clearance import charts, job_kinds, members, queries, services
from caravana.clearance import outcomes as o
from caravana.clearance.forms import DecisionsUploadForm
from caravana.clearance.models import Case, HoldReason, Manifest, Status
from caravana.duties import services as duties
from caravana.duties.models import DutyAssessment
from caravana.jobs import launch
from caravana.jobs.models import Job
from caravana.network.models import Flight, Gateway
from caravana.orders.models import Order

RECENT = 20
PER_PAGE = 100


def _gateway(request: HttpRequest, iata: str) -> Gateway:
    if not request.user.is_authenticated:
        raise PermissionDenied("sign in")
    gateway = get_object_or_404(Gateway, iata=iata.upper())
    members.check(request, gateway)
    return gateway


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _ctx(gateway: Gateway, **extra: Any) -> dict[str, Any]:
    return {"gateway": gateway, "outcomes": Status.choices[1:], "reasons": HoldReason.choices,
            **extra}  # fmt: skip


def _taxes(gateway: Gateway) -> dict[str, Any]:
    """The destination's duties and taxes (code, label) and currency, for the optional
    assessment fields of the scan and decision forms."""
    market = markets.get(gateway.country)
    return {
        "taxes": list(duties.tax_labels(gateway.country).items()),
        "currency": market.currency if market is not None else "",
    }


def _assessed(request: HttpRequest) -> dict[str, str]:
    """The assessment fields filled in (assessed_<tax>), by tax."""
    return {
        name.removeprefix("assessed_"): value
        for name, value in request.POST.items()
        if name.startswith("assessed_") and name != "assessed_currency" and value.strip()
    }


@login_required
def index(request: HttpRequest) -> HttpResponse:
    own = members.gateway_of(request.user)
    if own is not None:
        return redirect("clearance:desk", iata=own.iata)
    if not members.desk_user(request.user):
        raise PermissionDenied("customs desk only")
    return render(
        request, "clearance/index.html", {"gateways": Gateway.objects.filter(is_active=True)}
    )


@login_required
def desk(request: HttpRequest, iata: str) -> HttpResponse:
    gateway = _gateway(request, iata)
    return render(
        request,
        "clearance/desk.html",
        _ctx(
            gateway,
            flights=queries.arrived_flights(gateway),
            answers=queries.answered_requests(gateway),
            scans=request.session.get(f"clearance_scans_{gateway.iata}", []),
            **_taxes(gateway),
        ),
    )


@login_required
@require_POST
def present(request: HttpRequest, iata: str, flight: int) -> HttpResponse:
    gateway = _gateway(request, iata)
    flight_row = get_object_or_404(Flight, pk=flight, destination=gateway.iata)
    try:
        manifest = services.present_manifest(flight_row, gateway, request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("clearance:desk", iata=gateway.iata)
    messages.success(
        request,
        _("Manifest of %(f)s presented: %(n)d parcels.")
        % {"f": flight_row.number, "n": manifest.parcel_count},
    )
    return redirect("clearance:manifest", iata=gateway.iata, pk=manifest.pk)


@login_required
@require_POST
def scan(request: HttpRequest, iata: str) -> HttpResponse:
    """One decision by scanning the parcel's S10: the outcome and reason stay chosen between
    scans, so an officer clears a run of parcels by scanning them one after another."""
    gateway = _gateway(request, iata)
    code = request.POST.get("scan", "").strip()
    outcome = request.POST.get("outcome", o.CLEARED)
    reason = request.POST.get("reason", "") if outcome == o.HELD else ""
    assessed = _assessed(request)
    try:
        result = services.decide(
            code, outcome, reason, note=request.POST.get("note", ""), actor=request.user,
            gateway=gateway, assessed=assessed,
            assessed_currency=request.POST.get("assessed_currency", ""),
        )  # fmt: skip
    except ValidationError as exc:
        entry = {"ok": False, "code": code[:20], "message": _errors(exc)}
    else:
        label = str(Status(outcome).label)
        if reason:
            label = f"{label} · {HoldReason(reason).label}"
        if result.assessed:
            label = _("%(d)s · duties assessed") % {"d": label}
        entry = {
            "ok": True,
            "code": code.upper().replace(" ", ""),
            "message": label
            if result.applied or result.assessed
            else _("Already %(s)s.") % {"s": label.lower()},
            "warn": not (result.applied or result.assessed),
        }
    zone = zoneinfo.ZoneInfo(gateway.timezone)
    entry["at"] = timezone.localtime(timezone.now(), zone).strftime("%H:%M:%S")
    key = f"clearance_scans_{gateway.iata}"
    recent = [entry, *request.session.get(key, [])][:RECENT]
    request.session[key] = recent
    status = 200 if entry["ok"] else 422
    if request.htmx:
        return render(request, "clearance/_scan.html", {"scan": entry}, status=status)
    return redirect("clearance:desk", iata=gateway.iata)


@login_required
def manifest(request: HttpRequest, iata: str, pk: int) -> HttpResponse:
    gateway = _gateway(request, iata)
    row = get_object_or_404(Manifest.objects.select_related("flight"), pk=pk, gateway=gateway)
    status = request.GET.get("status", "")
    page = Paginator(queries.cases(row, status), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "clearance/manifest.html",
        _ctx(gateway, manifest=row, page=page, status=status,
             counts=queries.status_counts(row), statuses=Status.choices),
    )  # fmt: skip


@login_required
def case(request: HttpRequest, iata: str, s10: str) -> HttpResponse:
    gateway = _gateway(request, iata)
    row = get_object_or_404(
        Case.objects.select_related("parcel", "manifest__flight"), parcel__s10=s10.upper(),
        gateway=gateway,
    )  # fmt: skip
    if request.method == "POST":
        try:
            services.decide(
                row.parcel, request.POST.get("outcome", ""), request.POST.get("reason", ""),
                note=request.POST.get("note", ""), actor=request.user, gateway=gateway,
                assessed=_assessed(request),
                assessed_currency=request.POST.get("assessed_currency", ""),
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Decision recorded."))
        return redirect("clearance:case", iata=gateway.iata, s10=row.parcel.s10)
    taxes = _taxes(gateway)
    return render(
        request,
        "clearance/case.html",
        _ctx(gateway, case=row, decisions=row.decisions.select_related("actor"),
             requests=row.requests.all(), **taxes,
             assessment=_assessment_of(row, dict(taxes["taxes"]))),
    )  # fmt: skip


def _assessment_of(row: Case, labels: dict[str, str]) -> dict[str, Any] | None:
    """The parcel's duty assessment, if customs' figures were recorded, with a row per tax
    (label, assessed, collected: Decimals, so the page writes them in its locale)."""
    found = DutyAssessment.objects.filter(parcel_id=row.parcel_id).first()
    if found is None:
        return None

    def amount(values: dict[str, str], code: str) -> Decimal | None:
        return Decimal(values[code]) if code in values else None

    codes = list(dict.fromkeys([*found.amounts, *found.collected]))
    rows = [(labels.get(c, c), amount(found.amounts, c), amount(found.collected, c)) for c in codes]
    return {"row": found, "taxes": rows}


@login_required
def upload(request: HttpRequest, iata: str) -> HttpResponse:
    gateway = _gateway(request, iata)
    form = DecisionsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = launch.start(
            request.user, job_kinds.DECISIONS_CSV, {"gateway": gateway.iata},
            upload=form.cleaned_data["file"],
        )  # fmt: skip
        return redirect("jobs:detail", pk=job.pk)
    recent = Job.objects.filter(owner=request.user, kind=job_kinds.DECISIONS_CSV).order_by("-pk")[
        :10
    ]
    return render(
        request, "clearance/upload.html", _ctx(gateway, form=form, recent=recent),
        status=422 if request.method == "POST" else 200,
    )  # fmt: skip


SERIES = (
    (o.CLEARED, "cleared"),
    (o.RELEASED, "released"),
    (o.HELD, "held_total"),
    (o.RETURNED, "returned"),
    (o.SEIZED, "seized"),
    (o.DISPOSED, "disposed"),
)


@login_required
def dashboard(request: HttpRequest, iata: str) -> HttpResponse:
    gateway = _gateway(request, iata)
    try:
        span = min(max(int(request.GET.get("days", 14)), 1), 92)
    except ValueError:
        span = 14
    today = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(gateway.timezone)).date()
    start = today - dt.timedelta(days=span - 1)
    days = queries.daily(gateway, start, today)
    duties = queries.duty_figures(gateway, start, today)
    labels = [d.day.strftime("%d/%m") for d in days]
    labelled = dict(Status.choices)
    decisions = charts.stacked(
        labels,
        [(str(labelled[s]), [getattr(d, attr) for d in days]) for s, attr in SERIES],
    )
    for rect in decisions.rects:  # the series' code, for its colour
        rect.series = next(s for s, _a in SERIES if str(labelled[s]) == rect.series)
    hours = charts.stacked(labels, [(_("hours"), [d.avg_hours or 0 for d in days])], " h")
    for rect in hours.rects:
        rect.series = "hours"
    return render(
        request,
        "clearance/dashboard.html",
        _ctx(gateway, days=days, span=span, decisions=decisions, hours=hours,
             legend=[(s, labelled[s]) for s, _a in SERIES], duties=duties,
             reason_labels=HoldReason.choices),
    )  # fmt: skip


# --- the buyer's side: answering a customs request from the order page ---------------------


@login_required
@require_POST
def answer(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    order = get_object_or_404(Order, number=number, buyer=request.user)
    found = services.request_of(order, pk)
    if found is None:
        raise PermissionDenied("not your request")
    try:
        services.answer_request(
            found, text=request.POST.get("text", ""),
            id_number=request.POST.get("id_number", ""), value=request.POST.get("value", ""),
            currency=order.currency, document=request.FILES.get("document"),
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Thank you: customs will see your answer."))
    # Back to the request answered: the panel lists every open one, maybe many.
    return redirect(reverse("orders:detail", args=[order.number]) + f"#request-{pk}")
