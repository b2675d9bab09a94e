"""50 buyers, each on its own database connection, race for 10 units: never 11 sold."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from caravana.catalog.models import Stock
from caravana.orders.models import OrderLine
from tests.orders.support import BR, buyer, place

pytestmark = pytest.mark.django_db(transaction=True)
BUYERS = 50


def test_fifty_buyers_racing_for_ten_units(market):
    a, _b = market
    users = [buyer() for _ in range(BUYERS)]
    barrier = threading.Barrier(BUYERS)
    results: list[str] = []
    lock = threading.Lock()

    def attempt(user):
        try:
            barrier.wait()
            place(user, data=BR, lines=[(a.pk, 1)])
            outcome = "ok"
        except ValidationError as exc:
            outcome = "sold out" if "cart" in exc.message_dict else repr(exc)
        except Exception as exc:  # a database error would be a bug: record it
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    close_old_connections()
    assert len(results) == BUYERS
    assert results.count("ok") == 10, set(results)
    assert results.count("sold out") == BUYERS - 10
    stock = Stock.objects.get(variant=a)
    assert stock.reserved == 10 and stock.quantity == 10
    assert sum(OrderLine.objects.filter(variant=a).values_list("quantity", flat=True)) == 10
