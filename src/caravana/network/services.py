"""Every write to the network goes through here, inside a transaction. Flight movements send
network.events.flight_departed / flight_arrived inside the same transaction, so whatever a
listener writes (tracking events, parcel states) commits or rolls back with the movement."""

from __future__ import annotations

import datetime as dt
from typing import Any

import airportsdata
from airportsdata import Airport
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.accounts.models import Role, User
from caravana.errors import field_error
from caravana.network import events
from caravana.network.error_codes import NetworkErrorCode
from caravana.network.models import Carrier, CarrierMember, Flight, Hub, HubMember

_AIRPORTS: dict[str, Airport] | None = None


def airports() -> dict[str, Airport]:
    """airportsdata's IATA table, loaded once per process (it is a few MB)."""
    global _AIRPORTS
    if _AIRPORTS is None:
        _AIRPORTS = airportsdata.load("IATA")
    return _AIRPORTS


def _now(at: dt.datetime | None) -> dt.datetime:
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise field_error("at", _("Give the time with its time zone."), NetworkErrorCode.NAIVE_TIME)
    return at.astimezone(dt.UTC)


@transaction.atomic
def add_hub_member(hub: Hub, user: User) -> HubMember:
    """Make `user` hub staff of `hub` (one hub per person)."""
    if user.role != Role.HUB:
        user.role = Role.HUB
        user.save(update_fields=["role"])
    member, _created = HubMember.objects.update_or_create(user=user, defaults={"hub": hub})
    return member


@transaction.atomic
def add_carrier_member(carrier: Carrier, user: User) -> CarrierMember:
    """Link an integration user to a carrier; its API tokens then post that carrier's events."""
    member, _created = CarrierMember.objects.update_or_create(
        user=user, defaults={"carrier": carrier}
    )
    return member


@transaction.atomic
def create_flight(**data: Any) -> Flight:
    flight = Flight(**data)
    errors: dict[str, ValidationError] = {}
    for field in ("origin", "destination"):
        code = (getattr(flight, field) or "").upper()
        setattr(flight, field, code)
        if code not in airports():
            errors[field] = ValidationError(
                _("%(code)s is not an IATA airport code.") % {"code": code},
                code=NetworkErrorCode.UNKNOWN_AIRPORT.value,
            )
    if flight.origin == flight.destination and "origin" not in errors:
        errors["destination"] = ValidationError(
            _("Destination and origin are the same airport."),
            code=NetworkErrorCode.SAME_AIRPORT.value,
        )
    if (
        flight.scheduled_departure
        and flight.scheduled_arrival
        and flight.scheduled_arrival <= flight.scheduled_departure
    ):
        errors["scheduled_arrival"] = ValidationError(
            _("Arrival must be after departure."),
            code=NetworkErrorCode.ARRIVAL_BEFORE_DEPARTURE.value,
        )
    if errors:
        raise ValidationError(errors)
    flight.full_clean()
    flight.save()
    return flight


@transaction.atomic
def mark_departed(flight: Flight, at: dt.datetime | None = None) -> Flight:
    """Record the actual departure; sends flight_departed once (a repeat is a no-op)."""
    flight = Flight.objects.select_for_update().get(pk=flight.pk)
    if flight.state == Flight.State.DEPARTED:
        return flight
    if flight.state != Flight.State.SCHEDULED:
        raise field_error(
            "state",
            _("Flight %(f)s is %(s)s.") % {"f": flight, "s": flight.get_state_display()},
            NetworkErrorCode.INVALID_FLIGHT_STATE,
        )
    flight.actual_departure = _now(at)
    flight.state = Flight.State.DEPARTED
    flight.save(update_fields=["actual_departure", "state"])
    events.flight_departed.send(sender=Flight, flight=flight, at=flight.actual_departure)
    return flight


@transaction.atomic
def mark_arrived(flight: Flight, at: dt.datetime | None = None) -> Flight:
    """Record the actual arrival; sends flight_arrived once (a repeat is a no-op)."""
    flight = Flight.objects.select_for_update().get(pk=flight.pk)
    if flight.state == Flight.State.ARRIVED:
        return flight
    if flight.state != Flight.State.DEPARTED:
        raise field_error(
            "state", _("Only a departed flight can arrive."), NetworkErrorCode.INVALID_FLIGHT_STATE
        )
    at = _now(at)
    assert flight.actual_departure is not None, "a departed flight has its departure time"
    if at < flight.actual_departure:
        raise field_error(
            "at",
            _("Arrival cannot be before departure."),
            NetworkErrorCode.ARRIVAL_BEFORE_DEPARTURE,
        )
    flight.actual_arrival = at
    flight.state = Flight.State.ARRIVED
    flight.save(update_fields=["actual_arrival", "state"])
    events.flight_arrived.send(sender=Flight, flight=flight, at=flight.actual_arrival)
    return flight


@transaction.atomic
def cancel_flight(flight: Flight) -> Flight:
    """Cancel a scheduled flight that nothing is loaded on yet; its plan comes off it with it
    (events.flight_cancelled: planning clears its bags' planned flight, its bookings and its
    air waybills, in this transaction)."""
    flight = Flight.objects.select_for_update().get(pk=flight.pk)
    if flight.state == Flight.State.CANCELLED:
        return flight
    if flight.state != Flight.State.SCHEDULED:
        raise field_error(
            "state",
            _("Only a scheduled flight can be cancelled."),
            NetworkErrorCode.INVALID_FLIGHT_STATE,
        )
    if flight.ulds.exists():
        raise field_error(
            "state",
            _("Unload the ULDs before cancelling the flight."),
            NetworkErrorCode.ULDS_LOADED,
        )
    flight.state = Flight.State.CANCELLED
    flight.save(update_fields=["state"])
    events.flight_cancelled.send(sender=Flight, flight=flight)
    return flight
