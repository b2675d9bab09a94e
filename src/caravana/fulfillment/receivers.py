"""Fulfillment follows flight movements: parcels on board become departed, then arrived. The
per-parcel UPU events (EMC, EMD) are tracking's to record from the flight signals, so nothing
is sent per parcel here: one UPDATE per flight, whatever its size."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from caravana.fulfillment.models import Parcel
from caravana.fulfillment.queries import parcels_on_flight
from caravana.network.events import flight_arrived, flight_departed


@receiver(flight_departed, dispatch_uid="fulfillment.flight_departed")
def on_flight_departed(sender: Any, flight: Any, at: Any, **kwargs: Any) -> None:
    Parcel.objects.filter(
        pk__in=parcels_on_flight(flight).filter(state=Parcel.State.LOADED).values("pk")
    ).update(state=Parcel.State.DEPARTED, updated_at=timezone.now())


@receiver(flight_arrived, dispatch_uid="fulfillment.flight_arrived")
def on_flight_arrived(sender: Any, flight: Any, at: Any, **kwargs: Any) -> None:
    Parcel.objects.filter(
        pk__in=parcels_on_flight(flight).filter(state=Parcel.State.DEPARTED).values("pk")
    ).update(state=Parcel.State.ARRIVED, updated_at=timezone.now())
