"""Every write to waybills goes through here, inside a transaction: AWB stock ranges, drawing
AWB and house numbers, and building a flight's master and house waybills from what the
committed flight plan puts on it (planning.services.commit calls `build_for_flights`).

A rebuild that finds the same structure writes nothing; one that finds a different structure
adds a version to the master (WaybillVersion), keeping every earlier one; a gateway whose cargo
all left the flight has its master voided by a new version, never deleted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from caravana.codes import awb
from caravana.errors import field_error
from caravana.fulfillment.models import Bag, Parcel, Uld
from caravana.fulfillment.services.scanning import next_serial
from caravana.network.models import Flight, Gateway, Hub
from caravana.waybills.error_codes import WaybillErrorCode
from caravana.waybills.models import (
    Airline,
    AwbStock,
    HouseWaybill,
    MasterWaybill,
    WaybillVersion,
)
from caravana.waybills.structure import BagFact, UldFact, divide

#: House waybill numbers: our own series (the consolidator's, not an airline's stock).
HOUSE_PREFIX = "CRV"
HOUSE_SCOPE = "hawb"
#: Bag ids per query when reading parcels' batteries (SQLite caps bound parameters).
CHUNK = 2000


def check_range(
    airline: Airline, first_serial: int, last_serial: int, stock: AwbStock | None = None
) -> None:
    """Refuse, naming the field, a range of serials that is backwards, too long, overlaps
    another range of the airline or (for `stock`, a range already held) gives back serials
    already drawn. Writes nothing: the back-office form asks it before saving."""
    if not 0 <= first_serial <= 9_999_999:
        raise field_error(
            "first_serial",
            _("A serial has at most seven digits."),
            WaybillErrorCode.INVALID_STOCK,
        )
    if not first_serial <= last_serial <= 9_999_999:
        raise field_error(
            "last_serial",
            _("The last serial must be at least the first and at most seven digits."),
            WaybillErrorCode.INVALID_STOCK,
        )
    if stock is not None and last_serial < stock.next_serial - 1:
        raise field_error(
            "last_serial",
            _("Serials up to %(n)07d are already drawn: the last serial cannot be below it.")
            % {"n": stock.next_serial - 1},
            WaybillErrorCode.INVALID_STOCK,
        )
    others = AwbStock.objects.select_for_update().filter(
        airline=airline, first_serial__lte=last_serial, last_serial__gte=first_serial
    )
    if stock is not None:
        others = others.exclude(pk=stock.pk)
    overlap = others.first()
    if overlap is not None:
        raise field_error(
            "last_serial" if stock is not None else "first_serial",
            _("The range overlaps stock %(s)s already held.") % {"s": overlap},
            WaybillErrorCode.INVALID_STOCK,
        )


@transaction.atomic
def add_stock(airline: Airline, first_serial: int, last_serial: int) -> AwbStock:
    """Record a range of serials the airline allotted (seven digits each, check digit left out).
    A range that is backwards, too long or overlaps one already held is refused, naming the
    field, and nothing is written."""
    check_range(airline, first_serial, last_serial)
    return AwbStock.objects.create(
        airline=airline,
        first_serial=first_serial,
        last_serial=last_serial,
        next_serial=first_serial,
    )


@transaction.atomic
def move_last_serial(stock: AwbStock, last_serial: int) -> AwbStock:
    """Move the end of a range held (the airline allotted more, or took unused serials back).
    Its first serial never moves; serials already drawn are never given back."""
    stock = AwbStock.objects.select_for_update().select_related("airline").get(pk=stock.pk)
    check_range(stock.airline, stock.first_serial, last_serial, stock)
    AwbStock.objects.filter(pk=stock.pk).update(last_serial=last_serial)
    stock.last_serial = last_serial
    return stock


def draw_number(airline: Airline) -> str:
    """The next AWB number (11 digits, check digit = serial mod 7) from the airline's oldest
    range with serials left. Must run inside the caller's transaction: the range stays locked
    until it commits, so two commits never draw the same number. When every range is used up
    the error names the airline's stock."""
    stock = (
        AwbStock.objects.select_for_update()
        .filter(airline=airline, next_serial__lte=F("last_serial"))
        .order_by("first_serial")
        .first()
    )
    if stock is None:
        raise field_error(
            "awb_stock",
            _(
                "The AWB stock of %(airline)s (prefix %(prefix)s) is used up: add a range of "
                "serials the airline has allotted."
            )
            % {"airline": airline.name, "prefix": airline.prefix},
            WaybillErrorCode.STOCK_EXHAUSTED,
        )
    serial = stock.next_serial
    AwbStock.objects.filter(pk=stock.pk).update(next_serial=serial + 1)
    return awb.build(airline.prefix, serial)


