"""The twin's KPIs: counters the model adds to, and the tables the report writes.

Parcel counters are indexed by (order day, country, service level); a country's service level
flies one lane (params.lanes: Brazil's economy parcels to VCP, the rest to GRU). Flight counters
by (departure day, lane, leg kind), and stage snapshots and the planner's waiting reasons by
lane; the hub stages' snapshots and the parcels received a day also by origin hub (params.HUBS:
a lane's parcels may come from two hubs, an airport's own and its feeder). Stage counts are
snapshots at each day's 00:00 UTC, kept as difference arrays: a parcel adds +1 where a stage
starts and −1 where it ends, so a 1 M-parcel day costs two bincounts per stage, not a loop over
days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import params as P

F = npt.NDArray[np.float64]
Arr = npt.NDArray[Any]

#: Parcel counters per (day, country, service).
PARCEL_FIELDS = (
    "parcels_in", "kg_in", "departed", "delivered", "on_time", "late_refunds", "held",
    "refused", "lost", "returned", "failed_attempts", "belly", "stranded", "overdue",
)  # fmt: skip
#: Dwell per stage, summed in hours over the parcels that flew (dwell_total: the delivered).
DWELL = (
    "merchant", "hub_receive", "hub_sort", "hub_build", "awaiting_flight", "in_air",
    "customs", "customs_hold", "last_mile", "order_to_door",
)  # fmt: skip
#: Where a parcel is at a snapshot.
STAGES = (
    "with_merchant", "hub_receive", "hub_sort", "hub_build", "awaiting_flight", "in_air",
    "customs", "customs_hold", "last_mile", "delivered", "returned", "refused", "lost",
)  # fmt: skip
TERMINAL = ("delivered", "returned", "refused", "lost")
#: The stages at an origin hub, counted per hub too (Counters.hub_diff).
HUB_STAGES = STAGES[1:4]
#: The model's hub capacity per stage (parcels an hour), in HUB_STAGES order.
CAPACITY_STAGES = ("receive", "sort", "build")
LEG_KINDS = ("committed", "optional", "belly")
LEG_FIELDS = (
    "offered", "operated", "cancelled", "kg", "m3", "cap_kg", "cap_m3", "cost_usd", "delay_h",
)  # fmt: skip
#: What a flown parcel takes of its leg (Counters.carried_by): its weight and volume, its share
#: of the leg's weight and volume capacity and of its cost.
CARRIED_FIELDS = ("kg", "m3", "cap_kg", "cap_m3", "cost_usd")
REASONS = (
    "ready after today's flights",
    "planned on a later flight",
    "no room worth buying in 48 h",
    "flight cancelled",
    "flight delayed past midnight",
)


def lane_index(lanes: tuple[P.Lane, ...]) -> npt.NDArray[np.int64]:
    """Each (country, service level)'s lane: its index in `lanes`."""
    out = np.full((len(P.COUNTRIES), len(P.SERVICES)), -1, np.int64)
    for li, lane in enumerate(lanes):
        out[P.COUNTRIES.index(lane.country), list(lane.services)] = li
    return out


