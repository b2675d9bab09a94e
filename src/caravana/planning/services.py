"""The planner over the database: build a problem from closed bags, built ULDs, scheduled
charters and belly offers; run the solver; commit its assignments (planned flights on the bags
and ULDs themselves, through fulfillment.services, and bookings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import clock
from caravana.access.members import can_plan
from caravana.errors import field_error
from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.services import flight_plan
from caravana.network.models import Flight, building_hubs
from caravana.planning.error_codes import PlanningErrorCode
from caravana.planning.models import BellyOffer, Booking, PlanRun
from caravana.planning.problem import due_for_planning
from caravana.waybills import services as waybills

# Penalties in USD, editable in settings: a kg a day late hurts a premium promise most.
DEFAULT_PENALTIES = {
    "late_per_kg_day_usd": {"premium": 3.0, "standard": 1.0, "economy": 0.3},
    "unshipped_per_kg_usd": 6.0,
}


def penalty_settings() -> dict:
    """The site planner's penalties as the plan's JSON holds them: settings.PLANNING_PENALTIES,
    else DEFAULT_PENALTIES (the charter outlook prices a week's wait with the same)."""
    return getattr(settings, "PLANNING_PENALTIES", DEFAULT_PENALTIES)


# How long after the first parcel of a bag was labelled its air leg should land, by service:
# the fast end of the promised window minus the days last-mile delivery needs.
LAST_MILE_DAYS = 3
MAX_WINDOW_DAYS = 14


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _due(first_label: dt.datetime | None, ready: dt.datetime, transit_min_days: int) -> dt.datetime:
    """When the bag's air leg should land, as the plan prices it: from its first label, and
    never before it is ready nor before now (problem.due_for_planning: lateness already
    incurred is sunk)."""
    start = first_label or ready
    due = start + dt.timedelta(days=max(1, transit_min_days - LAST_MILE_DAYS))
    return due_for_planning(due, ready, clock.now())


def check_window(start: dt.datetime, end: dt.datetime) -> None:
    """Refuse a window the planner cannot run, naming the field (before any job starts)."""
    if end <= start:
        raise field_error(
            "end", _("The end must come after the start."), PlanningErrorCode.INVALID_WINDOW
        )
    if end - start > dt.timedelta(days=MAX_WINDOW_DAYS):
        raise field_error(
            "end", _("Plan at most 14 days at a time."), PlanningErrorCode.WINDOW_TOO_LONG
        )


def flight_json(f: Flight, hubs: Mapping[str, int] | None = None) -> dict[str, Any]:
    """A charter of the database as a flight of the solver's input: its type's payload and its
    room for parcels as the hubs that build for its airport load it (`Flight.parcel_room_m3`;
    `hubs` from `building_hubs`, read there when not given), not the hold's volume."""
    return {
        "id": f"flight-{f.pk}",
        "origin": f.origin,
        "destination": f.destination,
        "departs_at": _iso(f.scheduled_departure),
        "arrives_at": _iso(f.scheduled_arrival),
        "payload_kg": f.aircraft_type.max_payload_kg,
        "volume_m3": float(f.parcel_room_m3(hubs)),
        "positions": f.aircraft_type.main_deck_positions,
        "fixed_cost_usd": float(f.fixed_cost_usd or 0),
        "optional": f.is_optional,
    }


def belly_json(b: BellyOffer) -> dict[str, Any]:
    """A belly offer of the database as one of the solver's input."""
    return {
        "id": b.key,
        "origin": b.origin,
        "destination": b.destination,
        "departs_at": _iso(b.departs_at),
        "arrives_at": _iso(b.arrives_at),
        "capacity_kg": b.capacity_kg,
        "capacity_m3": float(b.capacity_m3),
        "price_per_kg_usd": float(b.price_per_kg_usd),
    }


def build_problem(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The solver's input for consignments waiting now and departures inside [start, end)."""
    check_window(start, end)
    consignments = []
    bags = (
        Bag.objects.filter(state=Bag.State.CLOSED, uld__isnull=True)
        .select_related("hub", "gateway", "service_level")
        .annotate(first_label=Min("parcels__created_at"))
    )
    for bag in bags:
        ready = bag.closed_at or timezone.now()
        consignments.append(
            {
                "id": f"bag-{bag.pk}",
                "origin": bag.hub.airport,
                "destination": bag.gateway.iata,
                "service": bag.service_level.code,
                "weight_kg": bag.weight_g / 1000,
                "volume_m3": bag.volume_cm3 / 1_000_000,
                "ready_at": _iso(ready),
                "due_at": _iso(_due(bag.first_label, ready, bag.service_level.transit_min_days)),
                "dangerous_goods": bag.dangerous_goods,
                "positions": 0,
            }
        )
    ulds = (
        Uld.objects.filter(state=Uld.State.CLOSED, flight__isnull=True)
        .select_related("hub", "gateway", "uld_type")
        .annotate(first_label=Min("bags__parcels__created_at"))
        .prefetch_related("bags__service_level")
    )
    for uld in ulds:
        ready = uld.closed_at or timezone.now()
        levels = sorted({b.service_level for b in uld.bags.all()}, key=lambda s: s.transit_min_days)
        level = levels[0] if levels else None
        consignments.append(
            {
                "id": f"uld-{uld.pk}",
                "origin": uld.hub.airport,
                "destination": uld.gateway.iata if uld.gateway else "",
                "service": level.code if level else "standard",
                "weight_kg": uld.weight_g / 1000 + uld.uld_type.tare_kg,
                "volume_m3": uld.volume_cm3 / 1_000_000,
                "ready_at": _iso(ready),
                "due_at": _iso(
                    _due(uld.first_label, ready, level.transit_min_days if level else 10)
                ),
                "dangerous_goods": uld.dg_bag_count > 0,
                "positions": 1,
            }
        )
    hubs = building_hubs()
    flights = [
        flight_json(f, hubs)
        for f in Flight.objects.filter(
            state=Flight.State.SCHEDULED,
            scheduled_departure__gte=start,
            scheduled_departure__lt=end,
        ).select_related("aircraft_type")
    ]
    belly = [
        belly_json(b) for b in BellyOffer.objects.filter(departs_at__gte=start, departs_at__lt=end)
    ]
    penalties = penalty_settings()
    return {
        "consignments": consignments,
        "flights": flights,
        "belly": belly,
        "penalties": penalties,
    }


def run(
    user: Any,
    start: dt.datetime,
    end: dt.datetime,
    time_limit: float = 20.0,
    progress: Callable[..., None] | None = None,
) -> PlanRun:
    """Solve and keep the run; nothing is booked until the planner commits it. `progress`
    (done, total, message) hears of each of the three steps (a job's progress bar)."""
    # Imported here, not at the top: only the process that solves (a Celery worker, or the web
    # process itself with eager Celery) loads OR-Tools (docs/decisions/0007).
    from caravana.planning.solver import run_plan

    report = progress or (lambda *args, **kwargs: None)
    report(0, 3, _("Reading waiting bags, ULDs, flights and belly offers"))
    problem = build_problem(start, end)
    report(1, 3, _("Solving (up to %(seconds)d s)") % {"seconds": time_limit})
    result = run_plan(problem, time_limit=time_limit)
    report(2, 3, _("Saving the plan"))
    return keep(user, start, end, problem, result)


def keep(
    user: Any,
    start: dt.datetime,
    end: dt.datetime,
    problem: dict[str, Any],
    result: dict[str, Any],
    source: str = PlanRun.Source.PLANNER,
) -> PlanRun:
    """Keep a solved plan (solver.run_plan's output for `problem`): the planner's runs, and
    each planning cycle of the network twin (source "twin": kept, and booked by the twin only
    when it is over this database's bags and flights: book_twin_cycle)."""
    return PlanRun.objects.create(
        window_start=start, window_end=end, problem=problem, result=result, created_by=user,
        source=source,
    )  # fmt: skip


def belly_label(offer: BellyOffer) -> str:
    """How the hub reads a belly booking: flight number, departure in UTC, destination."""
    return f"{offer.number} {offer.departs_at:%Y-%m-%d %H:%M} UTC → {offer.destination}"[:80]


#: The PostgreSQL advisory lock (one bigint key; the catalogue's are other keys)
#: that lets one plan commit at a time.
PG_COMMIT_LOCK = 0x706C616E636D74  # "plancmt"


def _one_commit_at_a_time() -> None:
    """Two plans committed at once would both read a flight as having no master waybill and
    both draw one, and the older could undo the newer after the staleness check: commits
    queue here until the previous one ends, then see what it wrote. SQLite needs no lock: its
    IMMEDIATE transactions already let one writer in at a time (settings.DATABASES)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PG_COMMIT_LOCK])


@transaction.atomic
def commit(user: Any, run: PlanRun) -> int:
    """Commit a plan: each closed bag and built ULD it puts on a charter gets that flight as its
    planned flight (through fulfillment.services.flight_plan.plan_flights, which refuses to
    move anything already loaded), and every consignment it covers gets a booking on its
    charter or belly
    offer; those it leaves waiting lose any older booking and planned flight. The flights it
    books get their master and house air waybills (waybills.services.build_for_flights), amended
    with a new version when the plan changes their cargo. Returns the number of bookings.

    Idempotent: committing the same run twice changes nothing. A newer run committed since
    makes this one stale: it is refused, so an old page cannot undo a later plan. Commits run
    one at a time: a second one waits for the first to end (and is then refused as stale if
    the first was the later run)."""
    if not can_plan(user):
        raise PermissionDenied(_("Only network planners and operators commit plans."))
    if run.source != PlanRun.Source.PLANNER:
        message = (
            _("Plan %(n)d is a network twin's cycle over this network's flights: the twin books"
              " it itself, and a planner cannot commit it.")
            if over_this_network(run.problem)
            else _("Plan %(n)d is a network twin's simulated cycle: it plans the simulation's"
                   " flights, not this network's, and cannot be committed.")
        )  # fmt: skip
        raise field_error("run", message % {"n": run.pk}, PlanningErrorCode.PLAN_SIMULATED)
    return _commit(user, run)


#: How the solver's input names this database's bags, ULDs, charters and belly offers
#: (build_problem): a plan over these ids can be booked.
DATABASE_IDS = {"consignments": ("bag-", "uld-"), "legs": ("flight-", "belly-")}


def over_this_network(problem: dict[str, Any]) -> bool:
    """Whether every consignment and leg of a plan's input is a row of this database."""
    legs = [*problem.get("flights", []), *problem.get("belly", [])]
    return all(
        str(c["id"]).startswith(DATABASE_IDS["consignments"]) for c in problem["consignments"]
    ) and all(str(leg["id"]).startswith(DATABASE_IDS["legs"]) for leg in legs)


@transaction.atomic
def book_twin_cycle(
    user: Any, start: dt.datetime, end: dt.datetime, problem: dict[str, Any],
    result: dict[str, Any],
) -> PlanRun:  # fmt: skip
    """Keep and commit a network twin's cycle whose plan is over this database's bags and
    flights (the twin flying its legs as flights of the database, `simulate --flights`), as a
    planner's plan is committed, in one transaction and under the commit lock: no plan can be
    committed between its keeping and its commit (which would make it stale), and a refusal
    (an airline's AWB stock used up) leaves nothing behind. A cycle over the simulation's own
    consignments and legs is refused."""
    if not can_plan(user):
        raise PermissionDenied(_("Only network planners and operators commit plans."))
    if not over_this_network(problem):
        raise ValueError("a twin's cycle over the simulation's own ids cannot be booked")
    _one_commit_at_a_time()
    run = keep(user, start, end, problem, result, PlanRun.Source.TWIN)
    _commit(user, run)
    run.refresh_from_db(fields=["committed_at", "committed_by"])
    return run


def take_plan_off(flight: Flight) -> None:
    """A cancelled flight (network.events.flight_cancelled, inside the cancelling transaction,
    the flight's row locked): what a plan put on it waits again, as a commit that empties a
    flight leaves it: its bags' and ULDs' planned flight cleared, their bookings removed, its
    air waybills voided (a new version), so that no master lists cargo that will not fly on
    it. No commit lock: a commit waiting for this flight's row then finds it cancelled."""
    flight_plan.unplan_flight(flight.pk)
    Booking.objects.filter(flight=flight).delete()
    waybills.build_for_flights([flight.pk], reason=f"cancelled:{flight.number}")


def _commit(user: Any, run: PlanRun) -> int:
    _one_commit_at_a_time()
    run = PlanRun.objects.select_for_update().get(pk=run.pk)
    if run.committed_at is not None:
        return run.bookings.count()
    newer = (
        PlanRun.objects.filter(pk__gt=run.pk, committed_at__isnull=False).order_by("-pk").first()
    )
    if newer is not None:
        raise field_error(
            "run",
            _("Plan %(n)d, run later, has been committed since; run the plan again.")
            % {"n": newer.pk},
            PlanningErrorCode.PLAN_SUPERSEDED,
        )
    by_id = {c["id"]: c for c in run.problem["consignments"]}
    assignments = run.result["assignments"]
    targets: dict[str, dict[int, int | None]] = {"bag": {}, "uld": {}}
    by_belly: dict[str, dict[int, int]] = {"bag": {}, "uld": {}}
    for cid, target in assignments.items():
        kind, pk = cid.split("-", 1)
        flight = int(target[7:]) if target and target.startswith("flight-") else None
        targets[kind][int(pk)] = flight
        if target and target.startswith("belly-"):
            by_belly[kind][int(pk)] = int(target[6:])
    offers = BellyOffer.objects.in_bulk({o for d in by_belly.values() for o in d.values()})
    labels = {
        kind: {pk: belly_label(offers[o]) for pk, o in d.items() if o in offers}
        for kind, d in by_belly.items()
    }
    # The flights whose waybills the commit rebuilds, locked before their bags and ULDs as the
    # hub's loading locks them (flight, then ULD): never the other way round, so no deadlock.
    booked = {t for d in targets.values() for t in d.values() if t is not None}
    rebuilt = booked | set(waybills.open_flights())
    waybills.lock_flights(rebuilt)
    # plan_flights refuses, naming it, a flight that is no longer scheduled.
    done = flight_plan.plan_flights(targets["bag"], targets["uld"], labels["bag"], labels["uld"])
    covered = {
        "bag": [pk for pk in targets["bag"] if pk not in done.skipped_bags],
        "uld": [pk for pk in targets["uld"] if pk not in done.skipped_ulds],
    }
    for kind, pks in covered.items():
        for start in range(0, len(pks), flight_plan.PLAN_CHUNK):
            Booking.objects.filter(
                **{f"{kind}_id__in": pks[start : start + flight_plan.PLAN_CHUNK]}
            ).delete()
    rows = []
    for kind, pks in covered.items():
        for pk in pks:
            cid = f"{kind}-{pk}"
            target = assignments[cid]
            if not target:
                continue
            c = by_id[cid]
            row = Booking(
                run=run,
                weight_kg=Decimal(str(c["weight_kg"])).quantize(Decimal("0.001")),
                volume_m3=Decimal(str(c["volume_m3"])).quantize(Decimal("0.0001")),
            )
            setattr(row, f"{kind}_id", pk)
            if target.startswith("flight-"):
                row.flight_id = int(target[7:])
            else:
                row.belly_id = int(target[6:])
            rows.append(row)
    Booking.objects.bulk_create(rows, batch_size=flight_plan.PLAN_CHUNK)
    # The air waybills of every flight the plan books, and of those it may have emptied: built,
    # amended (a new version) or voided; an airline whose AWB stock is used up refuses it all.
    waybills.build_for_flights(
        rebuilt,
        user=user,
        reason=f"plan:{run.pk}",
    )
    run.committed_at = timezone.now()
    run.committed_by = user
    run.save(update_fields=["committed_at", "committed_by"])
    return len(rows)