def draw_house_number() -> str:
    """The next house waybill number of our series (inside the caller's transaction)."""
    return f"{HOUSE_PREFIX}{next_serial(HOUSE_SCOPE):09d}"


@dataclass
class Built:
    """What `build_for_flights` did, per flight: masters given a new version, masters voided,
    and flights left without waybills because no airline is known for them."""

    amended: list[str] = field(default_factory=list)
    voided: list[str] = field(default_factory=list)
    unchanged: int = 0
    no_airline: list[str] = field(default_factory=list)


def _facts(flight: Flight) -> tuple[dict[int, list[BagFact]], dict[int, list[UldFact]]]:
    """The bags and ULDs on `flight` (planned onto it, or loaded on it), by gateway id."""
    bag_rows = list(
        Bag.objects.filter(Q(planned_flight=flight) | Q(uld__flight=flight))
        .exclude(Q(uld__flight__isnull=False) & ~Q(uld__flight=flight))
        .order_by("pk")
        .values_list(
            "pk",
            "identifier",
            "gateway_id",
            "service_level__code",
            "carrier__code",
            "carrier__name",
            "carrier__country",
            "parcel_count",
            "weight_g",
            "volume_cm3",
            "dangerous_goods",
            "uld__identifier",
        )
    )
    batteries: dict[int, set[str]] = {}
    dg = [row[0] for row in bag_rows if row[10]]
    for start in range(0, len(dg), CHUNK):
        for bag_id, battery in (
            Parcel.objects.filter(bag_id__in=dg[start : start + CHUNK])
            .exclude(battery="none")
            .values_list("bag_id", "battery")
            .distinct()
        ):
            batteries.setdefault(bag_id, set()).add(battery)
    bags: dict[int, list[BagFact]] = {}
    for pk, ident, gw, level, code, name, country, n, g, cm3, is_dg, uld in bag_rows:
        bags.setdefault(gw, []).append(
            BagFact(
                identifier=ident,
                service_level=level,
                carrier=code,
                carrier_name=name,
                carrier_country=country,
                parcels=n,
                weight_g=g,
                volume_cm3=cm3,
                dangerous_goods=is_dg,
                uld=uld,
                batteries=tuple(sorted(batteries.get(pk, ()))),
            )
        )
    ulds: dict[int, list[UldFact]] = {}
    for ident, gw, code, tare, position, on in (
        Uld.objects.filter(Q(planned_flight=flight, flight__isnull=True) | Q(flight=flight))
        .filter(gateway__isnull=False)
        .values_list(
            "identifier",
            "gateway_id",
            "uld_type__code",
            "uld_type__tare_kg",
            "position",
            "flight_id",
        )
    ):
        ulds.setdefault(gw, []).append(
            UldFact(ident, code, tare, position if on == flight.pk else "", on == flight.pk)
        )
    return bags, ulds


def _flight_dict(flight: Flight) -> dict[str, Any]:
    return {
        "id": flight.pk,
        "number": flight.number,
        "date": flight.date.isoformat(),
        "origin": flight.origin,
        "destination": flight.destination,
        "departs": flight.scheduled_departure.isoformat(),
        "arrives": flight.scheduled_arrival.isoformat(),
        "aircraft": flight.aircraft_type.name,
        "carrier": flight.carrier,
    }


def _with_hawbs(row: dict[str, Any], numbers: dict[str, str]) -> dict[str, Any]:
    """A ULD or loose-bags row with its consignment keys turned into house numbers."""
    out = {k: v for k, v in row.items() if k != "keys"}
    out["hawbs"] = [numbers[k] for k in row["keys"]]
    return out