@dataclass
class Counters:
    """Everything a run counts; `close(day)` marks the run's end (the last snapshot)."""

    days: int
    countries: int
    services: int
    lanes: tuple[P.Lane, ...]
    parcels: dict[str, F] = field(default_factory=dict)
    dwell: dict[str, F] = field(default_factory=dict)
    stage_diff: F = field(default_factory=lambda: np.zeros(0))
    legs: dict[str, F] = field(default_factory=dict)
    carried: dict[str, F] = field(default_factory=dict)
    reasons: F = field(default_factory=lambda: np.zeros(0))
    #: Parcels per (hub stage, hub, snapshot day), as stage_diff; received per (day, hub).
    hub_diff: F = field(default_factory=lambda: np.zeros(0))
    hub_received: F = field(default_factory=lambda: np.zeros(0))
    #: The hubs' capacity, parcels an hour per (HUB_STAGES, hub): the model's (set by it).
    hub_capacity: F = field(default_factory=lambda: np.zeros(0))
    end_day: int = 0

    def __post_init__(self) -> None:
        shape = (self.days, self.countries, self.services)
        self.lane_of = lane_index(self.lanes)
        n = len(self.lanes)
        self.parcels = {f: np.zeros(shape) for f in PARCEL_FIELDS}
        self.dwell = {f: np.zeros(shape) for f in DWELL}
        self.stage_diff = np.zeros((len(STAGES), n, self.days + 1))
        per_leg_kind = (self.days, n, len(LEG_KINDS))
        self.legs = {f: np.zeros(per_leg_kind) for f in LEG_FIELDS}
        self.carried = {f: np.zeros(per_leg_kind) for f in CARRIED_FIELDS}
        self.reasons = np.zeros((self.days, n, len(REASONS)))
        self.hub_diff = np.zeros((len(HUB_STAGES), len(P.HUBS), self.days + 1))
        self.hub_received = np.zeros((self.days, len(P.HUBS)))
        self.hub_capacity = np.zeros((len(HUB_STAGES), len(P.HUBS)))

    # --- adding -------------------------------------------------------------------------------

    def _key(self, day: Arr, country: Arr, service: Arr) -> Arr:
        return (day.astype(np.int64) * self.countries + country) * self.services + service

    def _add(self, name: str, key: Arr, weights: Arr | None = None, dwell: bool = False) -> None:
        target = (self.dwell if dwell else self.parcels)[name]
        target += np.bincount(key, weights, minlength=target.size).reshape(target.shape)

    def _stage(self, stage: str, lane: Arr, start: F, end: F) -> None:
        """Parcels in `stage` over [start, end) hours: counted at each snapshot 24·j inside."""
        _snap(self.stage_diff, STAGES.index(stage), lane, start, end)

    def _hubs(self, hub: Arr, times: dict[str, F]) -> None:
        """The hub stages' snapshots per hub, and the parcels each hub received per day."""
        edges = (times["handover_t"], times["received_t"], times["sorted_t"], times["built_t"])
        for i in range(len(HUB_STAGES)):
            _snap(self.hub_diff, i, hub, edges[i], edges[i + 1])
        received = times["received_t"]
        day = np.floor(received[np.isfinite(received)] / 24.0).astype(np.int64)
        key = day * len(P.HUBS) + hub[np.isfinite(received)].astype(np.int64)
        key = key[(day >= 0) & (day < self.days)]
        flat = self.hub_received.reshape(-1)
        flat += np.bincount(key, minlength=flat.size)

    def ordered(self, day: int, country: Arr, service: Arr, kg: Arr) -> None:
        key = self._key(np.full(country.size, day), country, service)
        self._add("parcels_in", key)
        self._add("kg_in", key, kg)

    def leg(
        self, day: int, lane: int, kind: str, kg: float, m3: float, cap_kg: float,
        cap_m3: float, cancelled: bool, delay: float, cost: float, used: bool,
    ) -> None:  # fmt: skip
        """One leg of the day's plan; a committed charter operates (and is paid) empty or not."""
        at = (day, lane, LEG_KINDS.index(kind))
        operated = not cancelled and (kind == "committed" or used)
        row = {"offered": 1.0, "cancelled": float(cancelled), "cost_usd": cost}
        if operated:
            row |= {"operated": 1.0, "kg": kg, "m3": m3, "cap_kg": cap_kg, "cap_m3": cap_m3,
                    "delay_h": delay}  # fmt: skip
        for name, value in row.items():
            self.legs[name][at] += value

    def carried_by(self, day: Arr, lane: Arr, kind: Arr, **shares: F) -> None:
        """Flown parcels' shares of their legs (CARRIED_FIELDS), by the day they were ordered: the
        flights of a window's parcels, wherever those flights fall (a day's parcels fly days
        later)."""
        key = (day.astype(np.int64) * len(self.lanes) + lane) * len(LEG_KINDS) + kind
        for name in CARRIED_FIELDS:
            target = self.carried[name]
            target += np.bincount(key, shares[name], minlength=target.size).reshape(target.shape)

    def waiting(self, day: int, lane: int, reason: str, parcels: int) -> None:
        if day < self.days:
            self.reasons[day, lane, REASONS.index(reason)] += parcels

    def departed(
        self, *, day: Arr, country: Arr, service: Arr, hub: Arr, kg: F, times: dict[str, F],
        depart: F, arrive: F, cleared: F, released: F, end: F, held: Arr, refused: Arr,
        lost: Arr, returned: Arr, failed: Arr, belly: Arr, grace_h: float,
    ) -> None:  # fmt: skip
        """Parcels that flew, with the rest of their lives drawn (`hub`: each one's index in
        params.HUBS)."""
        key = self._key(day, country, service)
        delivered = ~refused & ~lost & ~returned
        deadline = times["deadline_t"]
        self._add("departed", key)
        self._add("delivered", key, delivered)
        self._add("on_time", key, delivered & (end <= deadline))
        self._add("late_refunds", key, delivered & (end > deadline + grace_h))
        for name, flag in (("held", held), ("refused", refused), ("lost", lost),
                           ("returned", returned), ("failed_attempts", failed),
                           ("belly", belly)):  # fmt: skip
            self._add(name, key, flag)
        edges = (
            times["order_t"], times["handover_t"], times["received_t"], times["sorted_t"],
            times["built_t"], depart, arrive, cleared, released, end,
        )  # fmt: skip
        for i, name in enumerate(DWELL[:-1]):
            span = edges[i + 1] - edges[i]
            if name == "last_mile":
                span = np.where(refused, 0.0, span)
            self._add(name, key, span, dwell=True)
        self._add("order_to_door", key, np.where(delivered, end - times["order_t"], 0.0), True)
        lane = self.lane_of[country, service]
        # a parcel whose flight leaves at 00:00 sharp is still awaiting it at that snapshot, as
        # the planning cycle of that midnight sees it (its waiting reason counts it then)
        snap = (*edges[:5], np.nextafter(depart, np.inf), *edges[6:])
        for i, stage in enumerate(STAGES[:9]):
            self._stage(stage, lane, snap[i], snap[i + 1])
        self._hubs(hub, times)
        never = np.full(end.size, np.inf)
        outcome = np.where(refused, 2, np.where(lost, 3, np.where(returned, 1, 0)))
        for i, stage in enumerate(TERMINAL):
            pick = outcome == i
            self._stage(stage, lane[pick], end[pick], never[pick])

    def stranded(
        self, day: Arr, country: Arr, service: Arr, hub: Arr, times: dict[str, F], *,
        until_h: float, grace_h: float,
    ) -> None:  # fmt: skip
        """Parcels still at the origin when the run stops at `until_h` (never flew). Those whose
        promise had passed by then count as late (`overdue`, in the on-time share's whole) and,
        past the grace too, as refunded: left out, a run whose planner stranded parcels read
        more on time than one that flew them late."""
        key = self._key(day, country, service)
        self._add("stranded", key)
        deadline = times["deadline_t"]
        self._add("overdue", key, deadline < until_h)
        self._add("late_refunds", key, deadline + grace_h < until_h)
        edges = (
            times["order_t"], times["handover_t"], times["received_t"], times["sorted_t"],
            times["built_t"], np.full(day.size, np.inf),
        )  # fmt: skip
        lane = self.lane_of[country, service]
        for i, stage in enumerate(STAGES[:5]):
            self._stage(stage, lane, edges[i], edges[i + 1])
        self._hubs(hub, times)

    def close(self, day: int) -> None:
        self.end_day = day

    # --- reading ------------------------------------------------------------------------------

    def stages(self) -> F:
        """Parcels per (stage, lane, snapshot day): at 00:00 UTC of each day."""
        return np.cumsum(self.stage_diff, axis=2)[:, :, : self.days]

    def hub_stages(self) -> F:
        """Parcels per (hub stage, hub, snapshot day): at 00:00 UTC of each day."""
        return np.cumsum(self.hub_diff, axis=2)[:, :, : self.days]

    def final_status(self) -> dict[str, int]:
        """Where every parcel is at the run's end (sums to the parcels ordered)."""
        at_end = self.stages()[:, :, min(self.end_day, self.days - 1)].sum(axis=1)
        return {stage: int(round(v)) for stage, v in zip(STAGES, at_end, strict=True)}


