"""What planning hears from other apps."""

from __future__ import annotations

from typing import Any

from caravana.planning import services


def on_flight_cancelled(sender: Any, flight: Any, **kwargs: Any) -> None:
    """network.events.flight_cancelled: the flight's plan comes off it."""
    services.take_plan_off(flight)