def _content(
    flight: Flight,
    gateway: Gateway,
    airline: Airline,
    mawb: str,
    bags: list[BagFact],
    ulds: list[UldFact],
    numbers: dict[str, str],
    shipper: dict[str, str],
) -> dict[str, Any]:
    s = divide(bags, ulds)
    return {
        "mawb": mawb,
        "void": not bags,
        "airline": {
            "name": airline.name,
            "prefix": airline.prefix,
            "designator": airline.designator,
        },
        "flight": _flight_dict(flight),
        "gateway": {"iata": gateway.iata, "city": gateway.city, "country": gateway.country},
        "shipper": shipper,
        "consignee": {
            "name": f"Caravana {gateway.city}",
            "city": gateway.city,
            "country": gateway.country,
        },
        "houses": [
            {
                "number": numbers[h.key],
                "key": h.key,
                "service_level": h.service_level,
                "carrier": h.carrier,
                "carrier_name": h.carrier_name,
                "carrier_country": h.carrier_country,
                **h.totals.as_dict(),
                "bags": h.bags,
                "ulds": h.ulds,
                "batteries": sorted(h.batteries),
            }
            for h in s.houses
        ],
        "ulds": [_with_hawbs(u, numbers) for u in s.ulds],
        "loose": _with_hawbs(s.loose, numbers),
        "totals": s.totals.as_dict(),
        # Top level, not in the ULD rows: the load sheet reads content__ulds at every scan.
        "uld_bags": s.uld_bags,
    }


def _same(current: dict[str, Any] | None, content: dict[str, Any]) -> bool:
    """Whether `content` adds nothing to the current version. A version written before
    `uld_bags` was recorded counts as the same when all else is: the upgrade alone adds no
    version to every open master (the ONE Record export reads such a version's bag-to-ULD
    links from the bags themselves)."""
    if current is None:
        return False
    if "uld_bags" not in current:
        content = {k: v for k, v in content.items() if k != "uld_bags"}
    return current == content


@dataclass
class _Known:
    """What a build reads once for all its flights rather than once per flight or gateway:
    airlines by designator, the hub of each origin airport, gateways, the flights' masters
    (locked) with their houses and current versions."""

    airlines: dict[str, Airline]
    hubs: dict[str, dict[str, str]]
    gateways: dict[int, Gateway]
    masters: dict[tuple[int, int], MasterWaybill]
    houses: dict[int, dict[str, HouseWaybill]]
    current: dict[int, dict[str, Any]]


def _known(flights: list[Flight]) -> _Known:
    masters = {
        (m.flight_id, m.gateway_id): m
        for m in MasterWaybill.objects.select_for_update().filter(flight__in=flights)
    }
    houses: dict[int, dict[str, HouseWaybill]] = {}
    for h in HouseWaybill.objects.filter(master__in=masters.values()):
        houses.setdefault(h.master_id, {})[h.key] = h
    current = dict(
        WaybillVersion.objects.filter(
            master__in=masters.values(), number=F("master__version")
        ).values_list("master_id", "content")
    )
    # The hub feeding a flight's origin airport is the consolidator, shipper on the master.
    hubs: dict[str, dict[str, str]] = {}
    for hub in Hub.objects.filter(airport__in={f.origin for f in flights}).order_by("-code"):
        hubs[hub.airport] = _hub_dict(hub)  # the lowest code wins
    return _Known(
        airlines={
            a.designator: a
            for a in Airline.objects.filter(designator__in={f.number[:2].upper() for f in flights})
        },
        hubs=hubs,
        gateways=Gateway.objects.in_bulk(),
        masters=masters,
        houses=houses,
        current=current,
    )


def _build_gateway(
    flight: Flight,
    gateway: Gateway,
    airline: Airline,
    bags: list[BagFact],
    ulds: list[UldFact],
    known: _Known,
    user: Any,
    reason: str,
    built: Built,
) -> None:
    master = known.masters.get((flight.pk, gateway.pk))
    if master is None:
        if not bags:
            return
        master = MasterWaybill.objects.create(
            number=draw_number(airline), airline=airline, flight=flight, gateway=gateway, version=0
        )
    houses = known.houses.get(master.pk, {})
    wanted = {f"{b.service_level}/{b.carrier}" for b in bags}
    numbers: dict[str, str] = {}
    for key in sorted(wanted):
        house = houses.get(key)
        if house is None:
            house = HouseWaybill.objects.create(number=draw_house_number(), master=master, key=key)
        elif house.is_void:
            HouseWaybill.objects.filter(pk=house.pk).update(is_void=False)
        numbers[key] = house.number
    for key, house in houses.items():
        if key not in wanted and not house.is_void:
            HouseWaybill.objects.filter(pk=house.pk).update(is_void=True)
    hub = known.hubs.get(flight.origin) or _no_hub(flight)
    shipper = {
        "name": f"Caravana {hub['name']}",
        "city": hub["city"],
        "country": hub["country"],
        "code": hub["code"],
    }
    content = _content(flight, gateway, airline, master.number, bags, ulds, numbers, shipper)
    if _same(known.current.get(master.pk), content):
        built.unchanged += 1
        return
    number = master.version + 1
    WaybillVersion.objects.create(
        master=master, number=number, content=content, reason=reason[:120], created_by=user
    )
    MasterWaybill.objects.filter(pk=master.pk).update(version=number, is_void=not bags)
    (built.voided if not bags else built.amended).append(master.number)


