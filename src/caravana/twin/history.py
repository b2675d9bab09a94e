"""The demo's month of history: the twin's real mode (services.RealNetwork) run over the days
before today, stopped at today's midnight (UTC), so the demo opens on a network that has been
working for a month and still has work waiting (issue 17, item 4; docs/twin.md, "Demo history").

`HistoryNetwork` adds to RealNetwork only what a month that is over needs:

- the demo merchant's parcels (when `make demo` seeded one), so the merchant console shows them;
- `flown`: each leg the planner filled becomes a flight (network.services.create_flight) with the
  bags of its consignments built into ULDs, loaded (fulfillment loading services), departed and
  arrived at the model's times (network.services.mark_departed / mark_arrived, whose signals
  move the parcels and record their EMC / EMD tracking events);
- `downstream`: the model's later events, but none after the wall clock's now (a parcel still
  in customs or out for delivery today has no future event yet), and no EMC / EMD for parcels
  whose flight recorded them.

Then the coming week: the model's belly offers on its lanes (what the planner can buy besides the
seeded charters) and the planner's first plan over the backlog, run and committed as the demo
planner would. Django-side, like services.py.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from caravana import clock
from caravana.catalog.models import MerchantMember
from caravana.catalog.seeding import reference
from caravana.catalog.seeding.progress import Quiet
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.services import loading
from caravana.network import services as network_services
from caravana.network.models import AircraftType, Flight
from caravana.planning import services as planning
from caravana.planning.models import BellyOffer, PlanRun
from caravana.reviews.receivers import refreshed_once

from . import params as P
from .model import Leg, Run, Simulation
from .services import RealNetwork

#: Aircraft of the twin's legs in the flight table (network/seed.py AIRCRAFT): a charter is a
#: 747-400F (params.charter_payload_kg); belly space is written as a 777F's lower deck.
AIRCRAFT = {"committed": "B744F", "optional": "B744F", "belly": "B77F"}
CARRIERS = {"committed": "Atlas Air", "optional": "Atlas Air", "belly": "Qatar Airways Cargo"}
#: Flight numbers: the carrier's IATA designator (an airline waybills.seed records with AWB
#: stock, so the flights' cargo can have master air waybills), then 9001 on, clear of the
#: seeded schedule's 5Y83xx and QR8151. Illustrative: the twin's parameters name no airline for
#: belly space; Qatar Airways Cargo, which the seeded schedule already flies, stands for it.
DESIGNATORS = {"committed": "5Y", "optional": "5Y", "belly": "QR"}
FIRST_NUMBER = 9000
#: The demo's ULDs: PMC pallets of the flights' airline (owner code 5Y), serials from here on.
ULD_TYPE, ULD_OWNER, FIRST_SERIAL = "PMC", "5Y", 70000
#: The model's belly offers written for the planner's coming week.
OFFER_DAYS = 7
#: The ULD's loading before departure (hours), and the first plan's solver time (seconds).
LOAD_LEAD_H, PLAN_SECONDS = 3.0, 10.0


@dataclass
class HistoryNetwork(RealNetwork):
    """RealNetwork for a past month: flights written, nothing after `until` (see the module)."""

    until: dt.datetime = field(default_factory=timezone.now)
    sim: Simulation | None = None
    flights: int = 0
    ulds: int = 0
    dropped: int = 0  # events after `until`, not written
    _serial: int = FIRST_SERIAL
    _flown_bags: set[str] = field(default_factory=set)  # bags a flight of the history carried
    _on_flight: set[int] = field(default_factory=set)  # parcel pks whose EMC / EMD a flight records

    def __post_init__(self) -> None:
        super().__post_init__()
        member = MerchantMember.objects.select_related("merchant").filter(user__username="merchant")
        if member.exists():  # the demo's merchant (seed --scale demo)
            self.merchant = member.first().merchant  # type: ignore[union-attr]

    def flown(self, leg: Leg, consignments: list[int]) -> None:
        departs = self._moment(leg.departs + leg.delay)
        if leg.cancelled or not consignments or departs > self.until:
            return
        assert self.sim is not None, "the simulation is set before the run"
        pool = self.sim.pool
        pids = pool["pid"][np.isin(pool["batch"], np.asarray(consignments))].tolist()
        bags = sorted({self.parcels[pid].bag for pid in pids} - {""})
        origin = P.LANES[P.COUNTRIES[leg.country]][0]
        by_gateway: dict[str, list[str]] = defaultdict(list)
        for bag, gateway in (
            Bag.objects.filter(identifier__in=bags, uld__isnull=True)
            .order_by("identifier")
            .values_list("identifier", "gateway__iata")
        ):
            by_gateway[gateway].append(bag)
        for gateway, todo in sorted(by_gateway.items()):  # a ULD and a flight per gateway
            self._fly(leg, origin, gateway, todo)
        # A bag holds parcels of several of the model's consignments: one that flew with an
        # earlier consignment's bag already has its EMC from that flight.
        self._flown_bags.update(b for todo in by_gateway.values() for b in todo)
        self._on_flight.update(
            self.parcels[pid].pk for pid in pids if self.parcels[pid].bag in self._flown_bags
        )

    @refreshed_once()  # the orders on board are shipped: one reputation refresh at the end
    def _fly(self, leg: Leg, origin: str, destination: str, bags: list[str]) -> None:
        """One flight of the leg to one gateway: its bags built, loaded, flown (and landed)."""
        staff = self.staff[origin]
        departs = self._moment(leg.departs + leg.delay)
        self.flights += 1
        flight = network_services.create_flight(
            number=_number(leg.kind, self.flights),
            date=self._moment(leg.departs).date(),
            carrier=CARRIERS[leg.kind],
            origin=origin,
            destination=destination,
            scheduled_departure=self._moment(leg.departs),
            scheduled_arrival=self._moment(leg.arrives),
            aircraft_type=AircraftType.objects.get(code=AIRCRAFT[leg.kind]),
            is_optional=leg.kind == "optional",
            fixed_cost_usd=Decimal(str(leg.cost_usd)) if leg.cost_usd else None,
        )
        with clock.at(self._moment(leg.departs - LOAD_LEAD_H)):
            for uld in self._build(staff, bags):
                loading.close_uld(staff, uld)
                loading.load_uld_onto_flight(staff, uld, flight)
        network_services.mark_departed(flight, departs)
        arrives = self._moment(leg.arrives + leg.delay)
        if arrives <= self.until:
            network_services.mark_arrived(flight, arrives)
        self.writes += 3 * len(bags) + 3

    def _build(self, staff: Any, bags: list[str]) -> list[str]:
        """Build the bags into as few pallets as their weight and volume allow; their names."""
        ulds = [self._next_uld()]
        for bag in bags:
            try:
                loading.build_uld(staff, ulds[-1], bag)
            except ValidationError as exc:
                errors = getattr(exc, "error_dict", {}).get("bag")
                if not errors or errors[0].code != FulfillmentErrorCode.OVER_CAPACITY:
                    raise
                ulds.append(self._next_uld())  # the pallet is full: the next one
                loading.build_uld(staff, ulds[-1], bag)
        self.ulds += len(ulds)
        return ulds

    def _next_uld(self) -> str:
        """The next pallet serial no hub has used."""
        while True:
            self._serial += 1
            name = f"{ULD_TYPE}{self._serial:05d}{ULD_OWNER}"
            if not Uld.objects.filter(identifier=name).exists():
                return name

    def _keep(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """RealNetwork's events up to `until`, less the EMC / EMD of parcels whose flight the
        services recorded (mark_departed, mark_arrived)."""
        kept = [
            r
            for r in super()._keep(rows)
            if not (r["code"] in ("EMC", "EMD") and r["parcel_id"] in self._on_flight)
        ]
        self.dropped += len(rows) - len(kept)
        return kept


def _number(kind: str, n: int) -> str:
    """The flight number of the history's n-th flight, a leg of `kind`."""
    return f"{DESIGNATORS[kind]}{FIRST_NUMBER + n}"


