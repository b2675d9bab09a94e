"""The twin's real-services mode: the same model (model.Simulation), its events written to the
database through Caravana's own services at the simulated times, as a live site would write
them, so a run is also a load test; then its KPIs read back from what was written.

`RealNetwork` implements model.Network. The model decides what happens and when; this sink
calls:

- `ordered`: fulfillment's create_parcel (the merchant's parcel API) for each parcel, and an
  "ordered" event at the order's time;
- `served`: the hub steps, under the simulated clock (caravana.clock): receive (EMA, EMB,
  parcel.received_at), sort into a bag (the hub's "bagged" event), and at the build stage the
  parcels' bags closed and a "built" event;
- `plan`: the same solver as fast mode (planning.solver), so both modes plan alike;
- `downstream`: tracking's record_batch with the flight (EMC, EMD), customs (EDC, or a refusal)
  and last-mile (EMH, EMI, returned, lost) events at their drawn times.

`counters_from_db` rebuilds the parcel KPIs (kpis.Counters) from those rows alone, so a test can
prove that the database holds what the fast mode counts. Flight legs (the planner's decisions and
their costs) are the model's: legs are not written to the database yet (docs/twin.md).

Unlike the rest of the twin this module is Django-side (outside the pure-kernel contract).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from caravana import clock
from caravana.catalog import services as catalog_services
from caravana.catalog.models import Merchant
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import hub_steps
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network import services as network_services
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.tracking import upu
from caravana.tracking.batch import EventIn
from caravana.tracking.demo import ADDRESSES  # the demo's public addresses, per country
from caravana.tracking.models import Source, TrackingEvent
from caravana.tracking.recording import record_batch

from . import params as P
from .kpis import Counters
from .model import I64, TIME_FIELDS, F, FastNetwork, Simulation

#: The twin's own events (the order, the hand-over, the ULD build, the outcome) come from here.
SOURCE = "twin"
MERCHANT = "Caravana Twin Simulated Trading Co., Ltd."
#: A valid USCC (GB 32100-2015 check character), the twin merchant's.
USCC = "91440300MA5T7WN014"


@dataclass
class _Parcel:
    pk: int
    s10: str
    origin: str
    bag: str = ""


@dataclass
class RealNetwork(FastNetwork):
    """model.Network on the Django services (see the module's docstring)."""

    params: P.Params
    start: dt.datetime
    merchant: Merchant | None = None
    staff: dict[str, Any] = field(default_factory=dict)  # origin IATA → hub member
    parcels: dict[int, _Parcel] = field(default_factory=dict)  # pid → parcel
    writes: int = 0  # service calls and events, for the run's rate

    def __post_init__(self) -> None:
        self.merchant, self.staff = setup()

    def _moment(self, hours: float) -> dt.datetime:
        # microseconds: what the database keeps (readback converts back)
        return self.start + dt.timedelta(microseconds=round(float(hours) * 3_600_000_000))

    def _event(
        self, pid: int, code: str, hours: float, status: str = "", source: str = SOURCE,
        **details: Any,
    ) -> EventIn:  # fmt: skip
        p = self.parcels[pid]
        return EventIn(
            parcel_id=p.pk, identifier=p.s10, source=source,
            event_id=f"twin-{p.pk}-{details.get('step') or code}", code=code, status=status,
            occurred_at=self._moment(hours), details=details,
        )  # fmt: skip

    # --- model.Network ------------------------------------------------------------------------

    def ordered(self, at: float, parcels: dict[str, Any]) -> None:
        assert self.merchant is not None
        events = []
        for i in range(parcels["pid"].size):
            pid = int(parcels["pid"][i])
            country = P.COUNTRIES[int(parcels["country"][i])]
            order_t = float(parcels["order_t"][i])
            with clock.at(self._moment(order_t)):
                parcel = parcel_services.create_parcel(
                    self.merchant, _parcel_data(country, parcels, i)
                )
            self.parcels[pid] = _Parcel(parcel.pk, parcel.s10, P.LANES[country][0])
            events.append(self._event(pid, "", order_t, upu.PENDING, step="ordered"))
            # the merchant books the drop-off at the hub (the hub's receipt is the EMA)
            handover = float(parcels["handover_t"][i])
            events.append(self._event(pid, "", handover, upu.PENDING, step="handed_over"))
        self.writes += len(events) + len(events) // 2
        self._write(events)

    def served(self, stage: str, pids: I64, at: F) -> None:
        built: list[EventIn] = []
        bags: dict[str, tuple[Any, float]] = {}
        for pid, hours in zip(pids.tolist(), at.tolist(), strict=True):
            p = self.parcels[pid]
            staff = self.staff[p.origin]
            with clock.at(self._moment(hours)):
                if stage == "receive":
                    parcel = Parcel.objects.only(
                        "declared_weight_g", "declared_length_cm", "declared_width_cm",
                        "declared_height_cm",
                    ).get(pk=p.pk)  # fmt: skip
                    hub_steps.receive(
                        staff, p.s10, parcel.declared_weight_g, parcel.declared_length_cm,
                        parcel.declared_width_cm, parcel.declared_height_cm,
                    )  # fmt: skip
                elif stage == "sort":
                    p.bag = self._sort(staff, p.s10)
                else:
                    built.append(self._event(pid, "", hours, upu.IN_TRANSIT, step="built"))
                    if p.bag and (p.bag not in bags or bags[p.bag][1] < hours):
                        bags[p.bag] = (staff, hours)
            self.writes += 1
        for bag, (staff, hours) in bags.items():
            with clock.at(self._moment(hours)):
                hub_steps.close_bag(staff, bag)
        if built:
            self._write(built)

    def _sort(self, staff: Any, s10: str) -> str:
        """Sort into the open bag; a full bag is closed and the parcel sorted again (as staff
        do when the scanner says so)."""
        try:
            return hub_steps.sort_into_bag(staff, s10).identifier
        except ValidationError as exc:
            bag = getattr(exc, "error_dict", {}).get("bag")
            if not bag or bag[0].code != FulfillmentErrorCode.OVERWEIGHT:
                raise
            parcel = Parcel.objects.select_related("hub").get(s10=s10)
            full = hub_steps._open_bag  # noqa: SLF001 (only to name the open bag to close)
            with transaction.atomic():
                identifier = full(parcel.hub, parcel).identifier
            hub_steps.close_bag(staff, identifier)
            return hub_steps.sort_into_bag(staff, s10).identifier

    def downstream(self, pids: I64, events: dict[str, F]) -> None:
        rows: list[EventIn] = []
        ev = {k: np.asarray(v) for k, v in events.items()}
        for i, pid in enumerate(pids.tolist()):
            e = {k: v[i] for k, v in ev.items()}
            rows.append(self._flight(pid, "EMC", float(e["depart"]), belly=bool(e["belly"])))
            rows.append(self._flight(pid, "EMD", float(e["arrive"])))
            released = float(e["released"])
            customs = {"held": bool(e["held"]), "cleared_at": float(e["cleared"])}
            if e["refused"]:
                rows.append(self._customs(pid, "", released, upu.RETURN_TO_SENDER,
                                          step="refused", **customs))  # fmt: skip
                continue
            rows.append(self._customs(pid, "EDC", released, "", step="EDC", **customs))
            end = float(e["end"])
            if e["failed"] and not e["lost"]:
                rows.append(self._event(pid, "EMH", end - self.params.redelivery_h, step="EMH"))
            if e["lost"]:
                rows.append(self._event(pid, "", end, upu.UNKNOWN, step="lost"))
            elif e["returned"]:
                rows.append(self._event(pid, "", end, upu.RETURN_TO_SENDER, step="returned"))
            else:
                rows.append(self._event(pid, "EMI", end, step="EMI"))
        self._write(rows)
        self.writes += len(rows)

    def _write(self, rows: list[EventIn]) -> None:
        """Every tracking event of the run goes through here (a subclass may filter them)."""
        record_batch(rows)

    def _flight(self, pid: int, code: str, hours: float, **details: Any) -> EventIn:
        return self._event(pid, code, hours, "", Source.FLIGHT, step=code, **details)

    def _customs(self, pid: int, code: str, hours: float, status: str, **details: Any) -> EventIn:
        return self._event(pid, code, hours, status, Source.CUSTOMS, **details)


def _parcel_data(country: str, parcels: dict[str, Any], i: int) -> dict[str, Any]:
    """The merchant's parcel for pool row i: its lane's hub, service, weight and a cube of its
    volume (cm, at least 1 each way)."""
    street, city, region, postal = ADDRESSES[country]
    grams = max(1, round(float(parcels["kg"][i]) * 1000))
    side = max(1, round((float(parcels["m3"][i]) * 1e6) ** (1 / 3)))
    return {
        "hub": f"{P.LANES[country][0]}-HUB",
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
            "quantity": 1, "unit_value": Decimal("45"), "currency": "CNY", "unit_weight_g": grams,
        }],
    }  # fmt: skip


