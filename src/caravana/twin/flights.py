"""The twin's flights written as an operator's would be: each leg the planner filled becomes a
flight (network.services.create_flight) with the bags of its consignments built into ULDs,
loaded (fulfillment's loading services), departed and arrived at the model's times
(network.services.mark_departed / mark_arrived, whose signals move the parcels, record their EMC
and EMD tracking events and ship their orders). Used by services.RealNetwork when it flies
its legs: `simulate --flights` and the demo's history (RealNetwork.fly_legs). Runs in the
simulating process, not as the twin's Celery units of work: a leg's flights are few.

A bag the twin fills holds parcels of one of the model's consignments (the hub cuts the
route after a consignment's last parcel: decision 0041), so the flight that carries a
consignment carries its bags whole, and its parcels' EMC and EMD are that flight's (a bag
opened outside the twin, as the demo's at Shenzhen, may also hold other parcels; they fly with
it). Django-side, like services.py.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max

from caravana import clock
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.services import loading
from caravana.network import services as network_services
from caravana.network.models import AircraftType, Flight
from caravana.planning.models import BellyOffer
from caravana.planning.problem import Flight as PlannedFlight
from caravana.reviews.receivers import refreshed_once

from .model import Leg

#: Aircraft of the twin's legs in the flight table (network/seed.py AIRCRAFT): a charter is a
#: 747-400F (params.charter_payload_kg); belly space is written as a 777F's lower deck.
AIRCRAFT = {"committed": "B744F", "optional": "B744F", "belly": "B77F"}
CARRIERS = {"committed": "Atlas Air", "optional": "Atlas Air", "belly": "Qatar Airways Cargo"}
#: Flight numbers: the carrier's IATA designator (an airline waybills.seed records with AWB
#: stock, so the flights' cargo can have master air waybills), then a run's own block of
#: numbers (Log.first_number), clear of the seeded schedule's 5Y83xx and QR8151. Illustrative:
#: the twin's parameters name no airline for belly space; Qatar Airways Cargo, which the seeded
#: schedule already flies, stands for it.
DESIGNATORS = {"committed": "5Y", "optional": "5Y", "belly": "QR"}
#: The ULDs: PMC pallets of the flights' airline (owner code 5Y), serials from here on.
ULD_TYPE, ULD_OWNER, FIRST_SERIAL = "PMC", "5Y", 70000
#: The ULD's loading before departure (hours).
LOAD_LEAD_H = 3.0


@dataclass
class Log:
    """What a run's flights wrote, and what the network needs to know of them."""

    first_number: int  # a flight's number is its designator and first_number + its serial
    count: int = 0  # numbers drawn (flights, belly offers, and numbers found taken)
    flights: int = 0  # flights made
    ulds: int = 0
    serial: int | None = None  # the last pallet serial used (read from the database once)
    flown_bags: set[str] = field(default_factory=set)  # bags a flight carried
    on_flight: set[int] = field(default_factory=set)  # parcel pks whose EMC / EMD a flight records
    belly: set[tuple[str, str]] = field(default_factory=set)  # (number, ISO date) of belly flights
    #: A charter leg's flight and a belly leg's offer, by leg id → pk, written at the first
    #: planning cycle that sees the leg (a run that books its plans: booking.py).
    flight_of: dict[str, int] = field(default_factory=dict)
    offer_of: dict[str, int] = field(default_factory=dict)

    def number(self, kind: str) -> str:
        """The next flight's number, a leg of `kind` (four digits at most: a block of 999)."""
        self.count += 1
        return f"{DESIGNATORS[kind]}{self.first_number + (self.count - 1) % 999 + 1}"


def fly(
    log: Log,
    leg: Leg,
    bags_of: dict[int, str],
    origin: str,
    staff: dict[str, Any],
    moment: Callable[[float], dt.datetime],
    until: dt.datetime | None,
    truck_h: dict[str, float] | None = None,
) -> int:
    """The leg's flight to its lane's gateway with its bags (`bags_of`: each flown parcel's pk
    → its bag), each hub's built into pallets by its member of `staff` (hub code → user: a
    feeder hub builds its own, `truck_h` hours earlier, and trucks them to the airport); a
    charter booked at a planning cycle (Log.flight_of) is that flight. A
    cancelled leg, or a booked one that carries nothing, is settled (settle); nothing departs
    after `until`, and arrives only by `until`. Returns the service calls made."""
    departs = moment(leg.departs + leg.delay)
    if until is not None and departs > until:
        return 0
    if leg.cancelled or not bags_of:
        return settle(log, leg, moment, until)
    rows = list(
        Bag.objects.filter(identifier__in=sorted(set(bags_of.values()) - {""}), uld__isnull=True)
        .order_by("identifier")
        .values_list("identifier", "gateway__iata", "hub__code")
    )
    refuse_other_gateways(f"its leg {leg.id}", leg.destination, [r[:2] for r in rows])
    todo = [bag for bag, _gateway, _hub in rows]
    by_hub: dict[str, list[str]] = {}
    for bag, _gateway, hub in rows:
        by_hub.setdefault(hub, []).append(bag)
    calls = _fly(log, leg, origin, by_hub, staff, moment, until, truck_h or {}) if todo else 0
    calls += settle(log, leg, moment, until)  # its booked flight if it carried nothing
    log.flown_bags.update(todo)
    log.on_flight.update(pk for pk, bag in bags_of.items() if bag in log.flown_bags)
    return calls