def has_run() -> bool:
    """Whether a history's flights are in the database (demo_history runs once)."""
    ours = Q()
    for designator in set(DESIGNATORS.values()):  # 5Y9…, QR9…
        ours |= Q(number__startswith=f"{designator}{FIRST_NUMBER // 1000}")
    return Flight.objects.filter(ours).exists()


def run_history(
    days: int,
    parcels_per_day: int,
    seed: int = 1,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Simulation, HistoryNetwork]:
    """Simulate the `days` before `today` through the services and stop at today's midnight;
    `progress(1)` after each simulated day (a tqdm bar's update)."""
    today = today or timezone.now().date()
    midnight = dt.datetime.combine(today, dt.time(), dt.UTC)
    run = Run(days, parcels_per_day, seed, today - dt.timedelta(days=days), P.DEFAULT)
    # the month's orders are priced at their days' rates: the demo's illustrative ones
    reference.ensure_fx(
        seed, Quiet(), days=(today - run.from_date).days + run.params.warmup_days + 1
    )
    sim = Simulation(run)
    net = HistoryNetwork(run.params, sim.start, until=midnight)
    net.sim = sim
    sim.network = net
    while sim.start + dt.timedelta(days=sim.day) < midnight:
        sim.step()
        if progress is not None:
            progress(1)
    return sim, net


def offer_belly(sim: Simulation, now: dt.datetime, days: int = OFFER_DAYS) -> int:
    """The model's belly legs departing in the coming `days` as belly offers the planner can
    buy (as planning/demo.py seed_belly writes the seeded ones). Returns the offers added."""
    added = 0
    for leg in sim.legs:
        departs = sim.start + dt.timedelta(hours=leg.departs)
        if leg.kind != "belly" or not now <= departs < now + dt.timedelta(days=days):
            continue
        origin, dest = P.LANES[P.COUNTRIES[leg.country]][:2]
        _, created = BellyOffer.objects.get_or_create(
            number=f"TB{leg.id[-4:-1]}{'abcdef'.index(leg.id[-1])}{leg.country}"[:10],
            departs_at=departs.replace(microsecond=0),
            defaults={
                "carrier": CARRIERS["belly"],
                "origin": origin,
                "destination": dest,
                "arrives_at": (sim.start + dt.timedelta(hours=leg.arrives)).replace(microsecond=0),
                "capacity_kg": int(leg.kg),
                "capacity_m3": Decimal(str(leg.m3)),
                "price_per_kg_usd": Decimal(str(leg.price_per_kg)),
            },
        )
        added += created
    return added


def first_plan(now: dt.datetime, days: int = OFFER_DAYS) -> PlanRun | None:
    """The demo planner's plan over the backlog for the coming week, run and committed."""
    planner = get_user_model().objects.filter(username="planner").first()
    if planner is None:
        return None
    run = planning.run(planner, now, now + dt.timedelta(days=days), time_limit=PLAN_SECONDS)
    planning.commit(planner, run)
    return run
