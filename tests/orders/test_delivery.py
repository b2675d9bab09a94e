"""Orders hear about deliveries a batch at a time (tracking.events.parcels_delivered): an order
is delivered when the last of its parcels is, whatever else the batch holds."""

import datetime as dt

import pytest
from django.utils import timezone

from caravana.fulfillment.services import parcels as parcel_services
from caravana.network.seed import seed_network
from caravana.orders.models import OrderStatus
from caravana.orders.shipping import parcel_data, ship_as_parcel
from caravana.payments import simulate
from caravana.tracking import recording
from caravana.tracking.batch import EventIn
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db


def emi(parcel, at):
    return EventIn(
        parcel_id=parcel.pk,
        identifier=parcel.s10,
        source=f"carrier:{parcel.carrier.code}",
        event_id=f"{parcel.s10}-EMI",
        code="EMI",
        occurred_at=at,
        carrier_id=parcel.carrier_id,
    )


def test_an_order_is_delivered_with_its_last_parcel(market, django_capture_on_commit_callbacks):
    seed_network(timezone.now().date())
    a, b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1), (b.pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    first, second = group.orders.order_by("pk")
    # A merchant may split an order into several parcels (the console's shipping form does
    # one; the service takes any number).
    data = parcel_data(first, "SZX-HUB")
    first_parcels = [ship_as_parcel(first, "SZX-HUB"), parcel_services.create_parcel(first.merchant,
                                                                                 data)]  # fmt: skip
    second_parcel = ship_as_parcel(second, "SZX-HUB")
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        result = recording.record_batch(
            [emi(first_parcels[0], now - dt.timedelta(hours=2)),
             emi(second_parcel, now - dt.timedelta(hours=1))]
        )  # fmt: skip
    assert sorted(result.delivered) == sorted([first_parcels[0].s10, second_parcel.s10])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status != OrderStatus.DELIVERED  # its second parcel is still on the way
    assert (second.status, second.delivered_at) == (
        OrderStatus.DELIVERED,
        now - dt.timedelta(hours=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        recording.record_batch([emi(first_parcels[1], now)])
        recording.record_batch([emi(first_parcels[1], now)])  # resent: nothing more happens
    first.refresh_from_db()
    assert (first.status, first.delivered_at) == (OrderStatus.DELIVERED, now)


def test_a_delivery_signal_lost_after_commit_is_caught_up(market):
    """The EMI committed but the process died before the after-commit signal (here: the
    callbacks never run): the periodic sweep delivers the order, once, among more open orders
    than one of its pages holds (an OR of a thousand orders is more than SQLite takes)."""
    from caravana.orders.models import Order
    from caravana.orders.receivers import catch_up_deliveries

    seed_network(timezone.now().date())
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    clones = []
    for i in range(1500):  # open orders without parcels, before and after ours
        clone = Order.objects.get(pk=order.pk)
        clone.pk, clone.number = None, f"{order.number}-C{i}"
        clones.append(clone)
    Order.objects.bulk_create(clones)
    parcel = ship_as_parcel(order, "SZX-HUB")
    at = timezone.now() - dt.timedelta(hours=3)
    recording.record_batch([emi(parcel, at)])  # on_commit callbacks are dropped
    order.refresh_from_db()
    assert order.status != OrderStatus.DELIVERED
    assert catch_up_deliveries() == 1
    order.refresh_from_db()
    assert (order.status, order.delivered_at) == (OrderStatus.DELIVERED, at)
    assert catch_up_deliveries() == 0
