"""CN 23 PDFs on the merchant console (its own parcels) and the hub's pages (the hub's
parcels); anyone else's parcel answers 404, as one that does not exist. Planners and
operators open any parcel's by flight and S10 number (the waybills and customs pages)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from caravana.access.objects import owned_or_404
from caravana.access.pages import hub_required, merchant_required, planner_required
from caravana.customs import services
from caravana.fulfillment.models import Parcel
from caravana.network.models import Flight

_RELATED = ("merchant", "hub")


def _pdf(parcel: Parcel) -> HttpResponse:
    if not services.travels_as_postal_item(parcel):
        raise Http404("not a postal parcel")
    response = HttpResponse(services.cn23_pdf_for([parcel]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="CN23-{parcel.s10}.pdf"'
    return response


@merchant_required
def merchant_cn23(request: HttpRequest, s10: str) -> HttpResponse:
    rows = Parcel.objects.select_related(*_RELATED)
    return _pdf(owned_or_404(rows, request.merchant, s10=s10.upper()))


@hub_required
def hub_cn23(request: HttpRequest, s10: str) -> HttpResponse:
    rows = Parcel.objects.select_related(*_RELATED)
    return _pdf(owned_or_404(rows, request.hub, s10=s10.upper()))


def _flight_pk(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@planner_required  # planners and operators (access.members.can_plan)
def flight_cn23(request: HttpRequest) -> HttpResponse:
    """The CN 23 of one parcel of a flight, by its S10 number, for planners and operators (the
    flight's waybills page and the operators' customs page send here). A flight or S10 that
    does not match answers the form again with the field named, 422."""
    flight_pk = _flight_pk(request.GET.get("flight", "").strip())
    s10 = request.GET.get("s10", "").strip().replace(" ", "").upper()
    flight = Flight.objects.filter(pk=flight_pk).first() if flight_pk is not None else None
    errors: dict[str, str] = {}
    if flight is None:
        errors["flight"] = _("Flight: choose a flight from the list.")
    if not s10:
        errors["s10"] = _("S10 number: enter the parcel's S10 number, e.g. CV123456785CN.")
    if not errors:
        parcel = Parcel.objects.select_related(*_RELATED).filter(s10=s10).first()
        if parcel is None:
            errors["s10"] = _("S10 number: no parcel has the number %(s10)s.") % {"s10": s10}
        elif not services.flight_parcels(flight).filter(pk=parcel.pk).exists():
            errors["s10"] = _("S10 number: parcel %(s10)s is not on flight %(f)s.") % {
                "s10": s10,
                "f": flight.number,
            }
        elif not services.travels_as_postal_item(parcel):
            errors["s10"] = _(
                "S10 number: parcel %(s10)s is not a postal parcel, so it has no CN 23."
            ) % {"s10": s10}
        else:
            return _pdf(parcel)
    context = {"flight": flight, "s10": s10, "errors": errors, "flights": _flights(flight)}
    return render(request, "customs/cn23_lookup.html", context, status=422)


def _flights(chosen: Flight | None) -> list[tuple]:
    """The flights the form offers again: the chosen one, else the 200 departing last."""
    rows = Flight.objects.order_by("-scheduled_departure", "-pk")
    if chosen is not None:
        rows = rows.filter(pk=chosen.pk)
    fields = ("pk", "number", "origin", "destination", "scheduled_departure")
    return list(rows.values_list(*fields)[:200])
