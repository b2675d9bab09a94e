"""The network twin in fast mode: a day-stepped simulation of every parcel, in numpy arrays.

Each simulated day (a planning cycle at 00:00 UTC):

1. orders of the day are drawn per country (demand.py), each parcel with its service level,
   category, weight, volume, the promise's latest day (network/promise.py), the origin hub its
   merchant hands it over at (its country's origin airport's own hub or a feeder hub, which
   trucks its pallets to the airport: params.Params.feeder_share) and its hand-over time;
2. each origin hub serves, first come first served, what reached it: receive, sort into bags and
   build ULDs, each stage limited per hour; what is not served waits for the next hour or day;
3. parcels are grouped into consignments as they are sorted (one hub, lane and service, one sort
   wave, split by volume: the hub closes a consignment's bags after its last parcel, so a bag
   belongs to one consignment and flies with it); a consignment whose last parcel is built goes
   to the flight planner (planning/solver.py), which plans the consignments waiting against the
   charters and belly space departing in the next 48 hours; the first 24 hours of the plan are
   carried out: a cancelled leg sends its consignments back to wait, a delayed one lands late;
4. parcels that fly get the rest of their life drawn at once (customs clearance and holds, last
   mile, failed attempts, loss) and are folded into the KPI counters (kpis.py), then dropped, so
   memory holds only what is still at the origin.

The run starts `warmup_days` before the reported window (hubs and flights start loaded) and goes on
after it, without new orders, until every parcel has flown. Every random draw comes from streams
of one numpy SeedSequence, drawn in a fixed order, so a seed gives the same run.

The model talks to the network only through `Network` (a small protocol below): fast mode is
`FastNetwork`, the planner in process; a "real services" mode would implement the same calls on
Django services (docs/twin.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from caravana.network.promise import window
from caravana.planning.problem import BellyOffer, Consignment, Flight, Problem, due_for_planning
from caravana.planning.solver import cut_by_clock, solve

from . import demand
from . import params as P
from .kpis import CAPACITY_STAGES, LEG_KINDS, Counters

F = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

INF = np.float32(np.inf)
HUBS = P.HUBS
N_C, N_S, N_H = len(P.COUNTRIES), len(P.SERVICES), len(HUBS)
# pool fields: float32 times in hours from the run's start, small ints for categories
TIME_FIELDS = ("order_t", "handover_t", "received_t", "sorted_t", "built_t", "deadline_t", "due_t")
INT_FIELDS = {
    "pid": np.int64,
    "day": np.int16,
    "country": np.int8,
    "service": np.int8,
    "category": np.int8,
    "hub": np.int8,  # index in HUBS
    "batch": np.int32,
}
SIZE_FIELDS = ("kg", "m3")


@dataclass
class Leg:
    """A charter or belly offer of the run, with its fate drawn in advance (unknown to the plan)."""

    id: str
    lane: int  # index in the run's lanes (params.lanes)
    origin: str
    destination: str  # the lane's gateway
    kind: str  # committed | optional | belly
    departs: float  # scheduled, hours from the run's start
    arrives: float
    kg: float
    m3: float
    cost_usd: float  # fixed trip cost of a charter
    price_per_kg: float  # belly
    cancelled: bool
    delay: float


@dataclass
class Batches:
    """Consignments handed to the planner: columns, grown each day; `alive` until flown."""

    country: list[int] = field(default_factory=list)
    service: list[int] = field(default_factory=list)
    lane: list[int] = field(default_factory=list)
    hub: list[int] = field(default_factory=list)
    kg: list[float] = field(default_factory=list)
    m3: list[float] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)
    due: list[float] = field(default_factory=list)
    parcels: list[int] = field(default_factory=list)
    unbuilt: list[int] = field(default_factory=list)  # its parcels not built yet
    last_built: list[float] = field(default_factory=list)
    alive: list[bool] = field(default_factory=list)


class Network(Protocol):
    """What the model tells the network and asks of it; fast mode (`FastNetwork`) only plans.

    A parcel is named by its `pid` (a serial over the run). A "real services" mode implements the
    same calls on the Django services (docs/twin.md): each call writes what a live site would
    write at the simulated time, so the model, its draws and its KPIs stay the same.
    """

    #: Planning cycles whose fast-path search the planner's clock cut short (0: the seed repeats
    #: the run; the exact path, a time-limited MIP, is not counted: the twin plans by the fast).
    cut_by_clock: int

    def ordered(self, at: float, parcels: dict[str, Any]) -> None:
        """The day's orders (pool columns: pid, country, service, kg, m3, order_t, ...)."""

    def served(self, stage: str, pids: I64, at: F, consignments: I64 | None = None) -> None:
        """Parcels through a hub stage (receive, sort, build) at these run hours, in the order
        the hub scans them; for the sort, each parcel's consignment (contiguous in that order
        within a lane and service: the hub closes a consignment's bags after its last parcel)."""

    def plan(self, problem: Problem, at: float) -> dict[str, str | None]:
        """Consignment id → leg id (or None: waits) for the legs of the planning horizon,
        planned at run hour `at` (the cycle's start)."""

    def flown(self, leg: Leg, consignments: list[int], pids: I64) -> None:
        """A leg of the day with the consignments planned on it (if cancelled, they wait) and
        their parcels."""

    def downstream(self, pids: I64, events: dict[str, F]) -> None:
        """The flown parcels' arrival, customs, last-mile and outcome times, drawn at take-off."""


