"""Tracking listens to fulfillment and the network; neither imports tracking.

Hub steps arrive one parcel at a time (parcel_event), or for all the parcels a step moves at
once (parcels_moved: a bag into a ULD, a ULD onto a flight), recorded as one batch; flight
movements once per flight, fanned out here to one batch of EMC / EMD events for every parcel on
board (one INSERT, not one per parcel). All are sent inside the emitter's transaction, so the
events commit or roll back with the movement itself."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from caravana.fulfillment.events import parcel_event, parcel_events, parcels_moved
from caravana.fulfillment.queries import parcels_on_flight
from caravana.network.events import flight_arrived, flight_departed
from caravana.tracking import ingestion


@receiver(parcel_event, dispatch_uid="tracking.parcel_event")
def on_parcel_event(
    sender: Any, parcel: Any, code: str | None, state: str, at: Any, location: str, details: Any,
    **kwargs: Any,
) -> None:  # fmt: skip
    ingestion.record_hub_step(parcel, code, state, at, location, details or {})


@receiver(parcel_events, dispatch_uid="tracking.parcel_events")
def on_parcel_events(sender: Any, changes: Any, **kwargs: Any) -> None:
    ingestion.record_hub_changes(changes)


@receiver(parcels_moved, dispatch_uid="tracking.parcels_moved")
def on_parcels_moved(
    sender: Any, parcels: Any, code: str | None, state: str, at: Any, location: str,
    details: Any, **kwargs: Any,
) -> None:  # fmt: skip
    ingestion.record_hub_steps(parcels, code, state, at, location, details or {})


@receiver(flight_departed, dispatch_uid="tracking.flight_departed")
def on_flight_departed(sender: Any, flight: Any, at: Any, **kwargs: Any) -> None:
    ingestion.record_flight_movement(
        flight, "EMC", at, parcels_on_flight(flight).values_list("pk", "s10")
    )


@receiver(flight_arrived, dispatch_uid="tracking.flight_arrived")
def on_flight_arrived(sender: Any, flight: Any, at: Any, **kwargs: Any) -> None:
    ingestion.record_flight_movement(
        flight, "EMD", at, parcels_on_flight(flight).values_list("pk", "s10")
    )
