"""What a flight carries: the ULDs loaded on it, with positions, weights and volumes, and
beside them what the committed flight plan puts on it. The rows are the API's own shapes
(fulfillment.schemas)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Count, Q, Sum

from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.schemas import LoadSheetRow, PlannedBags, PlannedRow
from caravana.fulfillment.services.load_plans import FlightLoadPlan, flight_load_plan
from caravana.network.models import Flight, building_hubs


def _no_bags() -> PlannedBags:
    return PlannedBags(count=0, weight_kg=Decimal(0), volume_m3=Decimal(0), built=0, loaded=0)


@dataclass(frozen=True)
class FlightWaybills:
    """The air waybills a flight carries, as the load sheet and handover show them: the master
    numbers (printed form, with their version), the house numbers per ULD and for loose bags,
    and links to the documents (label, URL). `problem`: why the flight has no waybills when
    it cannot have any yet (no airline known for it), shown instead of the numbers."""

    masters: list[tuple[str, int]]
    hawbs_by_uld: dict[str, list[str]]
    loose_hawbs: list[str]
    links: list[tuple[str, str]]
    problem: str = ""


#: Set by the waybills app when it is installed (its apps.py): the flight's waybills, or None.
waybill_source: Callable[[Flight], FlightWaybills | None] | None = None


@dataclass
class LoadSheet:
    flight: Flight
    rows: list[LoadSheetRow] = field(default_factory=list)
    planned: list[PlannedRow] = field(default_factory=list)
    planned_bags: PlannedBags = field(default_factory=_no_bags)
    waybills: FlightWaybills | None = None
    plan: FlightLoadPlan | None = None  # the load plan, when asked for and the type has data

    @cached_property
    def _hubs(self) -> dict[str, int]:
        return building_hubs()

    @cached_property
    def many_hubs(self) -> bool:
        """Whether more than one hub builds for the flight's airport (a feeder's and its own),
        or its planned ULDs or load plan's rows come from more than one: the sheet and its load
        plan then say at which hub each row is."""
        rows = {r.hub for r in self.planned} | {
            r.hub for r in (self.plan.rows if self.plan else [])
        }
        return self._hubs.get(self.flight.origin, 1) > 1 or len(rows) > 1

    @property
    def room_m3(self) -> Decimal:
        """The flight's room for parcels, as the planner books it (`Flight.parcel_room_m3`)."""
        return self.flight.parcel_room_m3(self._hubs)

    @property
    def planned_gross_kg(self) -> Decimal:
        return sum((r.gross_kg for r in self.planned), self.planned_bags.weight_kg)

    @property
    def planned_volume_m3(self) -> Decimal:
        return sum((r.volume_m3 for r in self.planned), self.planned_bags.volume_m3)

    @property
    def planned_loaded(self) -> int:
        return sum(1 for r in self.planned if r.status == "loaded")

    @property
    def gross_kg(self) -> Decimal:
        return sum((r.gross_kg for r in self.rows), Decimal(0))

    @property
    def volume_m3(self) -> Decimal:
        return sum((r.volume_m3 for r in self.rows), Decimal(0))

    @property
    def parcels(self) -> int:
        return sum(r.parcels for r in self.rows)

    @property
    def dg_ulds(self) -> int:
        return sum(1 for r in self.rows if r.dg_bags)

    @property
    def payload_used(self) -> Decimal:
        """Fraction of the aircraft's payload taken (0–1)."""
        return self.gross_kg / self.flight.aircraft_type.max_payload_kg

    @property
    def volume_used(self) -> Decimal:
        return self.volume_m3 / self.flight.aircraft_type.volume_m3


def load_sheet(flight: Flight, *, with_plan: bool = False) -> LoadSheet:
    """ULDs on a flight with positions, weights and volumes, and beside them what the committed
        flight plan puts on it (ULDs one by one, bags in one line), with the air waybills numbers
    when the waybills app is installed: a bounded number of queries whatever the size.
    `with_plan`: also the load plan (positions and CG), which solves a model (seconds)."""
    ulds = (
        Uld.objects.filter(flight=flight)
        .select_related("uld_type")
        .annotate(n_parcels=Sum("bags__parcel_count"))
        .order_by("position", "identifier")
    )
    sheet = LoadSheet(flight=flight)
    if with_plan:
        sheet.plan = flight_load_plan(flight)
    sheet.waybills = waybill_source(flight) if waybill_source is not None else None
    hawbs = sheet.waybills.hawbs_by_uld if sheet.waybills else {}
    for u in ulds:
        weight = Decimal(u.weight_g) / 1000
        sheet.rows.append(
            LoadSheetRow(
                identifier=u.identifier,
                uld_type=u.uld_type.code,
                position=u.position,
                bags=u.bag_count,
                parcels=u.n_parcels or 0,
                dg_bags=u.dg_bag_count,
                weight_kg=weight,
                gross_kg=weight + u.uld_type.tare_kg,
                volume_m3=(Decimal(u.volume_cm3) / 1_000_000).quantize(Decimal("0.001")),
                hawbs=hawbs.get(u.identifier, []),
            )
        )
    planned = (
        Uld.objects.filter(planned_flight=flight)
        .select_related("uld_type", "flight", "hub")
        .annotate(n_parcels=Sum("bags__parcel_count"))
        .order_by("identifier", "pk")
    )
    for u in planned:
        if u.flight_id == flight.pk:
            status = "loaded"
        elif u.flight_id is not None:
            status = "elsewhere"
        else:
            status = "hub"
        sheet.planned.append(
            PlannedRow(
                identifier=u.identifier,
                uld_type=u.uld_type.code,
                bags=u.bag_count,
                parcels=u.n_parcels or 0,
                dg_bags=u.dg_bag_count,
                gross_kg=Decimal(u.weight_g) / 1000 + u.uld_type.tare_kg,
                volume_m3=(Decimal(u.volume_cm3) / 1_000_000).quantize(Decimal("0.001")),
                status=status,
                position=u.position if status == "loaded" else "",
                loaded_on=u.flight.number if status == "elsewhere" and u.flight else "",
                hawbs=hawbs.get(u.identifier, []) if status != "elsewhere" else [],
                hub=u.hub.code,
            )
        )
    bags = (
        Bag.objects.filter(planned_flight=flight)
        .exclude(uld__planned_flight=flight)
        .aggregate(
            n=Count("pk"),
            g=Sum("weight_g"),
            cm3=Sum("volume_cm3"),
            built=Count("pk", filter=Q(uld__isnull=False)),
            loaded=Count("pk", filter=Q(uld__flight=flight)),
        )
    )
    sheet.planned_bags = PlannedBags(
        count=bags["n"],
        weight_kg=Decimal(bags["g"] or 0) / 1000,
        volume_m3=(Decimal(bags["cm3"] or 0) / 1_000_000).quantize(Decimal("0.001")),
        built=bags["built"],
        loaded=bags["loaded"],
    )
    return sheet
