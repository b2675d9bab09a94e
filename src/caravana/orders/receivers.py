"""Orders follow their parcels: the network and tracking publish events, orders listens (the
emitters never import orders). A parcel's `order_ref` is the order's number."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q

from caravana.orders import services
from caravana.orders.models import Order, OrderStatus

logger = logging.getLogger(__name__)

#: Orders a delivery no longer moves.
_DONE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)


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


def on_parcels_delivered(sender, deliveries, **kwargs) -> None:
    """Delivery is confirmed when the last of an order's parcels is delivered. Set-wise: a
    carrier's batch brings a couple of hundred deliveries, most of them for no order of ours
    (or for orders with parcels still on the way), and costs at most four queries to learn
    that, whatever the batch's size."""
    from caravana.fulfillment.models import Parcel
    from caravana.tracking.queries import with_undelivered_parcels

    at_of = {d.parcel_id: d.at for d in deliveries}
    latest: dict[tuple[str, int], dt.datetime] = {}
    for pk, ref, merchant_id in (
        Parcel.objects.filter(pk__in=at_of)
        .exclude(order_ref="")
        .values_list("pk", "order_ref", "merchant_id")
    ):
        key = (ref, merchant_id)
        latest[key] = max(latest.get(key, at_of[pk]), at_of[pk])
    if not latest:
        return
    wanted = Q()
    for ref, merchant_id in latest:
        wanted |= Q(number=ref, merchant_id=merchant_id)
    orders = list(Order.objects.filter(wanted).exclude(status__in=_DONE).order_by("pk"))
    waiting = with_undelivered_parcels((o.number, o.merchant_id) for o in orders)
    for order in orders:
        if (order.number, order.merchant_id) in waiting:
            continue
        try:
            services.confirm_delivery(order, at=latest[(order.number, order.merchant_id)],
                                      source="tracking")  # fmt: skip
        except Exception:  # one order's failure must not keep the others undelivered
            logger.exception("confirming delivery of order %s failed", order.number)