@transaction.atomic
def setup() -> tuple[Merchant, dict[str, Any]]:
    """The network (seed_network, idempotent), the twin's merchant and one member of staff per
    origin hub of the twin's lanes."""
    seed_network()
    merchant = Merchant.objects.filter(legal_name=MERCHANT).first()
    if merchant is None:
        merchant = catalog_services.create_merchant(
            legal_name=MERCHANT, uscc=USCC, contact_name="Twin", contact_email="twin@example.cn",
            city="Shenzhen",
        )  # fmt: skip
    users = get_user_model().objects
    staff = {}
    for origin in sorted({lane[0] for lane in P.LANES.values()}):
        user = users.filter(username=f"twin-hub-{origin.lower()}").first()
        if user is None:
            user = users.create_user(username=f"twin-hub-{origin.lower()}", password=None)
            network_services.add_hub_member(Hub.objects.get(code=f"{origin}-HUB"), user)
        staff[origin] = user
    return merchant, staff


def counters_from_db(sim: Simulation, net: RealNetwork) -> Counters:
    """The parcel KPIs of a real run, counted from the database alone (parcels and their
    tracking events) by the same kpis.Counters calls as the model's; legs and the planner's
    waiting reasons are copied from the model (not written to the database yet)."""
    c = Counters(sim.counters.days, sim.counters.countries, sim.counters.services)
    c.legs = {k: v.copy() for k, v in sim.counters.legs.items()}
    c.reasons = sim.counters.reasons.copy()
    pks = [p.pk for p in net.parcels.values()]
    # the run's parcels: the twin merchant's, from this run's first to its last (no IN list of
    # 100,000 ids)
    mine = {
        "merchant": net.merchant,
        "pk__gte": min(pks, default=0),
        "pk__lte": max(pks, default=0),
    }
    info = {
        pk: (country, level, grams, received)
        for pk, country, level, grams, received in Parcel.objects.filter(**mine).values_list(
            "pk", "recipient_country", "service_level__code", "declared_weight_g", "received_at"
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
    for pk in pks:
        country, level, grams, received = info[pk]
        t = times[pk]
        ci, si = P.COUNTRIES.index(country), P.SERVICES.index(level)
        order_t = t["ordered"][0]
        day = int(order_t // 24)
        deadline = sim._deadlines((sim.start + dt.timedelta(days=day)).date(), ci, si)  # noqa: SLF001
        row = {
            "day": day, "country": ci, "service": si, "kg": grams / 1000.0, "order_t": order_t,
            "handover_t": t.get("handed_over", (math.inf,))[0],
            "received_t": net_hours(net, received) if received else math.inf,
            "sorted_t": t.get("sorted", (math.inf,))[0],
            "built_t": t.get("built", (math.inf,))[0], "deadline_t": deadline,
            "due_t": deadline - sim.p.downstream_allowance_h,
        }  # fmt: skip
        flew = "EMC" in t
        row["flew"] = flew
        if flew:
            customs = t["EDC"] if "EDC" in t else t["refused"]
            refused = "refused" in t
            end = next(t[k][0] for k in ("EMI", "returned", "lost", "refused") if k in t)
            row |= {
                "depart": t["EMC"][0], "arrive": t["EMD"][0],
                "cleared": customs[1]["cleared_at"], "released": customs[0], "end": end,
                "held": customs[1]["held"], "refused": refused, "lost": "lost" in t,
                "returned": "returned" in t, "failed": "EMH" in t,
                "belly": t["EMC"][1].get("belly", False),
            }  # fmt: skip
        for k, v in row.items():
            cols[k].append(v)
    a = {k: np.asarray(v) for k, v in cols.items()}
    for day in np.unique(a["day"]):
        pick = a["day"] == day
        c.ordered(int(day), a["country"][pick], a["service"][pick], a["kg"][pick])
    f, s = a["flew"].astype(bool), ~a["flew"].astype(bool)
    tf = {n: a[n][f].astype(np.float64) for n in TIME_FIELDS}
    if f.any():
        c.departed(
            day=a["day"][f], country=a["country"][f], service=a["service"][f], kg=a["kg"][f],
            times=tf, depart=a["depart"][f].astype(float), arrive=a["arrive"][f].astype(float),
            cleared=a["cleared"][f].astype(float), released=a["released"][f].astype(float),
            end=a["end"][f].astype(float), held=a["held"][f].astype(bool),
            refused=a["refused"][f].astype(bool), lost=a["lost"][f].astype(bool),
            returned=(a["returned"][f] & ~a["refused"][f] & ~a["lost"][f]).astype(bool),
            failed=(a["failed"][f] & ~a["refused"][f] & ~a["lost"][f]).astype(bool),
            belly=a["belly"][f].astype(bool), grace_h=24.0 * sim.p.protection_grace_days,
        )  # fmt: skip
    if s.any():
        ts = {n: a[n][s].astype(np.float64) for n in TIME_FIELDS}
        c.stranded(a["day"][s], a["country"][s], a["service"][s], ts)
    c.close(sim.counters.end_day)
    return c


def net_hours(net: RealNetwork, at: dt.datetime) -> float:
    return (at - net.start).total_seconds() / 3600.0
