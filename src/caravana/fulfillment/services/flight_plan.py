"""A committed flight plan written onto the hub's closed bags and built ULDs: which charter
each is planned onto, or which passenger flight's belly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from caravana.errors import field_error
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import Bag, Uld
from caravana.network.models import Flight

#: Ids per query when a plan covers many bags (SQLite caps bound parameters; PostgreSQL plans a
#: short IN list faster).
PLAN_CHUNK = 2000


@dataclass(frozen=True)
class PlannedFlights:
    """What `plan_flights` did: how many bags and ULDs got a new planned flight, and which it left
    alone (gone, or a bag built into a ULD since the plan ran: it travels with its ULD)."""

    changed: int = 0
    skipped_bags: frozenset[int] = frozenset()
    skipped_ulds: frozenset[int] = frozenset()


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)  # one lock order for every writer: no deadlock between two commits
    for start in range(0, len(ordered), PLAN_CHUNK):
        yield ordered[start : start + PLAN_CHUNK]


def _regroup(targets: Mapping[int, Any]) -> dict[Any, list[int]]:
    groups: dict[Any, list[int]] = {}
    for pk, target in targets.items():
        groups.setdefault(target, []).append(pk)
    return groups


@transaction.atomic
def plan_flights(
    bags: Mapping[int, int | None],
    ulds: Mapping[int, int | None],
    belly_bags: Mapping[int, str] | None = None,
    belly_ulds: Mapping[int, str] | None = None,
) -> PlannedFlights:
    """Record on each closed bag and built ULD (by id) the charter a committed flight plan puts it
    on, by flight id; None clears it (the plan sends it by belly, or it waits). `belly_bags` and
    `belly_ulds` label, by id, those of them the plan books on a passenger flight's belly (the
    hub reads the label: "LA8071 2026-11-30 14:25 UTC → GRU"); the others' label is cleared.

    Atomic and idempotent: a bag or ULD already planned so is not written again, and a refusal
    changes nothing. Nothing physically loaded is moved: a ULD loaded onto a flight, or a bag in
    one, may only be planned onto that same flight, else the whole plan is refused. A bag built
    into a ULD since the plan ran is left alone and reported. The bags in a ULD follow it, so a
    bag always tells the hub which flight it is planned to fly on."""
    wanted = {t for t in (*bags.values(), *ulds.values()) if t is not None}
    flights = {f.pk: f for f in Flight.objects.filter(pk__in=wanted)}
    errors: list[str] = []
    for pk in sorted(wanted):
        flight = flights.get(pk)
        if flight is None or flight.state != Flight.State.SCHEDULED:
            errors.append(
                _("Flight %(f)s is no longer scheduled.")
                % {"f": flight.number if flight else f"#{pk}"}
            )
    if errors:
        raise field_error("flight", errors, FulfillmentErrorCode.FLIGHT_NOT_SCHEDULED)

    def check(what: str, target: int | None, origin: str, destination: str | None) -> None:
        flight = flights.get(target) if target is not None else None
        if flight is not None and (
            flight.origin != origin or (destination and flight.destination != destination)
        ):
            errors.append(
                _("%(x)s goes from %(o)s to %(d)s; flight %(f)s does not.")
                % {"x": what, "o": origin, "d": destination, "f": flight.number}
            )

    def loaded(what: str, target: int | None, on: int, number: str) -> None:
        if target != on:
            errors.append(
                _("%(x)s is already loaded on flight %(f)s: a plan cannot move it.")
                % {"x": what, "f": number}
            )

    belly_bags, belly_ulds = belly_bags or {}, belly_ulds or {}
    want_ulds = {pk: (ulds[pk], belly_ulds.get(pk, "")) for pk in ulds}
    skipped_ulds, uld_moves = set(ulds), {}
    for chunk in _chunks(ulds):
        rows = (
            Uld.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk)
            .exclude(state=Uld.State.BUILDING)
            .order_by("pk")
            .values_list(
                "pk",
                "identifier",
                "planned_flight_id",
                "planned_belly",
                "flight_id",
                "flight__number",
                "hub__airport",
                "gateway__iata",
            )
        )
        for pk, ident, planned, belly, on, number, origin, destination in rows:
            skipped_ulds.discard(pk)
            target = ulds[pk]
            if on is not None:
                loaded(_("ULD %(u)s") % {"u": ident}, target, on, number)
            check(_("ULD %(u)s") % {"u": ident}, target, origin, destination)
            if (planned, belly) != want_ulds[pk]:
                uld_moves[pk] = want_ulds[pk]

    want_bags = {pk: (bags[pk], belly_bags.get(pk, "")) for pk in bags}
    skipped_bags, bag_moves = set(bags), {}
    for chunk in _chunks(bags):
        bag_rows = (
            Bag.objects.select_for_update(of=("self",))
            .filter(pk__in=chunk, state=Bag.State.CLOSED)
            .order_by("pk")
            .values_list(
                "pk",
                "identifier",
                "planned_flight_id",
                "planned_belly",
                "uld_id",
                "uld__flight_id",
                "uld__flight__number",
                "hub__airport",
                "gateway__iata",
            )
        )
        for pk, ident, planned, belly, uld_id, on, number, origin, destination in bag_rows:
            target = bags[pk]
            if uld_id is not None and on is None:
                continue  # built into a ULD since the plan ran: it goes where its ULD goes
            skipped_bags.discard(pk)
            if on is not None:
                loaded(_("Bag %(b)s") % {"b": ident}, target, on, number)
            check(_("Bag %(b)s") % {"b": ident}, target, origin, destination)
            if (planned, belly) != want_bags[pk]:
                bag_moves[pk] = want_bags[pk]
    if errors:
        shown = errors[:10]
        if len(errors) > len(shown):
            shown.append(_("…and %(n)d more.") % {"n": len(errors) - len(shown)})
        raise field_error("plan", shown, FulfillmentErrorCode.PLAN_REFUSED)

    for (target, belly), pks in _regroup(uld_moves).items():
        for chunk in _chunks(pks):
            Uld.objects.filter(pk__in=chunk).update(planned_flight_id=target, planned_belly=belly)
    kept = {pk: want_ulds[pk] for pk in ulds if pk not in skipped_ulds}
    for (target, belly), pks in _regroup(kept).items():
        for chunk in _chunks(pks):
            Bag.objects.filter(uld_id__in=chunk).exclude(
                planned_flight_id=target, planned_belly=belly
            ).update(planned_flight_id=target, planned_belly=belly)
    for (target, belly), pks in _regroup(bag_moves).items():
        for chunk in _chunks(pks):
            Bag.objects.filter(pk__in=chunk).update(planned_flight_id=target, planned_belly=belly)
    return PlannedFlights(
        len(uld_moves) + len(bag_moves), frozenset(skipped_bags), frozenset(skipped_ulds)
    )


@transaction.atomic
def unplan_flight(flight_id: int) -> tuple[int, int]:
    """Clear the flight as the planned flight of every bag and of every ULD not loaded (the
    flight is cancelled: what was planned on it waits for the next plan), wherever the bag
    is now (loose, in a ULD being built, or in one loaded on another flight, whose own flight
    it follows). Returns (bags, ULDs) cleared."""
    ulds = Uld.objects.filter(planned_flight_id=flight_id, flight__isnull=True).update(
        planned_flight_id=None, planned_belly=""
    )
    bags = Bag.objects.filter(planned_flight_id=flight_id).update(
        planned_flight_id=None, planned_belly=""
    )
    return bags, ulds