def _snap(target: F, row: int, index: Arr, start: F, end: F) -> None:
    """Add parcels in a stage over [start, end) hours to `target` (stage × index × snapshot day,
    a difference array): +1 at the first snapshot 24·j inside, −1 after the last."""
    size = target.shape[2]
    lo = np.clip(np.ceil(np.nan_to_num(start / 24.0, posinf=size)), 0, size - 1)
    hi = np.clip(np.ceil(np.nan_to_num(end / 24.0, posinf=size)), 0, size - 1)
    base = (row * target.shape[1] + index.astype(np.int64)) * size
    flat = target.reshape(-1)
    n = flat.size
    flat += np.bincount(base + lo.astype(np.int64), minlength=n)
    flat -= np.bincount(base + hi.astype(np.int64), minlength=n)


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def parcel_rows(
    c: Counters, days: range, dates: list[str], refund_usd: float
) -> list[dict[str, Any]]:
    """Per order day, country and service level, with the lane it flies."""
    rows = []
    for k in days:
        for ci, country in enumerate(P.COUNTRIES):
            for si, service in enumerate(P.SERVICES):
                get = {f: float(c.parcels[f][k, ci, si]) for f in PARCEL_FIELDS}
                if get["parcels_in"] == 0:
                    continue
                flew = get["departed"]
                row: dict[str, Any] = {
                    "date": dates[k], "country": country,
                    "lane": c.lanes[c.lane_of[ci, si]].name, "service": service,
                    "parcels_in": int(get["parcels_in"]),
                    "kg_in": round(get["kg_in"], 1), "flew": int(flew),
                    "delivered": int(get["delivered"]),
                    "on_time_share": _share(get["on_time"], get["delivered"] + get["overdue"]),
                    "customs_holds": int(get["held"]), "refused": int(get["refused"]),
                    "lost": int(get["lost"]), "returned": int(get["returned"]),
                    "failed_attempts": int(get["failed_attempts"]),
                    "belly_share": _share(get["belly"], flew),
                    "late_refunds": int(get["late_refunds"]),
                    "late_refunds_usd": round(get["late_refunds"] * refund_usd, 2),
                    "never_flew": int(get["stranded"]),
                }  # fmt: skip
                for name in DWELL:
                    whole = get["delivered"] if name == "order_to_door" else flew
                    mean = c.dwell[name][k, ci, si] / whole if whole else None
                    row[f"dwell_{name}_h"] = round(mean, 2) if mean is not None else None
                rows.append(row)
    return rows