def _free_number(log: Log, kind: str, date: dt.date) -> str:
    """The log's next number of `kind` that no flight and no belly offer of this database has on
    `date` (an earlier run on this database may have used it; checked, then written, which is
    safe because real runs go one at a time: twin.run_lock)."""
    number = log.number(kind)
    for _ in range(999):
        if not (
            Flight.objects.filter(number=number, date=date).exists()
            or BellyOffer.objects.filter(number=number, departs_at__date=date).exists()
        ):
            break
        number = log.number(kind)
    return number


def new_flight(
    log: Log, kind: str, origin: str, destination: str, departs: dt.datetime,
    arrives: dt.datetime, cost_usd: float, number: str | None = None,
) -> Flight:  # fmt: skip
    """A flight of a leg of `kind`, numbered `number` (a belly leg's, its offer's) where no
    flight has it that day, else on from the log's last."""
    date = departs.date()
    if number is None or Flight.objects.filter(number=number, date=date).exists():
        number = _free_number(log, kind, date)
    log.flights += 1
    return network_services.create_flight(
        number=number,
        date=date,
        carrier=CARRIERS[kind],
        origin=origin,
        destination=destination,
        scheduled_departure=departs,
        scheduled_arrival=arrives,
        aircraft_type=AircraftType.objects.get(code=AIRCRAFT[kind]),
        is_optional=kind == "optional",
        fixed_cost_usd=Decimal(str(cost_usd)) if cost_usd else None,
    )


class OtherGateway(ValueError):
    """A bag sorted to a gateway its planned leg does not fly to."""


def refuse_other_gateways(what: str, gateway: str, bags: list[tuple[str, str]]) -> None:
    """The model's lanes are the network's (decision 0045: a real run takes its routing from
    the database), so each bag's gateway is its leg's: one that is not (a lane re-routed while
    the run went on) stops the run, naming it, rather than fly a flight no plan priced."""
    for bag, found in bags:
        if found != gateway:
            raise OtherGateway(
                f"bag {bag} is sorted to {found}, but {what} flies to {gateway}: the network's "
                "lanes changed during the run"
            )


def charter(log: Log, leg: PlannedFlight) -> int:
    """The charter leg's flight (made at the first cycle that needs it), its pk."""
    if leg.id not in log.flight_of:
        kind = "optional" if leg.optional else "committed"
        made = new_flight(
            log, kind, leg.origin, leg.destination, leg.departs_at, leg.arrives_at,
            leg.fixed_cost_usd,
        )  # fmt: skip
        log.flight_of[leg.id] = made.pk
    return log.flight_of[leg.id]


def belly_offer(
    log: Log, leg_id: str, origin: str, destination: str, departs: dt.datetime,
    arrives: dt.datetime, kg: float, m3: float, price_per_kg: float,
) -> tuple[int, bool]:  # fmt: skip
    """A belly leg to `destination` as an offer the planner can buy, made once a run (the log
    keeps it: another run on this database, even of the same seed, makes its own); its pk and
    whether it was made now. It is numbered as the run's flights are, and the leg's flight, if
    it flies, takes its number. The model's belly space is whole hundreds of kg, whole m³ and
    whole cents a kg, as the offer keeps them."""
    if leg_id in log.offer_of:
        return log.offer_of[leg_id], False
    offer = BellyOffer.objects.create(
        number=_free_number(log, "belly", departs.date()),
        departs_at=departs,  # to the microsecond, as the model plans it
        carrier=CARRIERS["belly"],
        origin=origin,
        destination=destination,
        arrives_at=arrives,
        capacity_kg=math.ceil(kg),
        capacity_m3=Decimal(str(m3)),
        price_per_kg_usd=Decimal(str(price_per_kg)),
    )
    log.offer_of[leg_id] = offer.pk
    return offer.pk, True