class FastNetwork:
    """The pure planner, in process (fast mode); the other calls have nothing to write."""

    def __init__(self, params: P.Params) -> None:
        self.params = params
        self.cut_by_clock = 0  # planning cycles whose search the clock cut: 0, a repeatable run

    def ordered(self, at: float, parcels: dict[str, Any]) -> None:
        pass

    def served(self, stage: str, pids: I64, at: F, consignments: I64 | None = None) -> None:
        pass

    def plan(self, problem: Problem, at: float) -> dict[str, str | None]:
        plan = solve(problem, self.params.planner_seconds, self.params.planner_method)
        self.cut_by_clock += cut_by_clock(plan.kpis)
        return plan.assignments

    def flown(self, leg: Leg, consignments: list[int], pids: I64) -> None:
        pass

    def downstream(self, pids: I64, events: dict[str, F]) -> None:
        pass


@dataclass
class Run:
    """What a run was asked to do; the results live in `counters`."""

    days: int
    parcels_per_day: int
    seed: int
    from_date: dt.date
    params: P.Params = P.DEFAULT

    def refusal(self) -> tuple[str, str] | None:
        """(field, why) when the run cannot be made as asked, before anything is written."""
        if not 1 <= self.days <= P.MAX_DAYS:
            return "days", f"must be 1 to {P.MAX_DAYS}"
        if not 1 <= self.parcels_per_day <= P.MAX_PARCELS_PER_DAY:
            return "parcels-per-day", f"must be 1 to {P.MAX_PARCELS_PER_DAY:,}"
        if not 0 <= self.seed <= P.MAX_SEED:
            return "seed", f"must be 0 to {P.MAX_SEED:,}"
        if not 0 <= self.params.warmup_days <= P.MAX_DAYS:
            return "warmup-days", f"must be 0 to {P.MAX_DAYS}"
        years = P.CALENDAR_YEARS
        ok = self.from_date.year in years  # then a year either side is a valid date
        if ok:
            first = self.from_date - dt.timedelta(days=self.params.warmup_days)
            last = self.from_date + dt.timedelta(days=self.days - 1)
            ok = first.year in years and last.year in years
        if not ok:
            return "from-date", (
                f"the run's order days (warm-up included) must fall in {years.start}–"
                f"{years.stop - 1}, the years the twin's calendar knows (params.CHINESE_NEW_YEAR)"
            )
        return None


def _expected_parcel_m3(params: P.Params) -> float:
    """Mean parcel volume, by a fixed sample (the same for every seed, so the schedule is too)."""
    rng = np.random.default_rng(0)
    kg = _weights(rng, 100_000, rng.choice(len(P.CATEGORIES), 100_000, p=P.CATEGORY_SHARE))
    return float(np.mean(kg / rng.uniform(*P.DENSITY_KG_M3, 100_000)))


def _weights(rng: np.random.Generator, n: int, category: I64) -> F:
    factor = np.asarray(P.CATEGORY_WEIGHT)[category]
    kg = rng.lognormal(math.log(P.WEIGHT_MEDIAN_KG), P.WEIGHT_SIGMA, n) * factor
    clipped: F = np.clip(kg, P.WEIGHT_MIN_KG, P.WEIGHT_MAX_KG)
    return clipped