def flight_rows(c: Counters, days: range, dates: list[str]) -> list[dict[str, Any]]:
    """Per departure day, lane and kind of leg (committed / optional charter, belly)."""
    rows = []
    for k in days:
        for li, lane in enumerate(c.lanes):
            for ki, kind in enumerate(LEG_KINDS):
                get = {f: float(c.legs[f][k, li, ki]) for f in LEG_FIELDS}
                if get["offered"] == 0:
                    continue
                rows.append({
                    "date": dates[k], "lane": lane.name, "country": lane.country,
                    "kind": kind, "offered": int(get["offered"]),
                    "operated": int(get["operated"]), "cancelled": int(get["cancelled"]),
                    "kg": round(get["kg"], 1), "m3": round(get["m3"], 2),
                    "fill_kg": _share(get["kg"], get["cap_kg"]) if kind != "belly" else None,
                    "fill_m3": _share(get["m3"], get["cap_m3"]) if kind != "belly" else None,
                    "cost_usd": round(get["cost_usd"], 2),
                    "cost_per_kg_usd": _share(get["cost_usd"], get["kg"]),
                    "mean_delay_h": _share(get["delay_h"], get["operated"]),
                })  # fmt: skip
    return rows


def waiting_rows(c: Counters, days: range, dates: list[str]) -> list[dict[str, Any]]:
    """Per day (00:00 UTC) and lane: parcels at each stage before the flight, and why those built
    still wait for one."""
    stages = c.stages()
    rows = []
    for k in days:
        for li, lane in enumerate(c.lanes):
            row: dict[str, Any] = {"date": dates[k], "lane": lane.name, "country": lane.country}
            for si, stage in enumerate(STAGES[:9]):
                row[stage] = int(round(stages[si, li, k]))
            for ri, reason in enumerate(REASONS):
                row["waiting: " + reason] = int(c.reasons[k, li, ri])
            rows.append(row)
    return rows


def hub_rows(c: Counters, days: range, dates: list[str]) -> list[dict[str, Any]]:
    """Per day and origin hub: the parcels it received, its receiving capacity that day (the
    model's, parcels an hour × 24), and the parcels at each hub stage at 00:00 UTC."""
    stages = c.hub_stages()
    rows = []
    for k in days:
        for h, hub in enumerate(P.HUBS):
            row: dict[str, Any] = {
                "date": dates[k], "hub": hub, "airport": P.HUB_AIRPORT[hub],
                "received": int(c.hub_received[k, h]),
                "receive_capacity": int(round(c.hub_capacity[0, h] * 24)),
            }  # fmt: skip
            for si, stage in enumerate(HUB_STAGES):
                row[stage] = int(round(stages[si, h, k]))
            rows.append(row)
    return rows


