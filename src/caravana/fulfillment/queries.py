"""Reads other apps need (tracking fans flight movements out to parcels with these)."""

from __future__ import annotations

from django.db.models import QuerySet

from caravana.fulfillment.models import Parcel
from caravana.network.models import Flight


def parcels_on_flight(flight: Flight) -> QuerySet[Parcel]:
    """Every parcel in a bag in a ULD loaded on `flight` (one query; iterate or .values())."""
    return Parcel.objects.filter(bag__uld__flight=flight)