def _hub_dict(hub: Hub) -> dict[str, str]:
    return {"name": hub.name, "city": hub.city, "country": hub.country, "code": hub.code}


def _no_hub(flight: Flight) -> dict[str, str]:
    return {"name": flight.origin, "city": flight.origin, "country": "CN", "code": ""}


def lock_flights(flight_ids: Iterable[int]) -> None:
    """Lock the flights (in id order, inside the caller's transaction) whose waybills are about
    to be built: a second build of the same flight waits for the first to commit and then
    finds its master, so a flight never gets two masters for one gateway nor draws two AWB
    numbers for it. Callers that also lock bags or ULDs lock the flights first."""
    ids = sorted(set(flight_ids))
    for start in range(0, len(ids), CHUNK):
        list(
            Flight.objects.select_for_update(of=("self",))
            .filter(pk__in=ids[start : start + CHUNK])
            .order_by("pk")
            .values_list("pk", flat=True)
        )


@transaction.atomic
def build_for_flights(flight_ids: Iterable[int], user: Any = None, reason: str = "") -> Built:
    """Build or amend the master and house waybills of each flight from the bags and ULDs
    planned onto it or loaded on it: one master per destination gateway, one house per
    consignment. Atomic: an airline whose stock is used up refuses the whole build (the error
    names the stock) and nothing is written. Idempotent: the same cargo adds no version.
    Airlines, hubs, gateways, masters, houses and current versions are read once for all the
    flights (a commit rebuilds every open flight); each flight then costs its cargo's queries."""
    built = Built()
    flight_ids = set(flight_ids)
    lock_flights(flight_ids)  # before the masters are read: see lock_flights
    flights = list(
        Flight.objects.filter(pk__in=flight_ids).select_related("aircraft_type").order_by("pk")
    )
    if not flights:
        return built
    known = _known(flights)
    live: dict[int, set[int]] = {}
    for (flight_id, gateway_id), m in known.masters.items():
        if not m.is_void:
            live.setdefault(flight_id, set()).add(gateway_id)
    for flight in flights:
        bags, ulds = _facts(flight)
        gateways = set(bags) | live.get(flight.pk, set())
        if not gateways:
            continue
        airline = known.airlines.get(flight.number[:2].upper())
        if airline is None:
            built.no_airline.append(flight.number)
            continue
        for gateway in sorted((known.gateways[g] for g in gateways), key=lambda g: g.iata):
            _build_gateway(
                flight,
                gateway,
                airline,
                bags.get(gateway.pk, []),
                ulds.get(gateway.pk, []),
                known,
                user,
                reason,
                built,
            )
    return built


def build_on_request(flight: Flight, user: Any) -> Built:
    """Build or amend one flight's waybills now (a planner or operator asks from the flight's
    waybills page, e.g. once its airline has been recorded): the same build as a plan commit,
    its version's reason naming who asked. A flight still without an airline is refused,
    naming it; a used-up stock is refused as in a commit."""
    name = getattr(user, "username", "") or "?"
    built = build_for_flights([flight.pk], user=user, reason=f"hand:{name}")
    if built.no_airline:
        raise field_error(
            "airline",
            _("Flight %(f)s has no airline: record the airline with the IATA designator %(d)s "
              "and its AWB stock first.") % {"f": flight.number, "d": flight.number[:2].upper()},
            WaybillErrorCode.NO_AIRLINE,
        )  # fmt: skip
    return built


def open_flights() -> list[int]:
    """Scheduled flights holding a live master: a new plan may take their cargo away."""
    return list(
        MasterWaybill.objects.filter(is_void=False, flight__state=Flight.State.SCHEDULED)
        .values_list("flight_id", flat=True)
        .distinct()
    )
