"""Reads of waybills for pages and documents: a flight's masters and their current versions,
who may open them, and what the hub's load sheet shows."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from caravana.access.members import can_plan, hub_of, is_operator
from caravana.codes import awb
from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.services.load_sheets import FlightWaybills
from caravana.network.models import Flight
from caravana.waybills.models import Airline, MasterWaybill, WaybillVersion


def may_open(user: Any, flight: Flight) -> bool:
    """Planners and operators open every flight's documents; hub staff those of the flights
    leaving their hub's airport (the same rule as the hub's handover page)."""
    if can_plan(user) or is_operator(user):
        return True
    hub = hub_of(user)
    return hub is not None and hub.airport == flight.origin


def designator_of(flight: Flight) -> str:
    """The IATA designator a flight number starts with (5Y8301 → 5Y): it names the airline
    whose AWB stock the flight's masters are drawn from."""
    return flight.number[:2].upper()


def airline_of(flight: Flight) -> Airline | None:
    """The airline operating `flight` as waybills know it, or None: then no master air waybill
    can be drawn for it (services.build_for_flights leaves it out)."""
    return Airline.objects.filter(designator=designator_of(flight)).first()


def no_airline_text(flight: Flight) -> str:
    """What the planner's, hub's and operator's pages say of a flight without an airline."""
    return _(
        "Flight %(f)s has no airline: no airline with the IATA designator %(d)s is recorded, "
        "so no master air waybill (MAWB) can be drawn for its cargo. An operator adds the "
        "airline and its AWB stock in the back office; then the waybills can be built."
    ) % {"f": flight.number, "d": designator_of(flight)}


def flights_without_airline(limit: int = 50) -> list[Flight]:
    """Scheduled flights with cargo planned onto them or loaded on them but no airline known,
    so no waybills (the operators' list of waybills shows them). Bounded: `limit` flights,
    soonest first, read from at most 20 times as many flights with cargo."""
    known = set(Airline.objects.values_list("designator", flat=True))
    with_cargo = (
        Flight.objects.filter(state=Flight.State.SCHEDULED)
        .filter(
            Q(pk__in=Bag.objects.filter(planned_flight__isnull=False).values("planned_flight"))
            | Q(pk__in=Uld.objects.filter(planned_flight__isnull=False).values("planned_flight"))
            | Q(pk__in=Uld.objects.filter(flight__isnull=False).values("flight"))
        )
        .order_by("scheduled_departure", "pk")
    )
    found = []
    for flight in with_cargo[: limit * 20]:
        if designator_of(flight) not in known:
            found.append(flight)
            if len(found) == limit:
                break
    return found


def masters_of(flight: Flight, content: bool = False) -> list[MasterWaybill]:
    """The flight's masters, each with its current version as `current` and every version as
    `history`, newest first (two queries; the contents only when asked)."""
    masters = list(
        MasterWaybill.objects.filter(flight=flight)
        .select_related("airline", "gateway")
        .order_by("gateway__iata")
    )
    versions = WaybillVersion.objects.filter(master__in=masters).order_by("-number")
    if content:
        versions = versions.filter(number=F("master__version"))
    else:
        versions = versions.defer("content")
    by_master: dict[int, list[WaybillVersion]] = {}
    for v in versions:
        by_master.setdefault(v.master_id, []).append(v)
    for m in masters:  # the page reads them as attributes of the master
        history = by_master.get(m.pk, [])
        m.history = history  # type: ignore[attr-defined]
        m.current = next((v for v in history if v.number == m.version), None)  # type: ignore[attr-defined]
    return masters


def version_of(master: MasterWaybill, number: int | None = None) -> WaybillVersion:
    """One version of a master (the current one by default), or 404."""
    version = master.versions.filter(number=number or master.version).first()
    if version is None:
        raise Http404("no such version")
    return version


def house_in(content: dict[str, Any], number: str) -> dict[str, Any]:
    """The house `number` as a version of its master recorded it, or 404."""
    for house in content["houses"]:
        if house["number"] == number:
            return house
    raise Http404("no such house waybill in this version")


def load_sheet_waybills(flight: Flight) -> FlightWaybills | None:
    """The load sheet's view of a flight's waybills: its live masters, house numbers per ULD
    and for loose bags, and links to the documents page and the manifest."""
    # Only the ULD rows and loose house numbers of each content: not its houses' bag lists,
    # thousands of identifiers on a full freighter, read again at every scan of the handover.
    current = list(
        WaybillVersion.objects.filter(
            master__flight=flight, master__is_void=False, number=F("master__version")
        )
        .order_by("master__gateway__iata")
        .values_list("master__number", "number", "content__ulds", "content__loose__hawbs")
    )
    if not current:
        if airline_of(flight) is None:  # say why there are none, and where to read more
            return FlightWaybills(
                masters=[], hawbs_by_uld={}, loose_hawbs=[],
                links=[(_("Air waybills"), reverse("waybills:flight", args=[flight.pk]))],
                problem=no_airline_text(flight),
            )  # fmt: skip
        return None
    by_uld: dict[str, list[str]] = {}
    loose: list[str] = []
    for _number, _version, ulds, loose_hawbs in current:
        for u in ulds:
            by_uld.setdefault(u["identifier"], []).extend(u["hawbs"])
        loose.extend(loose_hawbs)
    links = [
        (_("Air waybills"), reverse("waybills:flight", args=[flight.pk])),
        (_("Cargo manifest (PDF)"), reverse("waybills:manifest", args=[flight.pk])),
    ]
    return FlightWaybills(
        masters=[(awb.format(number), version) for number, version, _u, _l in current],
        hawbs_by_uld=by_uld,
        loose_hawbs=loose,
        links=links,
    )
