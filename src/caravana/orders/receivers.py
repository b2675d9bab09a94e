"""Orders follow their parcels: the network and tracking publish events, orders listens (the
emitters never import orders). A parcel's `order_ref` is the order's number."""

from __future__ import annotations

from django.db import transaction

from caravana.orders import services
from caravana.orders.models import Order, OrderStatus


def on_flight_departed(sender, flight, at, **kwargs) -> None:
    """Every order with a parcel on board is shipped once the flight leaves the origin."""
    from caravana.fulfillment.queries import parcels_on_flight

    refs = (
        parcels_on_flight(flight)
        .exclude(order_ref="")
        .values_list("order_ref", flat=True)
        .distinct()
    )
    orders = Order.objects.filter(
        number__in=list(refs), status__in=(OrderStatus.PAID, OrderStatus.IN_FULFILMENT)
    )
    for order in orders:
        services.mark_shipped(order, at=at, source=f"flight {flight.number}")


def on_parcel_delivered(sender, parcel, at, **kwargs) -> None:
    """Delivery is confirmed when the last of the order's parcels is delivered."""
    if not parcel.order_ref:
        return
    order = Order.objects.filter(number=parcel.order_ref, merchant_id=parcel.merchant_id).first()
    if order is None:
        return
    from caravana.tracking.queries import undelivered_parcels

    if undelivered_parcels(order.number, order.merchant_id).exists():
        return
    with transaction.atomic():
        services.confirm_delivery(order, at=at, source="tracking")
