"""The documents of a flight's air waybills, for planners, operators and the staff of the hub
the flight leaves from (queries.may_open): a page listing masters, houses and versions, the
MAWB/HAWB and manifest PDFs and the ONE Record JSON-LD; and the operators' list of waybills."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.members import can_plan, is_operator
from caravana.access.pages import operator_required
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.codes import awb
from caravana.network.models import Flight
from caravana.waybills import documents, onerecord, queries, services
from caravana.waybills.models import HouseWaybill, MasterWaybill


def _flight_for(request: HttpRequest, flight: Flight) -> None:
    """403 for a signed-in user who may not open this flight's documents."""
    if not queries.may_open(request.user, flight):
        raise PermissionDenied("planners, operators and the staff of the flight's hub only")


def _signed_in(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _version_number(request: HttpRequest) -> int | None:
    raw = request.GET.get("version", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("version is a number")
    return int(raw)


def _master(request: HttpRequest, number: str) -> MasterWaybill:
    master = get_object_or_404(
        MasterWaybill.objects.select_related("flight"), number=awb.compact(number)
    )
    _flight_for(request, master.flight)
    return master


def _pdf(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


def flight(request: HttpRequest, pk: int) -> HttpResponse:
    """A flight's masters with their houses and versions, and links to every document."""
    if (login := _signed_in(request)) is not None:
        return login
    f = get_object_or_404(Flight.objects.select_related("aircraft_type"), pk=pk)
    _flight_for(request, f)
    masters = queries.masters_of(f)
    houses = HouseWaybill.objects.filter(master__in=masters).order_by("number")
    for m in masters:
        m.house_list = [h for h in houses if h.master_id == m.pk]
    airline = queries.airline_of(f)
    return render(
        request,
        "waybills/flight.html",
        {
            "flight": f,
            "masters": masters,
            "no_airline": queries.no_airline_text(f) if airline is None else "",
            "designator": queries.designator_of(f),
            "is_operator": is_operator(request.user),
            # Planners and operators open any parcel's CN 23 (hub staff have the hub's pages).
            "can_cn23": can_plan(request.user),
            # Planners and operators may (re)build a scheduled flight's waybills by hand.
            "can_build": (can_plan(request.user) or is_operator(request.user))
            and f.state == Flight.State.SCHEDULED,
        },
    )


@require_POST
def build(request: HttpRequest, pk: int) -> HttpResponse:
    """Build or amend a scheduled flight's waybills now (planners and operators), e.g. once
    its airline is recorded; the outcome or the refusal comes back as a message."""
    if (login := _signed_in(request)) is not None:
        return login
    if not (can_plan(request.user) or is_operator(request.user)):
        raise PermissionDenied("planners and operators only")
    f = get_object_or_404(Flight, pk=pk)
    if f.state != Flight.State.SCHEDULED:
        messages.error(request, _("Only a scheduled flight's waybills are built here."))
        return redirect("waybills:flight", pk=f.pk)
    try:
        built = services.build_on_request(f, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if built.amended or built.voided:
            numbers = ", ".join(awb.format(n) for n in built.amended + built.voided)
            messages.success(request, _("The air waybills are built: %(n)s.") % {"n": numbers})
        else:
            messages.info(request, _("Nothing to change: the air waybills match the cargo."))
    return redirect("waybills:flight", pk=f.pk)


def mawb_pdf(request: HttpRequest, number: str) -> HttpResponse:
    if (login := _signed_in(request)) is not None:
        return login
    master = _master(request, number)
    v = queries.version_of(master, _version_number(request))
    body = documents.waybill_pdf({**v.content, "version": v.number})
    return _pdf(body, f"MAWB-{master.number}-v{v.number}")


def hawb_pdf(request: HttpRequest, number: str) -> HttpResponse:
    if (login := _signed_in(request)) is not None:
        return login
    house = get_object_or_404(HouseWaybill.objects.select_related("master"), number=number)
    master = _master(request, house.master.number)
    v = queries.version_of(master, _version_number(request))
    queries.house_in(v.content, house.number)
    body = documents.waybill_pdf({**v.content, "version": v.number}, house.number)
    return _pdf(body, f"HAWB-{house.number}-v{v.number}")


def manifest_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    if (login := _signed_in(request)) is not None:
        return login
    f = get_object_or_404(Flight, pk=pk)
    _flight_for(request, f)
    versions = [
        {**m.current.content, "version": m.version}
        for m in queries.masters_of(f, content=True)
        if m.current is not None and not m.is_void
    ]
    return _pdf(documents.manifest_pdf(versions), f"manifest-{f.number}-{f.date}")


def onerecord_json(request: HttpRequest, number: str) -> HttpResponse:
    """The master and everything under it as ONE Record JSON-LD."""
    if (login := _signed_in(request)) is not None:
        return login
    master = _master(request, number)
    v = queries.version_of(master, _version_number(request))
    response = HttpResponse(
        onerecord.dumps({**v.content, "version": v.number}),
        content_type="application/ld+json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="MAWB-{master.number}-v{v.number}.jsonld"'
    return response


@operator_required
def operations_list(request: HttpRequest) -> HttpResponse:
    """Every master air waybill, newest first, with its flight, gateway and version."""
    rows = MasterWaybill.objects.select_related("flight", "gateway", "airline").order_by(
        "-created_at", "-id"
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "waybills/operations.html",
        {"page": page, "without_airline": queries.flights_without_airline()},
    )
