"""Hub pages, built for a barcode scanner: one input that keeps focus, one submit per scan,
a coloured answer and a beep, the last scans listed. Every write goes through services; hub
staff only ever see their own hub's parcels, bags and ULDs."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.objects import owned_or_404
from caravana.access.pages import hub_required
from caravana.admin_lists.counts import EstimatedCountPaginator
from caravana.codes import bag as bag_codes
from caravana.codes import s10 as s10_codes
from caravana.codes import uld as uld_codes
from caravana.fulfillment import labels, queries
from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.services import hub_steps, load_sheets, loading
from caravana.network.models import Flight
from caravana.network.services import airports

RECENT = 20
_DIMS = re.compile(r"^(\d+)[x×*](\d+)[x×*](\d+)$", re.IGNORECASE)


@dataclass
class Scan:
    ok: bool
    code: str
    message: str
    warn: bool = False
    at: str = ""


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(str(m) for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _answer(request: HttpRequest, key: str, scan: Scan, template: str, ctx: dict) -> HttpResponse:
    """Record the scan in the session's recent list and answer: a fragment for htmx, the whole
    page otherwise. Errors answer 422 so a client without JavaScript still knows."""
    scan.at = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(request.hub.timezone)).strftime(
        "%H:%M:%S"
    )
    recent = request.session.get(key, [])
    recent.insert(0, scan.__dict__)
    request.session[key] = recent[:RECENT]
    status = 200 if scan.ok else 422
    if request.htmx:
        return render(request, "fulfillment/hub/_scan.html", {"scan": scan, **ctx}, status=status)
    return render(
        request, template, {"scans": request.session[key], "last": scan, **ctx}, status=status
    )


def _measures(request: HttpRequest, tokens: list[str]) -> tuple[str, ...]:
    """Weight and size from the scan (a scale-and-dimensioner appends ``1250 30x20x10``) or,
    failing that, from the page's weight and size fields."""
    weight, dims = "", ("", "", "")
    rest = tokens[1:]
    if rest:
        weight = rest[0]
        if len(rest) == 2 and _DIMS.match(rest[1]):
            dims = _DIMS.match(rest[1]).groups()
        elif len(rest) == 4:
            dims = tuple(rest[1:4])
    else:
        weight = request.POST.get("weight_g", "")
        dims = tuple(request.POST.get(f"{d}_cm", "") for d in ("length", "width", "height"))
    return (weight, *dims)


@hub_required
def receive(request: HttpRequest) -> HttpResponse:
    """Receive and bag: a parcel scan weighs it in and says which bag it goes into; a bag scan
    closes that bag."""
    ctx = {"hub": request.hub}
    if request.method != "POST":
        return render(
            request,
            "fulfillment/hub/receive.html",
            {"scans": request.session.get("scans_receive", []), **ctx},
        )
    tokens = request.POST.get("scan", "").split()
    code = tokens[0] if tokens else ""
    compact = bag_codes.compact(code)
    if compact.startswith(bag_codes.PREFIX) and len(compact) == 15:
        try:
            bag = hub_steps.close_bag(request.user, code)
        except ValidationError as exc:
            scan = Scan(False, compact, _error_text(exc))
        else:
            scan = Scan(
                True,
                bag.identifier,
                _("Bag %(b)s closed: %(n)d parcels, %(w).1f kg.")
                % {
                    "b": bag_codes.format(bag.identifier),
                    "n": bag.parcel_count,
                    "w": bag.weight_g / 1000,
                },
            )
        return _answer(request, "scans_receive", scan, "fulfillment/hub/receive.html", ctx)
    if not code:
        scan = Scan(False, "", _("Scan a parcel or a bag."))
        return _answer(request, "scans_receive", scan, "fulfillment/hub/receive.html", ctx)
    try:
        result = hub_steps.receive(request.user, code, *_measures(request, tokens))
    except ValidationError as exc:
        scan = Scan(False, s10_codes.compact(code), _error_text(exc))
        return _answer(request, "scans_receive", scan, "fulfillment/hub/receive.html", ctx)
    parcel = result.parcel
    try:
        bag = hub_steps.sort_into_bag(request.user, parcel.s10)
    except ValidationError as exc:
        scan = Scan(False, parcel.s10, _("Received, not bagged: %(e)s") % {"e": _error_text(exc)})
        return _answer(request, "scans_receive", scan, "fulfillment/hub/receive.html", ctx)
    message = _("%(sort)s → bag %(b)s (%(n)d parcels, %(w).1f kg)") % {
        "sort": parcel.sort_code,
        "b": bag_codes.format(bag.identifier),
        "n": bag.parcel_count,
        "w": bag.weight_g / 1000,
    }
    if result.discrepancy:
        message += " · " + _("Discrepancy: declared %(d)d g, measured %(m)d g.") % {
            "d": parcel.declared_weight_g,
            "m": parcel.measured_weight_g,
        }
    scan = Scan(True, parcel.s10, message, warn=result.discrepancy)
    return _answer(request, "scans_receive", scan, "fulfillment/hub/receive.html", ctx)


