"""50 buyers, each on its own database connection, race for 10 units: never 11 sold."""

import threading

import pytest
from django.db import close_old_connections, connection

from caravana.catalog.models import Stock
from caravana.orders.models import OrderLine
from tests import racing
from tests.orders.support import BR, buyer, place

pytestmark = pytest.mark.django_db(transaction=True)
BUYERS = 50


def test_fifty_buyers_racing_for_ten_units(market):
    a, _b = market
    users = [buyer() for _ in range(BUYERS)]
    results = racing.race(
        users,
        lambda user: place(user, data=BR, lines=[(a.pk, 1)]),
        refused=lambda exc: "sold out" if "cart" in exc.message_dict else repr(exc),
    )
    assert len(results) == BUYERS
    assert results.count("ok") == 10, set(results)
    assert results.count("sold out") == BUYERS - 10
    stock = Stock.objects.get(variant=a)
    assert stock.reserved == 10 and stock.quantity == 10
    assert sum(OrderLine.objects.filter(variant=a).values_list("quantity", flat=True)) == 10


def test_a_checkout_and_a_capture_sharing_stock_do_not_deadlock(market):
    """Checkout reserves stock by variant; a capture used to sell it order by order, so a group
    whose first order holds the later variant locked the two rows the other way round."""
    from caravana.orders.models import Order
    from caravana.payments import captures
    from tests.payments.test_concurrency import run, wait_for_lock_waits

    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlock detection: PostgreSQL")
    a, b = market
    assert a.pk < b.pk and a.product.store.merchant_id != b.product.store.merchant_id
    group, payment, _r = place(buyer(), data=BR, lines=[(b.pk, 1), (a.pk, 1)])
    first = Order.objects.filter(group=group).order_by("pk").first()
    assert first.lines.get().variant_id == b.pk  # the capture sold b before a
    errors: list[BaseException] = []
    holding, release = threading.Event(), threading.Event()
    stock_a = Stock.objects.get(variant=a)

    def hold_a():
        from django.db import transaction

        with transaction.atomic():
            Stock.objects.select_for_update().get(pk=stock_a.pk)
            holding.set()
            release.wait(60)

    threads = [run(hold_a, errors)]
    assert holding.wait(30)
    threads.append(run(lambda: place(buyer(), data=BR, lines=[(a.pk, 1), (b.pk, 1)]), errors))
    wait_for_lock_waits(1)  # the checkout waits for a
    capture = lambda: captures.capture(payment, amount=payment.amount, currency=payment.currency)  # noqa: E731
    threads.append(run(capture, errors))
    wait_for_lock_waits(2)  # the capture too (having sold b, before)
    release.set()
    for thread in threads:
        thread.join(120)
    close_old_connections()
    assert not errors, errors
    assert set(Order.objects.filter(group=group).values_list("status", flat=True)) == {"paid"}
    for variant in (a, b):
        stock = Stock.objects.get(variant=variant)
        assert (stock.quantity, stock.reserved) == (9, 1)
