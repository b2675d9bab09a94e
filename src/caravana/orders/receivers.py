"""Orders follow their parcels: the network and tracking publish events, orders listens (the
emitters never import orders). A parcel's `order_ref` is the order's number."""

from __future__ import annotations

import datetime as dt
import logging

from caravana.orders import lifecycle
from caravana.orders.models import Order, OrderStatus

logger = logging.getLogger(__name__)

#: Orders a delivery no longer moves.
_DONE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def owns_order(merchant, order_ref: str) -> bool:
    """Whether `order_ref` is the number of one of `merchant`'s orders: fulfillment asks before
    a parcel may name an order (installed in OrdersConfig.ready)."""
    return Order.objects.filter(number=order_ref, merchant=merchant).exists()


def on_flight_departed(sender, flight, at, **kwargs) -> None:
    """Every order with a parcel on board is shipped once the flight leaves the origin. An
    order is matched on its number and its merchant: a parcel of one merchant never moves
    another merchant's order, whatever reference it carries."""
    from caravana.fulfillment.queries import parcels_on_flight

    pairs = set(
        parcels_on_flight(flight)
        .exclude(order_ref="")
        .values_list("order_ref", "merchant_id")
        .distinct()
    )
    if not pairs:
        return
    orders = Order.objects.filter(
        number__in={ref for ref, _m in pairs},
        status__in=(OrderStatus.PAID, OrderStatus.IN_FULFILMENT),
    ).order_by("pk")
    for order in orders:
        if (order.number, order.merchant_id) not in pairs:
            logger.warning(
                "flight %s carries a parcel naming order %s of another merchant: left alone",
                flight.number,
                order.number,
            )
            continue
        lifecycle.mark_shipped(order, at=at, source=f"flight {flight.number}")


def on_parcels_delivered(sender, deliveries, **kwargs) -> int:
    """Delivery is confirmed when the last of an order's parcels is delivered. Set-wise: a
    carrier's batch brings a couple of hundred deliveries, most of them for no order of ours
    (or for orders with parcels still on the way), and costs at most four queries to learn
    that, whatever the batch's size. Returns how many orders it delivered.

    Orders are looked up by number (unique) and matched to the parcel's merchant here, not
    with one OR of (number, merchant) pairs per order: SQLite refuses an expression of a
    thousand of those."""
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
        return 0
    orders = [
        o
        for o in Order.objects.filter(number__in={ref for ref, _m in latest})
        .exclude(status__in=_DONE)
        .order_by("pk")
        if (o.number, o.merchant_id) in latest
    ]
    waiting = with_undelivered_parcels((o.number, o.merchant_id) for o in orders)
    delivered = 0
    for order in orders:
        if (order.number, order.merchant_id) in waiting:
            continue
        try:
            lifecycle.confirm_delivery(order, at=latest[(order.number, order.merchant_id)],
                                      source="tracking")  # fmt: skip
        except Exception:  # one order's failure must not keep the others undelivered
            logger.exception("confirming delivery of order %s failed", order.number)
        else:
            delivered += 1
    return delivered


#: Orders that a delivery can still move, for the catch-up sweep (awaiting payment: not yet).
_OPEN = (OrderStatus.PAID, OrderStatus.IN_FULFILMENT, OrderStatus.SHIPPED)


def catch_up_deliveries(chunk: int = 1000) -> int:
    """Confirm the orders whose parcels tracking shows delivered but which never heard of it:
    the delivery is published once, after the recording transaction commits, and a crash in
    between loses it. Run periodically (Celery beat, or the catch_up_deliveries command); goes
    through on_parcels_delivered, so an order is delivered only with its last parcel, and an
    order already delivered is left alone. Four queries per thousand open orders, plus those of
    on_parcels_delivered where there is something to catch up. Returns how many orders it
    delivered."""
    from caravana.fulfillment.models import Parcel
    from caravana.tracking.queries import first_deliveries

    delivered, after = 0, 0
    while True:
        orders = list(
            Order.objects.filter(status__in=_OPEN, pk__gt=after)
            .order_by("pk")
            .values_list("pk", "number", "merchant_id")[:chunk]
        )
        if not orders:
            return delivered
        after = orders[-1][0]
        merchant_of = {number: merchant_id for _pk, number, merchant_id in orders}
        parcel_ids = [
            pk
            for pk, ref, merchant_id in Parcel.objects.filter(
                order_ref__in=merchant_of
            ).values_list("pk", "order_ref", "merchant_id")
            if merchant_of[ref] == merchant_id
        ]
        deliveries = first_deliveries(parcel_ids)
        if deliveries:
            delivered += on_parcels_delivered(sender=None, deliveries=deliveries)


def on_parcel_key_events(sender, events, **kwargs) -> set[int]:
    """Tracking's key events of parcels that name one of our orders: a customs hold and the
    day of delivery become order e-mails (orders.notifications), owed once per parcel and
    moment, sent by a task. A hold that asks the buyer for something (``asks_buyer``) has
    its own e-mail already, the customs request owed by clearance: it is claimed and owes
    nothing more, so the buyer reads one e-mail per hold. Departure and final delivery are
    announced by the order's own transitions (mark_shipped, confirm_delivery). Returns the
    event ids the order announces, which tracking then does not e-mail about; two queries per
    batch."""
    from caravana.orders import notifications

    wanted = [
        e for e in events
        if e.code in notifications.MOMENT_OF_CODE or e.code in notifications.COVERED_BY_ORDER
    ]  # fmt: skip
    if not wanted:
        return set()
    orders = {
        (o.number, o.merchant_id): o
        for o in Order.objects.filter(number__in={e.order_ref for e in wanted})
    }
    claimed = set()
    for e in wanted:
        order = orders.get((e.order_ref, e.merchant_id))
        if order is None:  # a parcel naming another merchant's order: not ours to announce
            continue
        claimed.add(e.event_id)
        if e.asks_buyer:  # the sender's own e-mail asked the buyer (one e-mail per hold)
            continue
        moment = notifications.MOMENT_OF_CODE.get(e.code)
        if moment and order.status not in _DONE:
            notifications.owe(order, moment, e.identifier, reason=e.reason)
    return claimed