def settle(
    log: Log, leg: Leg, moment: Callable[[float], dt.datetime], until: dt.datetime | None
) -> int:
    """The leg's booked flight if it carries nothing and is still scheduled: cancelled if the
    model cancelled the leg or it is an option not flown (the network's cancellation, which
    takes the plan off it: bookings, planned bags, air waybills); a committed charter (paid
    either way) flies empty. Returns the calls made."""
    pk = log.flight_of.get(leg.id)
    flight = (
        Flight.objects.filter(pk=pk, state=Flight.State.SCHEDULED, ulds__isnull=True).first()
        if pk is not None
        else None
    )
    if flight is None:
        return 0
    if leg.cancelled or leg.kind != "committed":
        network_services.cancel_flight(flight)
        return 1
    network_services.mark_departed(flight, moment(leg.departs + leg.delay))
    arrives = moment(leg.arrives + leg.delay)
    if until is None or arrives <= until:
        network_services.mark_arrived(flight, arrives)
    return 2


def cancel_unflown(log: Log, before: dt.datetime) -> int:
    """The run's booked flights still scheduled to leave before `before`, cancelled: the demo's
    history stops at midnight and the demo starts hours later, so the last cycle's flights of
    the hours between never flew. Their bags, booked off them, wait for the next plan. Returns
    how many."""
    stale = Flight.objects.filter(
        pk__in=log.flight_of.values(), state=Flight.State.SCHEDULED,
        scheduled_departure__lt=before, ulds__isnull=True,
    ).order_by("pk")  # fmt: skip
    n = 0
    for flight in stale:
        network_services.cancel_flight(flight)
        n += 1
    return n


@refreshed_once()  # the orders on board are shipped: one reputation refresh at the end
def _fly(
    log: Log, leg: Leg, origin: str, by_hub: dict[str, list[str]], staff: dict[str, Any],
    moment: Callable[[float], dt.datetime], until: dt.datetime | None,
    truck_h: dict[str, float],
) -> int:  # fmt: skip
    """The leg's flight: its bags (by hub code) built and closed, each hub's by its member of
    staff (a feeder's its truck's hours before the airport's loading), loaded, flown (and
    landed)."""
    departs = moment(leg.departs + leg.delay)
    booked = log.flight_of.get(leg.id)
    flight = Flight.objects.filter(pk=booked).first() if booked else None
    if flight is None:  # not booked: made now, a belly leg with its offer's number
        offer = log.offer_of.get(leg.id)
        flight = new_flight(
            log, leg.kind, origin, leg.destination, moment(leg.departs), moment(leg.arrives),
            leg.cost_usd,
            BellyOffer.objects.get(pk=offer).number if offer is not None else None,
        )  # fmt: skip
    if leg.kind == "belly":
        log.belly.add((flight.number, flight.date.isoformat()))
    # the feeders' pallets first: built the earliest, trucked to the airport
    for hub in sorted(by_hub, key=lambda h: (-truck_h.get(h, 0.0), h)):
        member = staff[hub]
        with clock.at(moment(leg.departs - LOAD_LEAD_H - truck_h.get(hub, 0.0))):
            ulds = _build(log, member, by_hub[hub])
            for uld in ulds:
                loading.close_uld(member, uld)
        with clock.at(moment(leg.departs - LOAD_LEAD_H)):
            for uld in ulds:
                loading.load_uld_onto_flight(member, uld, flight)
    network_services.mark_departed(flight, departs)
    arrives = moment(leg.arrives + leg.delay)
    if until is None or arrives <= until:
        network_services.mark_arrived(flight, arrives)
    return 3 * sum(map(len, by_hub.values())) + 3


def _build(log: Log, staff: Any, bags: list[str]) -> list[str]:
    """Build the bags into as few pallets as their weight and volume allow; their names."""
    ulds = [_next_uld(log)]
    for bag in bags:
        try:
            loading.build_uld(staff, ulds[-1], bag)
        except ValidationError as exc:
            errors = getattr(exc, "error_dict", {}).get("bag")
            if not errors or errors[0].code != FulfillmentErrorCode.OVER_CAPACITY:
                raise
            ulds.append(_next_uld(log))  # the pallet is full: the next one
            loading.build_uld(staff, ulds[-1], bag)
    log.ulds += len(ulds)
    return ulds


def _next_uld(log: Log) -> str:
    """The next pallet serial no hub has used: the highest in use is read once a run (an
    earlier run or the demo's history may have used some), then counted on."""
    if log.serial is None:
        used = (
            Uld.objects.filter(identifier__regex=rf"^{ULD_TYPE}[0-9]{{5}}{ULD_OWNER}$")
            .aggregate(top=Max("identifier"))["top"]
        )  # fmt: skip
        top = int(used[len(ULD_TYPE) : -len(ULD_OWNER)]) if used else FIRST_SERIAL
        log.serial = max(top, FIRST_SERIAL)
    log.serial += 1
    if log.serial > 99_999:
        raise ValueError(f"{ULD_TYPE} serials of owner {ULD_OWNER} are used up")
    return f"{ULD_TYPE}{log.serial:05d}{ULD_OWNER}"
