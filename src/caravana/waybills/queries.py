"""Reads of waybills for pages and documents: a flight's masters and their current versions,
who may open them, and what the hub's load sheet shows."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from caravana.access.members import can_plan, hub_of, is_operator
from caravana.codes import awb
from caravana.fulfillment.services.load_sheets import FlightWaybills
from caravana.network.models import Flight
from caravana.waybills.models import MasterWaybill, WaybillVersion


def may_open(user: Any, flight: Flight) -> bool:
    """Planners and operators open every flight's documents; hub staff those of the flights
    leaving their hub's airport (the same rule as the hub's handover page)."""
    if can_plan(user) or is_operator(user):
        return True
    hub = hub_of(user)
    return hub is not None and hub.airport == flight.origin


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
