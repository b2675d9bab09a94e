"""API shapes of the hub's load sheet. The rows are what services.load_sheets builds, so the
service and the API share one definition of each (the page reads the same objects)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class LoadSheetRow(Schema):
    """A ULD loaded on the flight, at its position."""

    identifier: str
    uld_type: str
    position: str
    bags: int
    parcels: int
    dg_bags: int
    weight_kg: Decimal
    gross_kg: Decimal
    volume_m3: Decimal
    hawbs: list[str] = []  # house air waybills with bags in it


class PlannedRow(Schema):
    """A ULD the committed flight plan puts on the flight, and where it is now."""

    identifier: str
    uld_type: str
    bags: int
    parcels: int
    dg_bags: int
    gross_kg: Decimal
    volume_m3: Decimal
    status: str  # "loaded" (on this flight), "elsewhere" (loaded on another), "hub" (not loaded)
    position: str  # where it is loaded, when "loaded"
    loaded_on: str  # the other flight's number when "elsewhere"
    hawbs: list[str] = []  # house air waybills with bags in it
    hub: str = Field(
        "", description="code of the hub that built the ULD (a feeder's fly from its airport)"
    )


class PlannedBags(Schema):
    """Bags planned onto the flight that are not in a ULD planned onto it: loose at the hub, or
    built since into a ULD (`built`), some of them already loaded onto this flight (`loaded`)."""

    count: int
    weight_kg: Decimal
    volume_m3: Decimal
    built: int
    loaded: int


class LoadSheetOut(Schema):
    flight: str
    date: dt.date
    origin: str
    destination: str
    aircraft: str
    rows: list[LoadSheetRow]
    gross_kg: Decimal
    volume_m3: Decimal
    parcels: int
    max_payload_kg: int
    volume_capacity_m3: Decimal  # the hold's
    parcel_room_m3: Decimal  # what the planner books it to (network/room.py)
    # what the committed flight plan puts on the flight: ULDs one by one, other bags in one line
    planned: list[PlannedRow]
    planned_bags: PlannedBags
    planned_gross_kg: Decimal
    planned_volume_m3: Decimal
