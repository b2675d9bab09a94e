"""A seller's reputation is counted from its orders, disputes, refunds and reviews, and updated
from order events; the badge follows Caravana's own scale (reviews.reputation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from caravana import due
from caravana.orders import disputes
from caravana.orders.models import Order
from caravana.reviews import receivers, reputation, services, tasks
from caravana.reviews.models import Reputation
from tests.reviews.conftest import deliver, paid

D = Decimal


def _counts(**kw) -> reputation.Counts:
    base = dict(paid=20, ship_due=20, shipped_on_time=20, delivery_due=20,
                delivered_in_promise=20, disputed=0, refunded=0, rating_sum=0,
                rating_count=0, months=1, recent=20)  # fmt: skip
    return reputation.Counts(**{**base, **kw})


def test_the_scale():
    assert reputation.figures(_counts(paid=9)).badge == "new"
    assert reputation.figures(_counts()).badge == "top"
    assert reputation.figures(_counts(rating_sum=4 * 10, rating_count=10)).badge == "good"
    assert reputation.figures(_counts(shipped_on_time=17)).badge == "good"  # 85%
    assert reputation.figures(_counts(shipped_on_time=16)).badge == "fair"
    assert reputation.figures(_counts(disputed=1, paid=40)).badge == "good"  # 2.5%
    assert reputation.figures(_counts(disputed=1, paid=20)).badge == "fair"  # 5%
    f = reputation.figures(_counts(delivered_in_promise=15, delivery_due=20, refunded=1))
    assert (f.delivered_in_promise, f.refund_rate) == (D("0.7500"), D("0.0500"))
    assert f.badge == "fair"


def test_nothing_to_count_is_not_held_against_the_seller():
    f = reputation.figures(_counts(ship_due=0, shipped_on_time=0, delivery_due=0,
                                   delivered_in_promise=0))  # fmt: skip
    assert f.shipped_on_time is None and f.badge == "top"


def test_stars_text():
    assert reputation.stars_text(D("4.5")) == "★★★★★"
    assert reputation.stars_text(D("4.49")) == "★★★★☆"
    assert reputation.stars_text(None) == "☆☆☆☆☆"


@pytest.mark.django_db
def test_figures_are_counted_from_orders(world):
    m = world["merchant"]
    on_time = deliver(paid(world["buyer"], world["variant"]))
    late = paid(world["other"], world["variant"])
    Order.objects.filter(pk=late.pk).update(paid_at=timezone.now() - dt.timedelta(days=10))
    undelivered = paid(world["buyer"], world["variant"])
    disputes.open_dispute(undelivered, world["buyer"], "not_received", "Where is it?")
    services.write_review(world["buyer"], on_time.lines.get(), 5, "Good", language="es")
    rep = services.refresh_reputation(m.pk)
    assert rep.orders_counted == 3 and rep.orders_90_days == 3
    # on time: the delivered one; late: paid 10 days ago and not shipped; the third not due.
    assert rep.shipped_on_time == D("0.5000")
    assert rep.delivered_in_promise == D("1.0000")
    assert rep.dispute_rate == D("0.3333")
    assert rep.refund_rate == D("0.0000")
    assert (rep.rating_avg, rep.rating_count) == (D("5.00"), 1)
    assert rep.badge == "new"  # fewer than MIN_ORDERS


@pytest.mark.django_db(transaction=True)
def test_order_events_update_the_reputation(world):
    from tests.orders.support import ensure_pricing

    ensure_pricing()
    order = paid(world["buyer"], world["variant"])
    rep = Reputation.objects.get(merchant=world["merchant"])  # paid: an order event
    assert rep.orders_counted == 1 and rep.delivered_in_promise is None
    deliver(order)
    rep.refresh_from_db()
    assert rep.delivered_in_promise == D("1.0000")


@pytest.mark.django_db(transaction=True)  # the refresh waits for the commits
def test_a_batch_of_order_events_refreshes_the_merchant_once_at_its_end(world):
    """A refresh reads all of the merchant's recent orders: one per event made a batch writer
    (the twin's hour of orders) quadratic in the merchant's size."""
    from tests.orders.support import ensure_pricing

    ensure_pricing()
    with receivers.refreshed_once():
        orders = [paid(world["buyer"], world["variant"]) for _ in range(3)]
        deliver(orders[0])
        assert not Reputation.objects.filter(merchant=world["merchant"]).exists()
    rep = Reputation.objects.get(merchant=world["merchant"])
    assert rep.orders_counted == 3 and rep.delivered_in_promise == D("1.0000")


@pytest.mark.django_db
def test_a_due_refresh_is_not_scheduled_twice(world):
    """On a worker the first event schedules the refresh a little later and the next ones join
    it; the refresh clears the mark as it starts, so a later event schedules the next one."""
    m = world["merchant"].pk
    due.clear(due.REPUTATION, [m])
    assert due.mark(due.REPUTATION, m, 60) and not due.mark(due.REPUTATION, m, 60)
    tasks.refresh_merchant(m)  # what the worker runs
    assert due.mark(due.REPUTATION, m, 60)
    due.clear(due.REPUTATION, [m])


@pytest.mark.django_db
def test_the_store_page_and_the_api_show_it(world):
    deliver(paid(world["buyer"], world["variant"]))
    services.refresh_reputation(world["merchant"].pk)
    store = world["product"].store
    c = Client()
    page = c.get(f"/s/{store.slug}/")
    assert page.status_code == 200
    assert b'data-testid="reputation"' in page.content and b'data-badge="new"' in page.content
    r = c.get(f"/api/v1/stores/{store.slug}/reputation")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["badge"] == "new" and body["orders_counted"] == 1
    assert body["delivered_in_promise"] == "1.0000" or float(body["delivered_in_promise"]) == 1
