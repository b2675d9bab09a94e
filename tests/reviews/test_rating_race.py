"""Two reviews of one product committing together (PostgreSQL, two connections): the rating
refresh locks the product's row before counting, so the later review waits for the earlier
and counts it; without the lock each counts only itself and the product keeps a count of 1."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from caravana.catalog.models import Product
from caravana.reviews import services
from tests.reviews.conftest import deliver, paid

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between two connections: SQLite serialises whole transactions",
    ),
]


def test_two_reviews_committing_together_are_both_counted(world):
    buyer = world["buyer"]
    first = deliver(paid(buyer, world["variant"])).lines.get()
    second = deliver(paid(world["other"], world["variant"])).lines.get()
    written = threading.Event()
    failures: list[BaseException] = []

    def review_and_hold() -> None:
        """The first review, its transaction held open a second after the refresh."""
        try:
            with transaction.atomic():
                services.write_review(buyer, first, 5, "Good", language="en")
                written.set()
                time.sleep(1.0)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
            written.set()
        finally:
            connection.close()

    def review() -> None:
        try:
            services.write_review(world["other"], second, 3, "Fine", language="en")
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=review_and_hold)
    holder.start()
    assert written.wait(10)
    other = threading.Thread(target=review)
    started = time.monotonic()
    other.start()
    other.join(15)
    waited = time.monotonic() - started
    holder.join(15)
    assert not failures, failures
    product = Product.objects.get(pk=world["product"].pk)
    assert product.rating_count == 2, "the later review counted without the earlier"
    assert str(product.rating_avg) in {"4", "4.0", "4.00", "4.000"}, product.rating_avg
    assert waited > 0.5  # it waited for the product's lock