class Simulation:
    """One run of the twin; `run()` steps it day by day (`step()`), `counters` holds the KPIs."""

    def __init__(self, run: Run, network: Network | None = None) -> None:
        if run.days < 1 or run.parcels_per_day < 1:
            raise ValueError("days and parcels_per_day must be at least 1")
        self.run = run
        self.p = run.params
        self.network = network or FastNetwork(self.p)
        self.start = dt.datetime.combine(
            run.from_date - dt.timedelta(days=self.p.warmup_days), dt.time(), dt.UTC
        )
        self.window = (self.p.warmup_days, self.p.warmup_days + run.days)  # day indices
        self.last_day = self.window[1] + self.p.max_drain_days  # exclusive
        streams = np.random.SeedSequence(run.seed).spawn(4)
        self.rng_demand, self.rng_flights, self.rng_down, self.rng_hub = (
            np.random.default_rng(s) for s in streams
        )
        shares = np.array([P.COUNTRY_WEIGHT[c] for c in P.COUNTRIES])
        self.country_share = shares / shares.sum()
        self.lanes = self.p.lanes()
        self.parcel_m3 = _expected_parcel_m3(self.p)
        self.pool: dict[str, Any] = {
            **{f: np.empty(0, np.float32) for f in TIME_FIELDS + SIZE_FIELDS},
            **{f: np.empty(0, dtype) for f, dtype in INT_FIELDS.items()},
        }
        self.open: list[int] = []  # batches not flown yet
        self.building: set[int] = set()  # batches with parcels built and others not yet
        self.finished = False  # finish() has counted what never flew
        self.batches = Batches()
        self.legs = self._schedule()
        self.hub_share = np.array(self.p.hub_shares())  # country × hub
        # the bounds a uniform draw is placed against (_orders): a country's last hub with a
        # share takes every draw from its lower bound up, whatever the shares' rounding
        cum = np.cumsum(self.hub_share, axis=1)
        cum[cum >= cum[:, -1:] - 1e-9] = np.inf
        self.hub_bounds = cum
        self.truck_h = np.array(self.p.truck_hours())
        self.capacity = self._hub_capacity()
        self.counters = Counters(self.last_day + 2, N_C, N_S, self.lanes)
        self.counters.hub_capacity = np.array([self.capacity[s] for s in CAPACITY_STAGES])
        self.lane_of = self.counters.lane_of  # each (country, service level)'s lane
        self.created = 0
        self.day = 0

    @property
    def network(self) -> Network:
        return self._network

    @network.setter
    def network(self, network: Network) -> None:
        """Given at construction or set after (the commands make the real network once the
        run's start is known); either way it must run on the run's parameters: its lanes and
        the model's are then one routing."""
        if getattr(network, "params", self.p) != self.p:
            raise ValueError("the network runs on other parameters than the run's")
        self._network = network

    # --- schedule and capacity ----------------------------------------------------------------

    def _schedule(self) -> list[Leg]:
        """Charters and belly offers for the whole run, with cancellations and delays drawn."""
        p, rng = self.p, self.rng_flights
        legs: list[Leg] = []
        hours = self.last_day * 24.0
        for li, lane in enumerate(self.lanes):
            origin, dest, block, trip = lane.origin, lane.gateway, lane.block_h, lane.trip_usd
            share = self.country_share[P.COUNTRIES.index(lane.country)] * lane.service_share
            weekly_m3 = 7 * self.run.parcels_per_day * share * self.parcel_m3
            # a lane that fills less than half a charter a week flies belly (and optional charters)
            count = round(p.committed_share * weekly_m3 / p.charter_volume_m3)
            t, n = (p.charter_hour_utc if count else hours), 0
            while t < hours:
                n += 1
                legs.append(
                    self._leg(
                        f"CMT-{origin}{dest}-{n:03d}",
                        li,
                        "committed",
                        t,
                        block,
                        p.charter_payload_kg,
                        p.charter_volume_m3,
                        trip,
                        0.0,
                    )
                )
                # the n-th departure's share of the week, by one division: summed, the steps
                # drifted (up to 2e-11 h) and could put a departure a hair off its midnight
                t = p.charter_hour_utc + 168.0 * n / count
            for d in range(self.last_day):
                t = d * 24.0 + (p.charter_hour_utc + 12.0) % 24.0
                legs.append(
                    self._leg(
                        f"OPT-{origin}{dest}-{d:03d}",
                        li,
                        "optional",
                        t,
                        block,
                        p.charter_payload_kg,
                        p.charter_volume_m3,
                        trip * (1 + p.optional_premium),
                        0.0,
                    )
                )
                for k in range(p.belly_per_day):
                    t = d * 24.0 + 5.0 + 24.0 * k / p.belly_per_day + rng.uniform(-1.5, 1.5)
                    legs.append(
                        self._leg(
                            f"BLY-{origin}{dest}-{d:03d}{'abcdef'[k % 6]}",
                            li,
                            "belly",
                            t,
                            rng.uniform(*p.belly_hours),
                            round(rng.uniform(*p.belly_kg), -2),
                            round(rng.uniform(*p.belly_m3)),
                            0.0,
                            round(rng.uniform(*p.belly_price), 2),
                        )
                    )
        legs.sort(key=lambda leg: (leg.departs, leg.id))
        return legs

    def _leg(
        self,
        ident: str,
        li: int,
        kind: str,
        departs: float,
        block: float,
        kg: float,
        m3: float,
        cost: float,
        price: float,
    ) -> Leg:
        p, rng = self.p, self.rng_flights
        cancelled = bool(rng.random() < p.cancel_rate)
        late = rng.random() >= p.on_time_share
        delay = float(rng.lognormal(math.log(p.delay_median_h), p.delay_sigma)) if late else 0.0
        lane = self.lanes[li]
        return Leg(
            ident,
            li,
            lane.origin,
            lane.gateway,
            kind,
            departs,
            departs + block,
            kg,
            m3,
            round(cost, -3),
            price,
            cancelled,
            delay,
        )

    def _hub_capacity(self) -> dict[str, F]:
        """Parcels an hour per hub and stage: the hub's mean inflow times the stage's headroom."""
        inflow = self.country_share @ self.hub_share * self.run.parcels_per_day / 24.0
        return {
            "receive": np.ceil(inflow * self.p.receive_headroom),
            "sort": np.ceil(inflow * self.p.sort_headroom),
            "build": np.ceil(inflow * self.p.build_headroom),
        }

    # --- the day's steps ----------------------------------------------------------------------

    def _hours(self, moment: dt.datetime) -> float:
        return (moment - self.start).total_seconds() / 3600.0

    def _deadline_on(self, local_day: dt.date, country: int, service: int) -> float:
        """End of the promise's latest day (buyer's time zone), in run hours, for an order the
        buyer placed on `local_day`, their own date (network.promise.window, as checkout
        promises it)."""
        tz = ZoneInfo(P.TIME_ZONES[P.COUNTRIES[country]])
        lo, hi = P.SERVICE_DAYS[service]
        at = dt.datetime.combine(local_day, dt.time(12), tz)
        latest = window(at, tz, lo, hi, P.PROMISE_HANDLING_DAYS).latest
        end = dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(), tz)
        return self._hours(end.astimezone(dt.UTC))

    def deadline_of(self, order_t: float, country: int, service: int) -> float:
        """The deadline of one order placed at run hour `order_t`, from its local date."""
        tz = ZoneInfo(P.TIME_ZONES[P.COUNTRIES[country]])
        local_day = (self.start + dt.timedelta(hours=order_t)).astimezone(tz).date()
        return self._deadline_on(local_day, country, service)

    def _deadline_table(
        self, k: int, order_t: F, country: npt.NDArray[Any], service: npt.NDArray[Any]
    ) -> F:
        """Each of day `k`'s orders' deadlines, from the buyer's local date: an order placed in
        the first hours of the UTC day, before the buyer's midnight (up to 6 h in Mexico), is
        of the day before there, and its promise a day earlier. Until 2026-12-07 every order
        took its UTC day's promise: a day's grace for those orders (the 7-day report of seed 1
        at 1 M a day: premium on time 78.8 % then, 77.6 % now; refunds for lateness 109 k then,
        116 k now). The offset is read at the UTC day's noon, exact but for the hour a clock
        changes."""
        date = (self.start + dt.timedelta(days=k)).date()
        noon = dt.datetime.combine(date, dt.time(12), dt.UTC)
        offset_h = np.array(
            [
                noon.astimezone(ZoneInfo(P.TIME_ZONES[c])).utcoffset().total_seconds() / 3600.0  # type: ignore[union-attr]
                for c in P.COUNTRIES
            ]
        )
        days = (date - dt.timedelta(days=1), date)
        table = np.array(
            [
                [[self._deadline_on(d, ci, si) for si in range(N_S)] for ci in range(N_C)]
                for d in days
            ]
        )
        before_midnight = order_t - k * 24.0 + offset_h[country] < 0.0
        deadlines: F = table[np.where(before_midnight, 0, 1), country, service]
        return deadlines

    def _orders(self, k: int) -> None:
        rng, p = self.rng_demand, self.p
        date = (self.start + dt.timedelta(days=k)).date()
        counts = [
            int(
                round(
                    self.run.parcels_per_day
                    * self.country_share[ci]
                    * demand.factor(date, c)
                    * max(0.0, rng.normal(1.0, P.DAILY_NOISE_SD))
                )
            )
            for ci, c in enumerate(P.COUNTRIES)
        ]
        n = sum(counts)
        if n == 0:
            return
        country = np.repeat(np.arange(N_C), counts)
        service = rng.choice(N_S, n, p=P.SERVICE_SHARE)
        category = rng.choice(len(P.CATEGORIES), n, p=P.CATEGORY_SHARE)
        kg = _weights(rng, n, category)
        m3 = kg / rng.uniform(*P.DENSITY_KG_M3, n)
        order_t = k * 24.0 + rng.uniform(0.0, 24.0, n)
        handover = np.minimum(
            rng.lognormal(math.log(p.handover_median_h), p.handover_sigma, n), p.handover_max_h
        )
        deadline = self._deadline_table(k, order_t, country, service)
        # the hub it is handed over at: its own stream, so the orders' other draws stay as they
        # were (what happens to them after may not: the downstream stream draws in pool order)
        hub = (self.rng_hub.random(n)[:, None] >= self.hub_bounds[country]).sum(axis=1)
        new = {
            "order_t": order_t,
            "handover_t": order_t + handover,
            "received_t": np.full(n, np.inf),
            "sorted_t": np.full(n, np.inf),
            "built_t": np.full(n, np.inf),
            "deadline_t": deadline,
            "due_t": deadline - p.downstream_allowance_h,
            "kg": kg,
            "m3": m3,
            "pid": np.arange(self.created, self.created + n),
            "day": np.full(n, k),
            "country": country,
            "service": service,
            "category": category,
            "hub": hub,
            "batch": np.full(n, -1),
        }
        for name, values in new.items():
            self.pool[name] = np.concatenate(
                [self.pool[name], values.astype(self.pool[name].dtype)]
            )
        self.counters.ordered(k, country, service, kg)
        self.network.ordered(k * 24.0, new)
        self.created += n

    def _serve(self, stage: str, entry: str, leave: str, t0: float) -> None:
        """One hub stage for the day: FIFO, limited per hour; the unserved wait (exit = inf)."""
        pool, cap = self.pool, self.capacity[stage]
        least = {
            "receive": self.p.receive_min_h,
            "sort": self.p.sort_min_h,
            "build": self.p.build_min_h,
        }[stage]
        t_end = t0 + 24.0
        hub = pool["hub"]
        waiting = np.isinf(pool[leave]) & (pool[entry] < t_end)
        # every hub's parcels go to the network in one call, so real mode runs the hubs' work
        # side by side (one task each) instead of one hub after another
        done: list[np.ndarray] = []
        for h in range(len(HUBS)):
            idx = np.nonzero(waiting & (hub == h))[0]
            if idx.size == 0:
                continue
            idx = idx[np.argsort(pool[entry][idx], kind="stable")]
            enter = pool[entry][idx].astype(np.float64)
            bucket = np.clip(np.floor(enter - t0), 0, 23).astype(np.int64)
            arrivals = np.bincount(bucket, minlength=24)
            served = np.zeros(24, np.int64)
            queue, limit = 0, int(cap[h])
            for hour in range(24):
                served[hour] = min(queue + arrivals[hour], limit)
                queue += arrivals[hour] - served[hour]
            total = int(served.sum())
            if total == 0:
                continue
            cum = np.cumsum(served)
            rank = np.arange(total)
            hour_of = np.searchsorted(cum, rank, side="right")
            first = cum[hour_of] - served[hour_of]
            t = t0 + hour_of + (rank - first + 0.5) / served[hour_of]
            pool[leave][idx[:total]] = np.maximum(t, enter[:total] + least)
            done.append(idx[:total])
        if not done:
            return
        served_idx = np.concatenate(done)
        consignments = self._consign(served_idx) if stage == "sort" else None
        self.network.served(stage, pool["pid"][served_idx], pool[leave][served_idx], consignments)
        if stage == "build":
            self._built(served_idx)

    def _consign(self, idx: I64) -> I64:
        """Group the parcels just sorted (`idx`, in the hubs' scan order) into consignments: hub,
        lane, service, sort wave, split by volume in scan order. Returns each one's consignment id.

        Grouped at the sort, not the build, because that is where a hub bags them: each
        consignment's parcels are contiguous in its lane and service's scans, so the hub can close
        its bags after its last one and no bag mixes consignments (it would fly with the first of
        them, and its other parcels earlier than the plan said)."""
        pool, p = self.pool, self.p
        at = pool["sorted_t"][idx].astype(np.float64)
        wave = np.floor(at / p.wave_hours).astype(np.int64)
        hub = pool["hub"][idx].astype(np.int64)
        group = ((wave * N_H + hub) * N_C + pool["country"][idx]) * N_S + pool["service"][idx]
        order = np.argsort(group, kind="stable")  # scan order kept within a group
        ids, group = idx[order], group[order]
        m3 = pool["m3"][ids].astype(np.float64)
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        cum = np.cumsum(m3)
        base = np.repeat(cum[starts] - m3[starts], np.diff(np.r_[starts, ids.size]))
        chunk = np.floor((cum - base - 1e-12) / p.consignment_m3).astype(np.int64)
        key_change = np.r_[True, (group[1:] != group[:-1]) | (chunk[1:] != chunk[:-1])]
        bstart = np.flatnonzero(key_change)
        first_id = len(self.batches.kg)
        pool["batch"][ids] = np.cumsum(key_change) - 1 + first_id
        b = self.batches
        sizes = np.diff(np.r_[bstart, ids.size])
        b.country += pool["country"][ids][bstart].tolist()
        b.service += pool["service"][ids][bstart].tolist()
        b.lane += self.lane_of[pool["country"][ids][bstart], pool["service"][ids][bstart]].tolist()
        b.hub += pool["hub"][ids][bstart].tolist()
        b.kg += np.add.reduceat(pool["kg"][ids].astype(np.float64), bstart).tolist()
        b.m3 += np.add.reduceat(m3, bstart).tolist()
        b.ready += [math.inf] * len(bstart)  # known once its last parcel is built (_built)
        b.due += np.minimum.reduceat(pool["due_t"][ids].astype(np.float64), bstart).tolist()
        b.parcels += sizes.tolist()
        b.unbuilt += sizes.tolist()
        b.last_built += [-math.inf] * len(bstart)
        b.alive += [True] * len(bstart)
        out: I64 = pool["batch"][idx].astype(np.int64)
        return out

    def _built(self, idx: I64) -> None:
        """The parcels just built (`idx`): a consignment whose last parcel is among them is ready
        a cut-off after that parcel's build (and its truck's hours, from a feeder hub), and goes
        to the planner."""
        pool, b = self.pool, self.batches
        ids, inv = np.unique(pool["batch"][idx], return_inverse=True)
        last = np.full(ids.size, -np.inf)
        np.maximum.at(last, inv, pool["built_t"][idx].astype(np.float64))
        for i, n, t in zip(ids.tolist(), np.bincount(inv).tolist(), last.tolist(), strict=True):
            b.unbuilt[i] -= n
            b.last_built[i] = max(b.last_built[i], t)
            if b.unbuilt[i] == 0:
                b.ready[i] = b.last_built[i] + self.truck_h[b.hub[i]] + self.p.cutoff_h
                b.due[i] = max(b.due[i], b.ready[i])
                self.open.append(i)
                self.building.discard(i)
            else:
                self.building.add(i)

    def _built_by(self, t: float) -> I64:
        """Parcels at the origin built by run hour `t`, per consignment."""
        pool = self.pool
        done = (pool["built_t"] <= t) & (pool["batch"] >= 0)
        return np.bincount(pool["batch"][done], minlength=len(self.batches.parcels))

    def _moment(self, hours: float) -> dt.datetime:
        return self.start + dt.timedelta(hours=hours)

    def _problem(self, t0: float, legs: list[Leg], alive: list[int]) -> Problem:
        b = self.batches
        cons = []
        for i in alive:
            lane = self.lanes[b.lane[i]]
            # lateness already incurred is sunk (the planner's rule, as the site's plans apply it)
            due = due_for_planning(b.due[i], b.ready[i], t0)
            cons.append(
                Consignment(
                    str(i),
                    lane.origin,
                    lane.gateway,
                    P.SERVICES[b.service[i]],
                    b.kg[i],
                    b.m3[i],
                    self._moment(b.ready[i]),
                    self._moment(due),
                )
            )
        flights, belly = [], []
        for leg in legs:
            origin, dest = leg.origin, leg.destination
            dep, arr = self._moment(leg.departs), self._moment(leg.arrives)
            if leg.kind == "belly":
                belly.append(
                    BellyOffer(leg.id, origin, dest, dep, arr, leg.kg, leg.m3, leg.price_per_kg)
                )
            else:
                flights.append(
                    Flight(
                        leg.id,
                        origin,
                        dest,
                        dep,
                        arr,
                        leg.kg,
                        leg.m3,
                        self.p.charter_positions,
                        leg.cost_usd,
                        optional=leg.kind == "optional",
                    )
                )
        return Problem(tuple(cons), tuple(flights), tuple(belly), self.p.penalties)

    def _fly(self, t0: float) -> None:
        """Plan the horizon, carry out the first day, and send off what flew."""
        p, b, k = self.p, self.batches, self.day
        t_end = t0 + 24.0
        horizon = [leg for leg in self.legs if t0 <= leg.departs < t0 + p.horizon_h]
        today = [leg for leg in horizon if leg.departs < t_end]
        alive = self.open
        assignments = self.network.plan(self._problem(t0, horizon, alive), t0) if alive else {}
        loads: dict[str, list[int]] = {leg.id: [] for leg in today}
        later = set()
        for cid, leg_id in assignments.items():
            if leg_id in loads:
                loads[leg_id].append(int(cid))
            elif leg_id is not None:
                later.add(int(cid))
        flown_batch: dict[int, Leg] = {}
        # each leg's cost, kg and m3, shared out among the parcels it carried (_carried)
        carried: dict[str, tuple[float, float, float]] = {}
        # the day's planned parcels, found once in the pool (then per leg among them only)
        planned = np.isin(self.pool["batch"], [i for ids in loads.values() for i in ids])
        day_pid, day_batch = self.pool["pid"][planned], self.pool["batch"][planned]
        bumped: set[int] = set()  # consignments whose flight of today was cancelled
        for leg in today:
            ids = loads[leg.id]
            self.network.flown(leg, ids, day_pid[np.isin(day_batch, ids)])
            if leg.cancelled:
                bumped.update(ids)
            else:
                for i in ids:
                    flown_batch[i] = leg
                    b.alive[i] = False
            kg = sum(b.kg[i] for i in ids)
            m3 = sum(b.m3[i] for i in ids)
            carried[leg.id] = (self._leg_cost(leg, ids), kg, m3)
            self.counters.leg(
                k,
                leg.lane,
                leg.kind,
                kg,
                m3,
                leg.kg,
                leg.m3,
                leg.cancelled,
                leg.delay,
                carried[leg.id][0],
                bool(ids),
            )
        # why the parcels awaiting a flight at the next 00:00 (kpis "awaiting_flight": built,
        # not departed) wait, as the cycle leaves them: a partition of them. Only parcels built
        # by then count (a consignment's last ones may still be in the build, counted there),
        # and a flight of the day that leaves after midnight still holds its parcels; "flight
        # cancelled" on the day its flight was (it once stayed the reason every day after)
        built = self._built_by(t_end)
        for i in alive:
            if i in flown_batch:  # at every midnight its flight's delay reaches past
                leaves, day = flown_batch[i].departs + flown_batch[i].delay, k + 1
                while 24.0 * day <= leaves:  # leaving at 00:00 sharp, it waits then (kpis)
                    self.counters.waiting(day, b.lane[i], "flight delayed past midnight",
                                          int(built[i]))  # fmt: skip
                    day += 1
                continue
            if i in bumped:
                reason = "flight cancelled"
            elif b.ready[i] > t_end:
                reason = "ready after today's flights"
            elif i in later:
                reason = "planned on a later flight"
            else:
                reason = "no room worth buying in 48 h"
            self.counters.waiting(k + 1, b.lane[i], reason, int(built[i]))
        # built parcels whose consignment is not: it is ready (a cut-off after its last build)
        # after today's flights at the earliest
        for i in sorted(self.building):
            self.counters.waiting(k + 1, b.lane[i], "ready after today's flights", int(built[i]))
        self.open = [i for i in alive if i not in flown_batch]
        if flown_batch:
            self._depart(flown_batch, carried)

    def _leg_cost(self, leg: Leg, ids: list[int]) -> float:
        if leg.cancelled:
            return 0.0  # assumption: a cancelled flight is not paid
        if leg.kind == "committed":
            return leg.cost_usd
        if leg.kind == "optional":
            return leg.cost_usd if ids else 0.0
        b = self.batches
        chargeable = sum(max(b.kg[i], b.m3[i] * 166.67) for i in ids)
        return chargeable * leg.price_per_kg

    def _depart(
        self, flown: dict[int, Leg], carried: dict[str, tuple[float, float, float]]
    ) -> None:
        """Draw the rest of the flown parcels' lives, count them, and drop them from the pool.
        `carried`: each leg's cost, kg and m3, shared among the parcels it carried (their
        flights' figures by order day: kpis.Counters.carried)."""
        pool, p, rng = self.pool, self.p, self.rng_down
        ids = np.fromiter(flown, np.int64)
        leg_dep = np.array([flown[i].departs + flown[i].delay for i in flown])
        leg_arr = np.array([flown[i].arrives + flown[i].delay for i in flown])
        leg_belly = np.array([flown[i].kind == "belly" for i in flown])
        lookup = np.full(len(self.batches.kg), -1, np.int64)
        lookup[ids] = np.arange(ids.size)
        batch = pool["batch"]
        which = lookup[np.where(batch >= 0, batch, 0)]
        mask = (batch >= 0) & (which >= 0)
        sel = np.nonzero(mask)[0]
        j = which[sel]
        country = pool["country"][sel]
        n = sel.size
        depart, arrive = leg_dep[j], leg_arr[j]
        med, sig, hold, refuse = (
            np.array([p.customs[c][i] for c in P.COUNTRIES]) for i in range(4)
        )
        cleared = arrive + rng.lognormal(np.log(med[country]), sig[country])
        held = rng.random(n) < hold[country]
        refused = held & (rng.random(n) < refuse[country])
        hold_h = np.where(held, rng.lognormal(math.log(p.hold_median_h), p.hold_sigma, n), 0.0)
        released = cleared + hold_h
        zone = rng.choice(3, n, p=p.zone_share)
        lo = np.array([z[0] for z in p.zone_hours])[zone]
        hi = np.array([z[1] for z in p.zone_hours])[zone]
        fail1 = rng.random(n) < p.failed_attempt
        fail2 = fail1 & (rng.random(n) < p.second_fail)
        lost = ~refused & (rng.random(n) < p.lost_rate)
        end = released + rng.uniform(lo, hi) + fail1 * p.redelivery_h
        end = np.where(refused, released, end)
        times = {f: pool[f][sel].astype(np.float64) for f in TIME_FIELDS}
        self.counters.departed(
            day=pool["day"][sel],
            country=country,
            service=pool["service"][sel],
            hub=pool["hub"][sel],
            kg=pool["kg"][sel].astype(np.float64),
            times=times,
            depart=depart,
            arrive=arrive,
            cleared=cleared,
            released=released,
            end=end,
            held=held,
            refused=refused,
            lost=lost,
            returned=fail2 & ~refused & ~lost,
            failed=fail1 & ~refused & ~lost,
            belly=leg_belly[j],
            grace_h=24.0 * p.protection_grace_days,
        )
        events = {
            "depart": depart,
            "arrive": arrive,
            "cleared": cleared,
            "released": released,
            "end": end,
            "held": held,
            "refused": refused,
            "lost": lost,
            "failed": fail1,
            "returned": fail2,
            "belly": leg_belly[j],
        }
        self._carried(flown, carried, sel, j)
        self.network.downstream(pool["pid"][sel], events)
        keep = ~mask
        for name in self.pool:
            self.pool[name] = self.pool[name][keep]

    def _carried(
        self, flown: dict[int, Leg], carried: dict[str, tuple[float, float, float]], sel: I64,
        j: I64,
    ) -> None:  # fmt: skip
        """Each flown parcel's share of its leg (pool rows `sel`, consignment `j` of `flown`;
        `carried`: each leg's cost, kg and m3 aboard): by its weight of the leg's cost and weight
        capacity, by its volume of the leg's volume capacity."""
        pool = self.pool
        legs = list(flown.values())

        def per(unit: int, of: Callable[[Leg], float]) -> F:
            return np.array([of(g) / carried[g.id][unit] if carried[g.id][unit] else 0.0
                             for g in legs])  # fmt: skip

        per_kg, cap_kg, cap_m3 = (
            per(1, lambda g: carried[g.id][0]),
            per(1, lambda g: g.kg),
            per(2, lambda g: g.m3),
        )
        kind = np.array([LEG_KINDS.index(g.kind) for g in legs], np.int64)
        kg = pool["kg"][sel].astype(np.float64)
        m3 = pool["m3"][sel].astype(np.float64)
        lane = self.lane_of[pool["country"][sel], pool["service"][sel]]
        self.counters.carried_by(
            pool["day"][sel], lane, kind[j], kg=kg, m3=m3,
            cost_usd=kg * per_kg[j], cap_kg=kg * cap_kg[j], cap_m3=m3 * cap_m3[j],
        )  # fmt: skip

    # --- driving --------------------------------------------------------------------------------

    def step(self) -> None:
        """Simulate one day (orders stop after the window)."""
        k = self.day
        t0 = k * 24.0
        if k < self.window[1]:
            self._orders(k)
        self._serve("receive", "handover_t", "received_t", t0)
        self._serve("sort", "received_t", "sorted_t", t0)
        self._serve("build", "sorted_t", "built_t", t0)
        self._fly(t0)
        self.day += 1

    @property
    def done(self) -> bool:
        """The window is over and every parcel has flown, or the drain limit is reached."""
        drained = self.day >= self.window[1] and self.pool["day"].size == 0
        return drained or self.day >= self.last_day

    def finish(self) -> None:
        """Count what never flew (still at the origin when the run stops) by its stage; once:
        a second call would count it again."""
        if self.finished:
            return
        self.finished = True
        pool = self.pool
        times = {f: pool[f].astype(np.float64) for f in TIME_FIELDS}
        self.counters.stranded(
            pool["day"], pool["country"], pool["service"], pool["hub"], times,
            until_h=24.0 * self.day, grace_h=24.0 * self.p.protection_grace_days,
        )  # fmt: skip
        self.counters.close(self.day)

    def run_all(self, progress: Callable[[int], None] | None = None) -> Counters:
        """Run to the end; `progress(1)` after each day (a tqdm bar's update)."""
        while not self.done:
            self.step()
            if progress is not None:
                progress(1)
        self.finish()
        return self.counters

    @property
    def expected_days(self) -> int:
        """Days a run takes at least (warm-up and window), for a progress bar's total."""
        return self.window[1]
