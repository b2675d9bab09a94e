"""The demo's month of history: the twin's real mode (services.RealNetwork) run over the days
before today, stopped at today's midnight (UTC), so the demo opens on a network that has been
working for a month and still has work waiting (issue 17, item 4; docs/twin.md, "Demo history").

`HistoryNetwork` adds to RealNetwork only what a month that is over needs:

- the demo merchant's parcels (when `make demo` seeded one), so the merchant console shows them;
- flights: each leg the planner filled is flown through the services (RealNetwork.fly_legs);
- nothing after the wall clock's now (a parcel still in customs or out for delivery today has
  no future event yet, a flight in the air has not landed), and flight numbers of its own.

Then the coming week: the model's belly offers on its lanes (what the planner can buy besides the
seeded charters) and the planner's first plan over the backlog, run and committed as the demo
planner would. Django-side, like services.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from caravana.catalog.models import MerchantMember
from caravana.catalog.seeding import reference
from caravana.catalog.seeding.progress import Quiet
from caravana.network.models import Flight
from caravana.planning import services as planning
from caravana.planning.models import PlanRun

from . import flights
from . import params as P
from .model import Run, Simulation
from .services import RealNetwork, network_params

#: The history's flight numbers: 5Y9001 / QR9001 on (has_run looks for them; `simulate`'s
#: flights are numbered from 7001).
FIRST_NUMBER = 9000
#: The model's belly offers written for the planner's coming week.
OFFER_DAYS = 7
#: The first plan's solver time (seconds).
PLAN_SECONDS = 10.0


@dataclass
class HistoryNetwork(RealNetwork):
    """RealNetwork for a past month: nothing after `until` (see the module)."""

    until: dt.datetime = field(default_factory=timezone.now)
    fly_legs: bool = True
    flying: flights.Log = field(default_factory=lambda: flights.Log(first_number=FIRST_NUMBER))
    dropped: int = 0  # events after `until`, not written

    def __post_init__(self) -> None:
        super().__post_init__()
        member = MerchantMember.objects.select_related("merchant").filter(user__username="merchant")
        if member.exists():  # the demo's merchant (seed --scale demo)
            self.merchant = member.first().merchant  # type: ignore[union-attr]

    def _keep(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = super()._keep(rows)
        self.dropped += len(rows) - len(kept)
        return kept


def has_run() -> bool:
    """Whether a history's flights are in the database (demo_history runs once)."""
    ours = Q()
    for designator in set(flights.DESIGNATORS.values()):  # 5Y9…, QR9…
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
    # the model's lanes are the network's (an operator's re-routing included)
    params = network_params(P.DEFAULT)
    run = Run(days, parcels_per_day, seed, today - dt.timedelta(days=days), params)
    # the month's orders are priced at their days' rates: the demo's illustrative ones
    reference.ensure_fx(
        seed, Quiet(), days=(today - run.from_date).days + run.params.warmup_days + 1
    )
    sim = Simulation(run)
    net = HistoryNetwork(run.params, sim.start, until=midnight)
    sim.network = net
    while sim.start + dt.timedelta(days=sim.day) < midnight:
        sim.step()
        if progress is not None:
            progress(1)
    # what is still at its origin hub at midnight has not flown yet: counted so (the dashboard
    # said "never flew: 0" with 197 of 1,525 parcels still at the hubs), and the run's final
    # status (where each parcel is at the end) is taken at midnight
    sim.finish()
    # the last cycle booked the coming flights; those due out before now never left
    flights.cancel_unflown(net.flying, max(midnight, timezone.now()))
    return sim, net


def offer_belly(sim: Simulation, now: dt.datetime, days: int = OFFER_DAYS) -> int:
    """The model's belly legs departing in the coming `days` as belly offers the planner can
    buy (as planning/demo.py seed_belly writes the seeded ones). Returns the offers added."""
    added = 0
    for leg in sim.legs:
        departs = sim.start + dt.timedelta(hours=leg.departs)
        if leg.kind != "belly" or not now <= departs < now + dt.timedelta(days=days):
            continue
        _, created = flights.belly_offer(
            sim.network.flying, leg.id, leg.origin, leg.destination, departs,
            sim.start + dt.timedelta(hours=leg.arrives), leg.kg, leg.m3, leg.price_per_kg,
        )  # fmt: skip
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
