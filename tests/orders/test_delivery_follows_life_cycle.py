"""An order's delivery follows its parcel's life cycle (issue 15, item 4): an EMI the life cycle
ignores (on the way back, after a return event) delivers no order, neither when published nor
in the catch-up sweep; a failed attempt is no delivery; a delivery later followed by a return
stays the delivery it was."""

import datetime as dt

import pytest
from django.utils import timezone

from caravana.network.seed import seed_network
from caravana.orders.models import OrderStatus
from caravana.orders.receivers import catch_up_deliveries
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import simulate
from caravana.tracking import lifecycle, queries, recording, upu
from caravana.tracking.batch import EventIn
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db


def event(parcel, code, at, n=1, **details):
    return EventIn(
        parcel_id=parcel.pk, identifier=parcel.s10, source=f"carrier:{parcel.carrier.code}",
        event_id=f"{parcel.s10}-{code}-{n}", code=code, occurred_at=at, details=details,
        carrier_id=parcel.carrier_id,
    )  # fmt: skip


@pytest.fixture
def shipped(market):
    seed_network(timezone.now().date())
    group, payment, _r = place(buyer(), lines=[(market[0].pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    return order, ship_as_parcel(order, "SZX-HUB")


def test_an_emi_on_the_way_back_delivers_no_order(shipped, django_capture_on_commit_callbacks):
    order, parcel = shipped
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        recording.record_batch([event(parcel, "EMH", now + dt.timedelta(minutes=1),
                                      reason="absent", action="return")])  # fmt: skip
        recording.record_batch([event(parcel, "EMI", now + dt.timedelta(minutes=5))])
    order.refresh_from_db()
    assert order.status != OrderStatus.DELIVERED and order.delivered_at is None
    assert queries.tracking_view(parcel.s10).status == upu.RETURN_TO_SENDER
    assert queries.tracking_view(parcel.s10).delivered_at is None
    assert queries.first_deliveries([parcel.pk]) == []
    assert queries.with_undelivered_parcels([(order.number, order.merchant_id)]) == {
        (order.number, order.merchant_id)
    }
    # Nor does the sweep that catches up lost deliveries.
    assert catch_up_deliveries() == 0
    order.refresh_from_db()
    assert order.delivered_at is None


def test_a_failed_attempt_is_no_delivery(shipped, django_capture_on_commit_callbacks):
    order, parcel = shipped
    with django_capture_on_commit_callbacks(execute=True):
        recording.record_batch(
            [event(parcel, "EMH", timezone.now() + dt.timedelta(minutes=1), reason="absent")]
        )
    assert catch_up_deliveries() == 0
    order.refresh_from_db()
    assert order.delivered_at is None


def test_a_delivery_then_a_return_stays_delivered(shipped, django_capture_on_commit_callbacks):
    """The return arrives first, the EMI stamped before it arrives late: the buyer had it."""
    order, parcel = shipped
    now = timezone.now()
    emi_at = now + dt.timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        recording.record_batch([event(parcel, "EDX", now + dt.timedelta(minutes=6),
                                      decision="returned")])  # fmt: skip
        recording.record_batch([event(parcel, "EMI", emi_at)])
    order.refresh_from_db()
    assert (order.status, order.delivered_at) == (OrderStatus.DELIVERED, emi_at)


def test_counted_delivery_is_the_earliest_emi_before_any_return():
    d, r, s = upu.DELIVERED, upu.RETURN_TO_SENDER, upu.SEIZED
    assert lifecycle.counted_delivery([]) is None
    assert lifecycle.counted_delivery([(d, 3, "b"), (d, 1, "a")]) == "a"
    assert lifecycle.counted_delivery([(r, 2, "x"), (d, 1, "a"), (d, 3, "b")]) == "a"
    assert lifecycle.counted_delivery([(r, 1, "x"), (d, 3, "b")]) is None
    assert lifecycle.counted_delivery([(s, 1, "x"), (d, 3, "b")]) is None
    assert lifecycle.counted_delivery([(r, 1, "x"), (d, 1, "b")]) is None  # same instant
    assert lifecycle.counted_delivery([(upu.DELIVERY_FAILED, 0, "f")]) is None