def summary(c: Counters, days: range, refund_usd: float, lane: int | None = None) -> dict[str, Any]:
    """Totals over the window (parcels by order day, flights by departure day), over every lane
    or the one `lane` (its index in `c.lanes`)."""
    d = slice(days.start, days.stop)
    cells = np.ones(c.lane_of.shape, bool) if lane is None else c.lane_of == lane
    sl = (d, slice(None) if lane is None else slice(lane, lane + 1))
    par = {f: float(c.parcels[f][d][:, cells].sum()) for f in PARCEL_FIELDS}
    legs = {f: c.legs[f][sl].sum(axis=(0, 1)) for f in LEG_FIELDS}
    on_time = {
        service: _share(float(c.parcels["on_time"][d][:, cells[:, si], si].sum()),
                        float(c.parcels["delivered"][d][:, cells[:, si], si].sum()
                              + c.parcels["overdue"][d][:, cells[:, si], si].sum()))
        for si, service in enumerate(P.SERVICES)
    }  # fmt: skip
    # order-to-door over the parcels delivered, each stage over those that flew: a window whose
    # parcels all flew and none was delivered (returned, refused, lost) has no order-to-door
    dwell = {
        name: round(float(c.dwell[name][d][:, cells].sum()) / whole / 24.0, 2) if whole else None
        for name in DWELL
        for whole in (par["delivered"] if name == "order_to_door" else par["departed"],)
    }
    return {
        "parcels_in": int(par["parcels_in"]),
        "delivered": int(par["delivered"]),
        "on_time_share": _share(par["on_time"], par["delivered"] + par["overdue"]),
        "on_time_share_by_service": on_time,
        "dwell_days": dwell,
        "charters_operated": int(legs["operated"][:2].sum()),
        "charters_cancelled": int(legs["cancelled"][:2].sum()),
        "belly_legs_used": int(legs["operated"][2]),
        **_airlift(legs),
        "customs_holds": int(par["held"]),
        "refused": int(par["refused"]),
        "lost": int(par["lost"]),
        "returned": int(par["returned"]),
        "late_refunds": int(par["late_refunds"]),
        "late_refunds_usd": round(par["late_refunds"] * refund_usd, 2),
        "never_flew": int(par["stranded"]),
        "flights_of_its_parcels": carried(c, sl),
    }


def carried(c: Counters, sl: tuple[slice, slice]) -> dict[str, Any]:
    """The flights that carried the window's parcels (`sl`: order days and lanes), each
    parcel with its share of its leg. Flights by departure day (summary) are the network's in
    those days; for a window of one day's orders they are flights its parcels never boarded
    (they reach the hub days later)."""
    return _airlift({f: c.carried[f][sl].sum(axis=(0, 1)) for f in CARRIED_FIELDS})


def _airlift(by_kind: dict[str, F]) -> dict[str, Any]:
    """Charter fill by weight and volume, belly share, cost and cost per kg, from kg, m3, their
    capacities and cost per kind of leg (LEG_KINDS: two kinds of charter, then belly)."""
    charter_kg, belly_kg = float(by_kind["kg"][:2].sum()), float(by_kind["kg"][2])
    cost = float(by_kind["cost_usd"].sum())
    return {
        "charter_fill_kg": _share(charter_kg, float(by_kind["cap_kg"][:2].sum())),
        "charter_fill_m3": _share(
            float(by_kind["m3"][:2].sum()), float(by_kind["cap_m3"][:2].sum())
        ),
        "belly_share_kg": _share(belly_kg, charter_kg + belly_kg),
        "airlift_cost_usd": round(cost, 2),
        "cost_per_kg_usd": _share(cost, charter_kg + belly_kg),
    }


def lane_summaries(c: Counters, days: range, refund_usd: float) -> list[dict[str, Any]]:
    """`summary` per lane, with its country and service levels named."""
    return [
        {"country": lane.country, "lane": lane.name,
         "services": [P.SERVICES[si] for si in lane.services],
         **summary(c, days, refund_usd, li)}
        for li, lane in enumerate(c.lanes)
    ]  # fmt: skip