@hub_required
def bag_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    rows = (
        Bag.objects.filter(hub=request.hub, uld__isnull=True)
        .select_related("gateway", "service_level", "carrier", "planned_flight")
        .order_by("-created_at", "-id")
    )
    if state in Bag.State.values:
        rows = rows.filter(state=state)
    # ?flight=<id>: the loose bags the committed plan puts on one of this hub's flights
    planned_for = None
    flight_id = request.GET.get("flight", "")
    if flight_id.isdigit():
        planned_for = Flight.objects.filter(pk=flight_id, origin=request.hub.airport).first()
        rows = rows.filter(planned_flight=planned_for) if planned_for else rows.none()
    page = EstimatedCountPaginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "fulfillment/hub/bags.html",
        {"page": page, "state": state, "planned_for": planned_for},
    )


@hub_required
@require_POST
def bag_close(request: HttpRequest, identifier: str) -> HttpResponse:
    try:
        hub_steps.close_bag(request.user, identifier)
    except ValidationError as exc:
        from django.contrib import messages

        messages.error(request, _error_text(exc))
    return redirect("fulfillment:bags")


@hub_required
def bag_label(request: HttpRequest, identifier: str) -> HttpResponse:
    bag = owned_or_404(
        Bag.objects.select_related("hub", "gateway", "service_level", "carrier"),
        request.hub,
        identifier=identifier,
    )
    response = HttpResponse(labels.render_bag_label(bag), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{bag.identifier}.pdf"'
    return response


def _current_uld(request: HttpRequest) -> Uld | None:
    ident = request.session.get("uld_current")
    if not ident:
        return None
    return (
        Uld.objects.select_related("uld_type", "gateway")
        .filter(identifier=ident, hub=request.hub, flight__isnull=True)
        .first()
    )


@hub_required
def uld_build(request: HttpRequest) -> HttpResponse:
    """Scan a ULD tag to start (or resume) it, then scan closed bags to build them in."""
    ctx = {"hub": request.hub}
    if request.method == "POST":
        code = request.POST.get("scan", "").strip()
        compact = uld_codes.compact(code)
        try:
            if request.POST.get("action") == "close":
                uld = loading.close_uld(request.user, request.POST.get("uld", ""))
                request.session.pop("uld_current", None)
                scan = Scan(True, uld.identifier, _("ULD %(u)s closed.") % {"u": uld.identifier})
            elif uld_codes.is_valid(compact) and not compact.startswith(bag_codes.PREFIX):
                uld = loading.start_uld(request.user, compact)
                request.session["uld_current"] = uld.identifier
                scan = Scan(
                    True,
                    uld.identifier,
                    _("Building %(u)s (%(t)s): scan its bags.")
                    % {"u": uld.identifier, "t": uld.uld_type.code},
                )
            else:
                current = _current_uld(request)
                if current is None:
                    raise ValidationError({"uld": _("Scan the ULD tag first.")})
                uld = loading.build_uld(request.user, current.identifier, code)
                message = _("Bag on %(u)s: %(n)d bags, %(w).1f kg, %(v).2f m³%(dg)s") % {
                    "u": uld.identifier,
                    "n": uld.bag_count,
                    "w": float(uld.gross_kg),
                    "v": uld.volume_cm3 / 1_000_000,
                    "dg": f" · DG {uld.dg_bag_count}" if uld.dg_bag_count else "",
                }
                planned, mixed = _plan_note(uld, code)
                if planned is not None:
                    message += " · " + planned
                if mixed:
                    message += " · " + _("Bags on this ULD are planned for different flights.")
                scan = Scan(
                    True,
                    bag_codes.compact(code),
                    message,
                    warn=bool(uld.dg_bag_count) or mixed,
                )
        except ValidationError as exc:
            scan = Scan(False, compact, _error_text(exc))
        ctx["current"] = _current_uld(request)
        ctx["ulds"] = _open_ulds(request)
        return _answer(request, "scans_uld", scan, "fulfillment/hub/ulds.html", ctx)
    ctx.update(
        scans=request.session.get("scans_uld", []),
        current=_current_uld(request),
        ulds=_open_ulds(request),
    )
    return render(request, "fulfillment/hub/ulds.html", ctx)


def _plan_note(uld: Uld, bag_code: str) -> tuple[str | None, bool]:
    """Where the committed plan sends the bag just built in, as the scan message says it (a
    charter, or a passenger flight's belly), and whether other bags on the ULD are planned
    elsewhere (two queries)."""
    bag = (
        Bag.objects.select_related("planned_flight")
        .filter(identifier=bag_codes.compact(bag_code), uld=uld)
        .first()
    )
    if bag is None or (bag.planned_flight_id is None and not bag.planned_belly):
        return None, False
    mixed = (
        uld.bags.filter(Q(planned_flight__isnull=False) | ~Q(planned_belly=""))
        .exclude(planned_flight_id=bag.planned_flight_id, planned_belly=bag.planned_belly)
        .exists()
    )
    if bag.planned_flight_id is not None:
        return _("Planned for flight %(f)s") % {"f": bag.planned_flight.number}, mixed
    return _("Belly: %(f)s") % {"f": bag.planned_belly}, mixed


def _open_ulds(request: HttpRequest):
    rows = (
        Uld.objects.filter(hub=request.hub, flight__isnull=True)
        .select_related("uld_type", "gateway", "planned_flight")
        .order_by("-created_at", "-id")
    )
    return EstimatedCountPaginator(rows, 50).get_page(request.GET.get("page"))


def _local(when: dt.datetime | None, iata: str) -> str:
    if when is None:
        return "—"
    tz = airports().get(iata, {}).get("tz", "UTC")
    return timezone.localtime(when, zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


@hub_required
def flight_list(request: HttpRequest) -> HttpResponse:
    since = timezone.now() - dt.timedelta(days=2)
    rows = (
        Flight.objects.filter(origin=request.hub.airport, scheduled_departure__gte=since)
        .select_related("aircraft_type")
        .order_by("scheduled_departure", "number")
    )
    page = EstimatedCountPaginator(rows, 50).get_page(request.GET.get("page"))
    for f in page:
        f.local_departure = _local(f.scheduled_departure, f.origin)
        f.local_arrival = _local(f.scheduled_arrival, f.destination)
    return render(request, "fulfillment/hub/flights.html", {"page": page})


@hub_required
def flight_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Scan closed ULDs onto a flight from this hub's airport; the load sheet follows."""
    flight = owned_or_404(Flight.objects.select_related("aircraft_type"), request.hub, pk=pk)
    flight.local_departure = _local(flight.scheduled_departure, flight.origin)
    flight.local_arrival = _local(flight.scheduled_arrival, flight.destination)
    ctx = {"hub": request.hub, "flight": flight}
    if request.method == "POST":
        code = request.POST.get("scan", "").strip()
        try:
            uld = loading.load_uld_onto_flight(request.user, code, flight)
        except ValidationError as exc:
            scan = Scan(False, uld_codes.compact(code), _error_text(exc))
        else:
            scan = Scan(
                True,
                uld.identifier,
                _("%(u)s loaded at %(p)s.") % {"u": uld.identifier, "p": uld.position},
                warn=uld.dangerous_goods,
            )
        ctx["sheet"] = load_sheets.load_sheet(flight, with_plan=True)
        return _answer(request, f"scans_flight_{pk}", scan, "fulfillment/hub/flight.html", ctx)
    ctx.update(
        scans=request.session.get(f"scans_flight_{pk}", []),
        sheet=load_sheets.load_sheet(flight, with_plan=True),
    )
    return render(request, "fulfillment/hub/flight.html", ctx)


@hub_required
def parcel_list(request: HttpRequest) -> HttpResponse:
    """The hub's parcels, newest first, filterable by state."""
    context = queries.parcel_list(request.GET, hub=request.hub)
    return render(request, "fulfillment/hub/parcels.html", context)
