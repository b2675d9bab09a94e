"""The twin's real-services mode: the same model (model.Simulation), its events written to the
database through Caravana's own services at the simulated times, as a live site would write
them, so a run is also a load test; then its KPIs read back from what was written.

`RealNetwork` implements model.Network. The model decides what happens and when; this sink
calls:

- `ordered`: fulfillment's create_parcels (the merchant's parcel API, in batches) for each
  parcel, and an "ordered" event at the order's time;
- `served`: the hub steps' batch services, each scan at its own simulated time (caravana.clock):
  receive_many (EMA, EMB, parcel.received_at), sort_many (the hub's "bagged" event) with the
  route's bags cut after each consignment's last parcel (a bag belongs to one of the model's
  consignments), and a "built" event at the build stage;
- `plan`: the planner's own entry (planning.solver.run_plan) with fast mode's method and time,
  so both modes plan alike, each cycle kept as a plan run of source "twin" (planning.services);
  with `fly_legs`, booked as a live site books a plan: the horizon's charters written as
  flights and its belly legs as offers, the plan expressed over the consignments' bags and
  committed (twin.booking);
- `flown` (with `fly_legs`): each leg the planner filled becomes flights, its bags built into
  ULDs, loaded, departed and arrived through the services (twin.flights), which record the
  parcels' EMC and EMD and ship their orders;
- `downstream`: tracking's record_batch with the flight (EMC, EMD, unless a flight of
  `flown` recorded them), customs (EDC, or a refusal) and last-mile (EMH, EMI, returned, lost)
  events at their drawn times.

Each call but `flown` is cut into units of work per origin hub or lane (caravana.twin.work),
run as Celery tasks (caravana.twin.tasks): eagerly in process by default, across workers when a
broker is set; a leg's few flights are written by the simulating process.

`counters_from_db` rebuilds the parcel KPIs (kpis.Counters) from those rows alone, so a test can
prove that the database holds what the fast mode counts. The legs' costs and fill are the
model's, kept in its plan runs.

Unlike the rest of the twin this module is Django-side (outside the pure-kernel contract).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from celery import group
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from caravana import clock
from caravana.accounts.models import Role
from caravana.catalog import services as catalog_services
from caravana.catalog.models import Merchant
from caravana.fulfillment.models import Parcel
from caravana.network import hubs as network_hubs
from caravana.network import lanes as network_lanes
from caravana.network import services as network_services
from caravana.network.models import Hub, Lane
from caravana.network.seed import seed_network
from caravana.orders.models import OrderGroup
from caravana.planning import services as planning_services
from caravana.planning.models import PlanRun
from caravana.planning.problem import Problem, problem_to_json
from caravana.tracking import upu
from caravana.tracking.demo import ADDRESSES  # the demo's public addresses, per country
from caravana.tracking.models import Source, TrackingEvent

from . import booking, dashboard, flights, report, shop, tasks, work
from . import params as P
from .kpis import Counters
from .model import I64, TIME_FIELDS, F, FastNetwork, Leg, Run, Simulation
from .models import SimulationRun
from .shop import Shop

#: The twin's planner: its planning cycles are kept as plan runs in this name.
PLANNER = "twin-planner"
#: Where a real run's parcels come from (RealNetwork.orders).
ORDER_SOURCES = ("checkout", "api")
#: How often the simulating process looks for its tasks' results over workers (RealNetwork._wait).
#: A look is one Redis read on the result channel: 200 a second cost nothing next to the tasks.
WAIT_INTERVAL_S = 0.005
#: The twin's own events (the order, the hand-over, the ULD build, the outcome) come from here.
SOURCE = "twin"
MERCHANT = "Caravana Twin Simulated Trading Co., Ltd."
#: A valid USCC (GB 32100-2015 check character), the twin merchant's.
USCC = "91440300MA5T7WN014"


@dataclass
class _Parcel:
    pk: int
    s10: str
    hub: str  # the code of the hub its merchant hands it over at
    grams: int = 0  # declared, and what the hub weighs (the twin's parcels are as declared)
    side: int = 0  # cm, a cube
    bag: str = ""
    consignment: int = -1  # the model's, given at the sort


@dataclass
class RealNetwork(FastNetwork):
    """model.Network on the Django services (see the module's docstring). Each call is split
    into one unit of work per origin hub (or per lane, for what happens after take-off), sent
    as Celery tasks (caravana.twin.tasks) and waited for: in process when the settings run
    tasks eagerly, across workers sharing the database when a broker is named."""

    params: P.Params
    start: dt.datetime
    merchant: Merchant | None = None
    staff: dict[str, Any] = field(default_factory=dict)  # hub code → its member
    parcels: dict[int, _Parcel] = field(default_factory=dict)  # pid → parcel
    writes: int = 0  # service calls and events, for the run's rate
    cut_by_clock: int = 0  # planning cycles whose search the clock cut (FastNetwork's)
    planner: Any = None  # the twin's planner (made by __post_init__)
    #: The run's last moment: nothing later is written (the demo's history stops at midnight).
    until: dt.datetime | None = None
    #: Where parcels come from: "checkout" (a buyer's order placed, paid in the sandbox and
    #: shipped as the parcel: twin.shop) or "api" (the merchant's parcel API alone, no order:
    #: a logistics-only load).
    orders: str = "checkout"
    shop: Shop | None = None
    first_person: int = 1  # the run's first buyer ID number (_shop)
    #: Whether the legs become flights through the services (twin.flights; `simulate
    #: --flights`, and the demo's history), numbered from 5Y7001 / QR7001, clear of the
    #: history's; else a parcel's EMC and EMD are the model's events. Either way the KPIs read
    #: back are the model's: a consignment's bags are closed after its last parcel's sort, so
    #: each bag flies with its own consignment (decision 0041).
    fly_legs: bool = False
    flying: flights.Log = field(default_factory=lambda: flights.Log(first_number=7000))
    #: Each of the model's consignments' bags (identifiers), as the hub sorted them.
    bags_of: dict[int, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.orders not in ORDER_SOURCES:
            raise ValueError(f"orders: one of {', '.join(ORDER_SOURCES)}")
        if self.orders == "checkout":  # refused before anything is written
            shop.require_sandbox()
            shop.require_rates(self.start.date())
        seed_if_bare()
        found = routing()
        if found != self.params.gateways:
            raise ImproperlyConfigured(
                "the twin's lanes must be the network's: its hubs route parcels to "
                f"{found}, the run's parameters to {self.params.gateways}"
            )
        refuse_unusable_hubs(self.params, found)
        self.merchant, self.staff = setup()
        self.planner = planner()

    def _shop(self) -> Shop | None:
        """The merchant's twin store and the buyers, made at the first orders (a subclass may
        have changed the merchant)."""
        if self.orders == "checkout" and self.shop is None:
            assert self.merchant is not None
            self.shop = Shop(
                shop.stock_shop(self.merchant, self.params.order_value_usd), shop.buyers()
            )
            # each order's buyer ID a new person's (shop.person_id): the model's parcel id on
            # from the groups placed before this run, so no two of its orders, whichever
            # worker places them, and no earlier run's take one person's allowance twice (a
            # run's parcel ids count from 0, each one order and group: the next run's first
            # number is past this run's last)
            self.first_person = (OrderGroup.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        return self.shop

    def _moment(self, hours: float) -> dt.datetime:
        # microseconds: what the database keeps (readback converts back)
        return self.start + dt.timedelta(microseconds=round(float(hours) * 3_600_000_000))

    def _iso(self, hours: float) -> str:
        return self._moment(hours).isoformat()

    def _upto(self, hours: float) -> str | None:
        """The moment in ISO 8601, or None past the run's last moment (not written)."""
        at = self._moment(hours)
        return None if self.until is not None and at > self.until else at.isoformat()

    def _keep(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The tracking events (JSON form) to write: none past the run's last moment."""
        if self.until is None:
            return rows
        until = self.until
        return [r for r in rows if dt.datetime.fromisoformat(r["occurred_at"]) <= until]

    def _event(
        self, pid: int, code: str, hours: float, status: str = "", source: str = SOURCE,
        **details: Any,
    ) -> dict[str, Any]:  # fmt: skip
        """An event in its JSON form (caravana.twin.work.event)."""
        p = self.parcels[pid]
        return {
            "parcel_id": p.pk, "identifier": p.s10, "source": source,
            "event_id": f"twin-{p.pk}-{details.get('step') or code}", "code": code,
            "status": status, "occurred_at": self._iso(hours), "details": details,
        }  # fmt: skip

    @staticmethod
    def _wait(calls: list[Any]) -> list[Any]:
        """Run task signatures at once (a Celery group) and wait for their results, looking
        every WAIT_INTERVAL_S: Celery's Redis result consumer sleeps the whole interval each
        time it finds nothing (0.5 s by default), so each of a run's waits, some 120 a day of
        parcels, ended up to half a second after its tasks had."""
        if not calls:
            return []
        pending = group(calls).apply_async()
        return list(pending.get(disable_sync_subtasks=False, interval=WAIT_INTERVAL_S))

    # --- model.Network ------------------------------------------------------------------------

    def ordered(self, at: float, parcels: dict[str, Any]) -> None:
        assert self.merchant is not None
        known = self._shop()
        by_hub: dict[str, list[int]] = defaultdict(list)
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for i in range(parcels["pid"].size):
            country = P.COUNTRIES[int(parcels["country"][i])]
            hub = P.HUBS[int(parcels["hub"][i])]
            row: dict[str, Any] = {
                "source": SOURCE, "status": upu.PENDING,
                "placed": self._iso(float(parcels["order_t"][i])),
                "ordered": self._upto(float(parcels["order_t"][i])),
                # the merchant books the drop-off at the hub (the hub's receipt is the EMA)
                "handed_over": self._upto(float(parcels["handover_t"][i])),
            }  # fmt: skip
            if known is None:
                row["data"] = _parcel_data(country, hub, parcels, i)
            else:
                grams, side = _measures(parcels, i)
                row["buy"] = {
                    "country": country, "category": P.CATEGORIES[int(parcels["category"][i])],
                    "service": P.SERVICES[int(parcels["service"][i])], "grams": grams,
                    "side": side, "hub": hub,
                    "person": self.first_person + int(parcels["pid"][i]),
                }  # fmt: skip
            by_hub[hub].append(i)
            rows[hub].append(row)
        hubs = sorted(rows)
        sent = dataclasses.asdict(known) if known else None
        made = self._wait([tasks.create.s(self.merchant.pk, rows[h], sent) for h in hubs])
        for hub, created in zip(hubs, made, strict=True):
            for i, (pk, s10) in zip(by_hub[hub], created, strict=True):
                self.parcels[int(parcels["pid"][i])] = _Parcel(pk, s10, hub, *_measures(parcels, i))
        work.analyse()  # before the hubs scan them (see its note)
        n = int(parcels["pid"].size)
        self.writes += 3 * n

    def served(self, stage: str, pids: I64, at: F, consignments: I64 | None = None) -> None:
        scans: dict[str, list[list[Any]]] = defaultdict(list)
        built: dict[str, list[dict[str, Any]]] = defaultdict(list)
        last = math.inf if self.until is None else net_hours(self, self.until)
        groups = [-1] * int(pids.size) if consignments is None else consignments.tolist()
        # each consignment's last parcel in scan order (none without consignments): the hub
        # cuts its route after it, unless it lies past the run's last moment
        ends = {} if consignments is None else {cid: k for k, cid in enumerate(groups)}
        rows = zip(pids.tolist(), at.tolist(), groups, strict=True)
        for k, (pid, hours, cid) in enumerate(rows):
            if hours > last:  # past the run's last moment: the hub has not done it yet
                continue
            p = self.parcels[pid]
            if stage == "receive":
                scans[p.hub].append([p.s10, self._iso(hours), p.grams, p.side])
            elif stage == "sort":
                # [s10, at, whether its route is cut after it]
                scans[p.hub].append([p.s10, self._iso(hours), ends.get(cid) == k])
                p.consignment = cid
            else:
                built[p.hub].append(self._event(pid, "", hours, upu.IN_TRANSIT, step="built"))
        self.writes += int(pids.size)
        if stage == "build":  # the bags were closed at their consignments' last sort
            self._wait([tasks.record.s(self._keep(built[h])) for h in sorted(built)])
            return
        results = self._wait([tasks.hub_stage.s(h, stage, scans[h]) for h in sorted(scans)])
        if stage == "sort":
            by_s10 = {p.s10: p for p in (self.parcels[pid] for pid in pids.tolist())}
            for result in results:
                for s10, bag in result.items():
                    p = by_s10[s10]
                    p.bag = bag
                    self.bags_of.setdefault(p.consignment, set()).add(bag)

    def plan(self, problem: Problem, at: float) -> dict[str, str | None]:
        """The planner's own entry (planning.solver.run_plan, as a planner's run: JSON in, the
        plan validated and its baselines out) with fast mode's method and time, so both modes
        plan alike; each cycle kept as a plan run of source "twin" made at the cycle's
        simulated moment. With its legs flown as flights of the database (`fly_legs`), the
        cycle is booked: its charters written as flights and its belly legs as offers, its plan
        expressed over the consignments' bags and committed through the planner's commit
        (twin.booking). Else the run is the model's own, which the planner's pages show and no
        one can commit."""
        from caravana.planning.solver import cut_by_clock, run_plan  # OR-Tools: decision 0007

        data = problem_to_json(problem)
        # a booked cycle is priced, and given its baselines, over its bags (twin.booking)
        result = run_plan(
            data, self.params.planner_seconds, self.params.planner_method,
            baselines=not self.fly_legs,
        )  # fmt: skip
        self.cut_by_clock += cut_by_clock(result.get("kpis", {}))
        departs = [f.departs_at for f in problem.flights] + [b.departs_at for b in problem.belly]
        start = min(departs, default=self.start)
        end = max(departs, default=start) + dt.timedelta(seconds=1)
        if self.fly_legs:
            run = booking.book(self, problem, result, self._moment(at), start, end)
            self.writes += len(run.problem["consignments"])  # a booking a bag
        else:
            with clock.at(self._moment(at)):
                planning_services.keep(
                    self.planner, start, end, data, result, source=PlanRun.Source.TWIN
                )
        self.writes += 1
        return result["assignments"]

    def flown(self, leg: Leg, consignments: list[int], pids: I64) -> None:
        """The leg's flights through the services (twin.flights); a booked charter that
        carries nothing is settled (cancelled, or flown empty)."""
        if not self.fly_legs:
            return
        bags_of = {self.parcels[pid].pk: self.parcels[pid].bag for pid in pids.tolist()}
        self.writes += flights.fly(
            self.flying,
            leg,
            bags_of,
            leg.origin,
            self.staff,
            self._moment,
            self.until,
            self.params.feeder_truck_h,
        )

    def downstream(self, pids: I64, events: dict[str, F]) -> None:
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        ev = {k: np.asarray(v) for k, v in events.items()}
        on_flight = self.flying.on_flight  # their EMC and EMD are their flight's
        for i, pid in enumerate(pids.tolist()):
            out = rows[self.parcels[pid].hub]
            e = {k: v[i] for k, v in ev.items()}
            if self.parcels[pid].pk not in on_flight:
                out.append(self._flight(pid, "EMC", float(e["depart"]), belly=bool(e["belly"])))
                out.append(self._flight(pid, "EMD", float(e["arrive"])))
            released = float(e["released"])
            customs = {"held": bool(e["held"]), "cleared_at": float(e["cleared"])}
            if e["refused"]:
                out.append(self._customs(pid, "", released, upu.RETURN_TO_SENDER,
                                         step="refused", **customs))  # fmt: skip
                continue
            out.append(self._customs(pid, "EDC", released, "", step="EDC", **customs))
            end = float(e["end"])
            if e["failed"] and not e["lost"]:
                out.append(self._event(pid, "EMH", end - self.params.redelivery_h, step="EMH"))
            if e["lost"]:
                out.append(self._event(pid, "", end, upu.UNKNOWN, step="lost"))
            elif e["returned"]:
                out.append(self._event(pid, "", end, upu.RETURN_TO_SENDER, step="returned"))
            else:
                out.append(self._event(pid, "EMI", end, step="EMI"))
        self.writes += sum(self._wait([tasks.record.s(self._keep(rows[o])) for o in sorted(rows)]))

    def _flight(self, pid: int, code: str, hours: float, **details: Any) -> dict[str, Any]:
        return self._event(pid, code, hours, "", Source.FLIGHT, step=code, **details)

    def _customs(
        self, pid: int, code: str, hours: float, status: str, **details: Any
    ) -> dict[str, Any]:
        return self._event(pid, code, hours, status, Source.CUSTOMS, **details)


def _measures(parcels: dict[str, Any], i: int) -> tuple[int, int]:
    """Pool row i's grams and cube side in cm (at least 1 each), as _parcel_data declares."""
    grams = max(1, round(float(parcels["kg"][i]) * 1000))
    side = max(1, round((float(parcels["m3"][i]) * 1e6) ** (1 / 3)))
    return grams, side


def _parcel_data(country: str, hub: str, parcels: dict[str, Any], i: int) -> dict[str, Any]:
    """The merchant's parcel for pool row i: the hub it is handed over at (its code), its
    service, weight and a cube of its volume (cm, at least 1 each way)."""
    street, city, region, postal = ADDRESSES[country]
    grams, side = _measures(parcels, i)
    return {
        "hub": hub,
        "service_level": P.SERVICES[int(parcels["service"][i])],
        "recipient_name": "Twin recipient",
        "recipient_address": street,
        "recipient_city": city,
        "recipient_state": region,
        "recipient_postal_code": postal,
        "recipient_country": country,
        "declared_weight_g": grams,
        "declared_length_cm": side,
        "declared_width_cm": side,
        "declared_height_cm": side,
        "battery": "none",
        "ddp": True,
        "items": [{
            "description": P.CATEGORIES[int(parcels["category"][i])], "hs_code": "392690",
            "quantity": 1, "unit_value": "45", "currency": "CNY", "unit_weight_g": grams,
        }],
    }  # fmt: skip


def planner() -> Any:
    """The twin's network planner, whose name its plan runs carry (made once)."""
    users = get_user_model().objects
    user = users.filter(username=PLANNER).first()
    if user is None:
        user = users.create_user(username=PLANNER, password=None, role=Role.PLANNER)
    return user


@transaction.atomic
def setup() -> tuple[Merchant, dict[str, Any]]:
    """The network (seeded where bare), the twin's merchant and one member of staff per hub the
    twin's parcels are handed over at (params.HUBS), by hub code."""
    seed_if_bare()
    merchant = Merchant.objects.filter(legal_name=MERCHANT).first()
    if merchant is None:
        merchant = catalog_services.create_merchant(
            legal_name=MERCHANT, uscc=USCC, contact_name="Twin",
            contact_email="twin@example.com", city="Shenzhen",  # RFC 2606: nobody reads it
        )  # fmt: skip
    users = get_user_model().objects
    staff = {}
    for hub in P.HUBS:
        user = users.filter(username=work.staff_name(hub)).first()
        if user is None:
            user = users.create_user(username=work.staff_name(hub), password=None)
            network_services.add_hub_member(Hub.objects.get(code=hub), user)
        staff[hub] = user
    return merchant, staff


def seed_if_bare() -> None:
    """Seed the network (seed_network) on a database where a hub of the twin's (params.HUBS)
    has no lanes; a network where each has some is left as it is: one query, where a seed is
    some hundreds of statements and would add the demo's coming flights at every run."""
    with_lanes = Lane.objects.filter(hub__code__in=P.HUBS).values("hub").distinct().count()
    if with_lanes < len(P.HUBS):
        seed_network()


def network_params(params: P.Params) -> P.Params:
    """`params` with the network's routing (`gateways`), so that the model's lanes are the ones
    the hubs sort parcels to, an operator's re-routing included. A database without the twin's
    lanes is seeded first (seed_network: it creates lanes, never overwrites them); one with
    them is only read. ImproperlyConfigured, naming it, for a service level no active lane
    routes from its country's origin hub, or lanes the model cannot fly (a gateway with no trip
    figures, planning/trips.py, or two countries on one origin and gateway)."""
    seed_if_bare()
    found = routing()
    missing = [
        f"{country}'s {P.SERVICES[si]} parcels from {P.ORIGINS[country]}-HUB"
        for country, gateways in found.items()
        for si, gateway in enumerate(gateways)
        if not gateway
    ]
    if missing:
        raise ImproperlyConfigured(
            "the network has no active lane for " + ", ".join(missing) + ": the twin cannot "
            "fly them (turn the lane on in the admin)"
        )
    routed = dataclasses.replace(params, gateways=found)
    try:
        routed.lanes()
    except ValueError as exc:
        raise ImproperlyConfigured(f"the network's lanes: {exc}") from None
    refuse_unusable_hubs(routed, found)
    return routed


def routing() -> dict[str, tuple[str, ...]]:
    """Each destination's gateway per service level (params.SERVICES order) as the database's
    lanes route the parcels of its origin hub (params.ORIGINS): what the hub sorts a parcel to,
    and so the model's lanes (params.Params.gateways). A level with no active lane: ""."""
    found = network_lanes.gateways_of(P.ORIGINS)
    return {c: tuple(found.get((c, s), "") for s in P.SERVICES) for c in P.COUNTRIES}


def refuse_unusable_hubs(params: P.Params, own: dict[str, tuple[str, ...]]) -> None:
    """ImproperlyConfigured, naming it, for a hub the run hands parcels over at (a share above
    0: params.Params.hub_shares) that the network lacks, has switched off or has at another
    airport than the twin's (network/hubs.py), or a feeder hub whose active lanes route one of
    its countries' service levels elsewhere than its airport's own hub (its bags would land at a
    gateway the model's lane does not fly to). `own`: the airports' own hubs' routing, as
    `routing()` read it for the run. Read only: nothing is written."""
    try:
        shares = params.hub_shares()
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None
    used = [h for i, h in enumerate(P.HUBS) if any(row[i] > 0 for row in shares)]
    found = {
        code: (airport, active)
        for code, airport, active in Hub.objects.filter(code__in=used).values_list(
            "code", "airport", "is_active"
        )
    }
    for hub in used:
        airport = P.HUB_AIRPORT[hub]
        if hub not in found:
            raise ImproperlyConfigured(
                f"the network has no hub {hub}: the twin hands parcels over there"
            )
        if not found[hub][1]:
            raise ImproperlyConfigured(
                f"{hub} is switched off: the twin hands parcels over there (turn it on in the "
                "admin, or run without it: Params.feeder_share)"
            )
        if found[hub][0] != airport:
            raise ImproperlyConfigured(
                f"{hub} feeds {found[hub][0]} in the network, {airport} in the twin "
                "(network/hubs.py)"
            )
    for hub in used:
        airport = P.HUB_AIRPORT[hub]
        if hub == network_hubs.at_airport(airport):
            continue
        fed = [c for c in P.COUNTRIES if P.ORIGINS[c] == airport]
        theirs = network_lanes.gateways_from(dict.fromkeys(fed, hub))
        for country in fed:
            for si, level in enumerate(P.SERVICES):
                if theirs.get((country, level), "") != own[country][si]:
                    raise ImproperlyConfigured(
                        f"{hub} routes {country}'s {level} parcels to "
                        f"{theirs.get((country, level)) or 'no active lane'}, "
                        f"{network_hubs.at_airport(airport)} to {own[country][si] or 'none'}: "
                        f"a feeder hub's parcels fly {airport}'s lanes (route both alike in "
                        "the admin)"
                    )


def counters_from_db(sim: Simulation, net: RealNetwork) -> Counters:
    """The parcel KPIs of a real run, counted from the database alone (parcels and their
    tracking events) by the same kpis.Counters calls as the model's; legs (and the parcels'
    shares of them) and the planner's waiting reasons are copied from the model (not written to
    the database yet)."""
    c = Counters(sim.counters.days, sim.counters.countries, sim.counters.services, sim.lanes)
    c.legs = {k: v.copy() for k, v in sim.counters.legs.items()}
    c.carried = {k: v.copy() for k, v in sim.counters.carried.items()}
    c.reasons = sim.counters.reasons.copy()
    c.hub_capacity = sim.counters.hub_capacity.copy()
    pks = [p.pk for p in net.parcels.values()]
    # the run's parcels: the twin merchant's, from this run's first to its last (no IN list of
    # 100,000 ids)
    mine = {
        "merchant": net.merchant,
        "pk__gte": min(pks, default=0),
        "pk__lte": max(pks, default=0),
    }
    info = {
        pk: (country, level, grams, received, hub)
        for pk, country, level, grams, received, hub in Parcel.objects.filter(**mine).values_list(
            "pk",
            "recipient_country",
            "service_level__code",
            "declared_weight_g",
            "received_at",
            "hub__code",
        )
    }
    times: dict[int, dict[str, Any]] = defaultdict(dict)
    sources = (SOURCE, Source.FLIGHT, Source.CUSTOMS, Source.HUB)
    for pk, source, code, at, details in TrackingEvent.objects.filter(
        parcel_id__gte=mine["pk__gte"],
        parcel_id__lte=mine["pk__lte"],
        source__in=sources,
        parcel__merchant=net.merchant,
    ).values_list("parcel_id", "source", "code", "occurred_at", "details"):
        step = (details or {}).get("step") or code
        if source == Source.HUB:  # the hub's own steps: its "bagged" is the sort's time
            if step != Parcel.State.BAGGED:
                continue
            step = "sorted"
        times[pk][step] = (net_hours(net, at), details or {})
    cols: dict[str, list[Any]] = defaultdict(list)
    # the flights' columns exist for the parcels that flew only: kept apart, so that a parcel
    # that never flew (the drain limit reached) does not shift them against the others
    flown: dict[str, list[Any]] = defaultdict(list)
    belly = net.flying.belly
    for pk in pks:
        country, level, grams, received, hub = info[pk]
        t = times[pk]
        ci, si = P.COUNTRIES.index(country), P.SERVICES.index(level)
        order_t = t["ordered"][0]
        day = int(order_t // 24)
        deadline = sim.deadline_of(order_t, ci, si)
        row = {
            "day": day, "country": ci, "service": si, "hub": P.HUBS.index(hub),
            "kg": grams / 1000.0, "order_t": order_t,
            "handover_t": t.get("handed_over", (math.inf,))[0],
            "received_t": net_hours(net, received) if received else math.inf,
            "sorted_t": t.get("sorted", (math.inf,))[0],
            "built_t": t.get("built", (math.inf,))[0], "deadline_t": deadline,
            "due_t": deadline - sim.p.downstream_allowance_h,
        }  # fmt: skip
        # flew as the model counts it: with its customs' event too (a parcel whose bag flew
        # with another consignment, its own never flying before the drain ended, has a
        # flight's EMC and nothing after it: stranded, as the model has it)
        flew = "EMC" in t and ("EDC" in t or "refused" in t)
        row["flew"] = flew
        for k, v in row.items():
            cols[k].append(v)
        if flew:
            customs = t["EDC"] if "EDC" in t else t["refused"]
            refused = "refused" in t
            end = next(t[k][0] for k in ("EMI", "returned", "lost", "refused") if k in t)
            flight = {
                "depart": t["EMC"][0], "arrive": t["EMD"][0],
                "cleared": customs[1]["cleared_at"], "released": customs[0], "end": end,
                "held": customs[1]["held"], "refused": refused, "lost": "lost" in t,
                "returned": "returned" in t, "failed": "EMH" in t,
                # the model's event says; a flight's, whether it was belly space
                "belly": t["EMC"][1].get(
                    "belly", (t["EMC"][1].get("flight"), t["EMC"][1].get("date")) in belly
                ),
            }  # fmt: skip
            for k, v in flight.items():
                flown[k].append(v)
    a = {k: np.asarray(v) for k, v in cols.items()}
    b = {k: np.asarray(v) for k, v in flown.items()}  # in the order of a's rows where f
    for day in np.unique(a["day"]):
        pick = a["day"] == day
        c.ordered(int(day), a["country"][pick], a["service"][pick], a["kg"][pick])
    f, s = a["flew"].astype(bool), ~a["flew"].astype(bool)
    tf = {n: a[n][f].astype(np.float64) for n in TIME_FIELDS}
    if f.any():
        c.departed(
            day=a["day"][f], country=a["country"][f], service=a["service"][f], hub=a["hub"][f],
            kg=a["kg"][f],
            times=tf, depart=b["depart"].astype(float), arrive=b["arrive"].astype(float),
            cleared=b["cleared"].astype(float), released=b["released"].astype(float),
            end=b["end"].astype(float), held=b["held"].astype(bool),
            refused=b["refused"].astype(bool), lost=b["lost"].astype(bool),
            returned=(b["returned"] & ~b["refused"] & ~b["lost"]).astype(bool),
            failed=(b["failed"] & ~b["refused"] & ~b["lost"]).astype(bool),
            belly=b["belly"].astype(bool), grace_h=24.0 * sim.p.protection_grace_days,
        )  # fmt: skip
    if s.any():
        ts = {n: a[n][s].astype(np.float64) for n in TIME_FIELDS}
        c.stranded(
            a["day"][s], a["country"][s], a["service"][s], a["hub"][s], ts,
            until_h=24.0 * sim.day, grace_h=24.0 * sim.p.protection_grace_days,
        )  # fmt: skip
    c.close(sim.counters.end_day)
    return c


def net_hours(net: RealNetwork, at: dt.datetime) -> float:
    return (at - net.start).total_seconds() / 3600.0


def record_run(
    *, mode: str, run: Run, sim: Simulation, counters: Counters, started: dt.datetime,
    meta: dict[str, Any] | None = None,
) -> SimulationRun:  # fmt: skip
    """Keep a finished run's KPIs (report.tables over its window) for the network dashboard."""
    days = range(*sim.window)
    dates = [(sim.start + dt.timedelta(days=k)).date().isoformat() for k in range(counters.days)]
    kept = report.tables(counters, days, dates, float(run.params.order_value_usd))
    return SimulationRun.objects.create(
        mode=mode,
        seed=run.seed,
        days=run.days,
        parcels_per_day=run.parcels_per_day,
        from_date=dt.date.fromisoformat(dates[days.start]),
        started=started,
        finished=timezone.now(),
        meta=meta or {},
        summary=kept["summary"],
        final_status=kept["final_status"],
        lanes=kept["lanes"],
        parcel_rows=dashboard.pack(kept["parcels"]),
        flight_rows=dashboard.pack(kept["flights"]),
        waiting_rows=dashboard.pack(kept["waiting"]),
        hub_rows=dashboard.pack(kept["hubs"]),
        charts=kept["charts"],
    )
