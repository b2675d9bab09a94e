"""Redelivery listens to tracking (tracking never imports it): a failed attempt of a parcel
naming one of our orders arrives as a key event (tracking.events.parcel_key_events)."""

from __future__ import annotations

from typing import Any


def on_parcel_key_events(sender: Any, events: list, **kwargs: Any) -> set[int]:
    """Failed attempts (EMH) become FailedAttempt rows, the buyer's question or the parcel's
    way back (redelivery.services.record_failures); returns the events announced here."""
    from caravana.redelivery import services

    return services.record_failures(events)


def on_parcels_delivered(sender: Any, deliveries: list, **kwargs: Any) -> int:
    """Delivered parcels close their open failed attempts (redelivery.services)."""
    from caravana.redelivery import services

    return services.close_delivered(d.parcel_id for d in deliveries)
