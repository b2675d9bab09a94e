"""Parcels other apps send back, announced to the country's returns point."""

from __future__ import annotations

from typing import Any

from caravana.fulfillment.models import Parcel
from caravana.redelivery import reasons as delivery_reasons
from caravana.returns import rules, services


def on_parcel_sent_back(sender: Any, parcel: Parcel, reason: str, **kwargs: Any) -> None:
    """A refused parcel comes back as refused; one the carrier gave up on as undeliverable."""
    why = rules.REFUSED if reason == delivery_reasons.REFUSED else rules.UNDELIVERABLE
    services.expect_parcel(parcel, why)


def connect() -> None:
    from caravana.orders.events import order_cancelled, order_restocked
    from caravana.redelivery.signals import parcel_sent_back
    from caravana.returns import local_orders

    order_cancelled.connect(local_orders.on_order_cancelled, dispatch_uid="returns.local_back")
    order_restocked.connect(local_orders.on_order_restocked, dispatch_uid="returns.local_refunded")
    parcel_sent_back.connect(on_parcel_sent_back, dispatch_uid="returns.parcel_sent_back")
