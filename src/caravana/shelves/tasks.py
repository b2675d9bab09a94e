"""Shelf roll-ups (Celery). Two runs rewriting the same rows at once: the second meets the
first's rows (a unique place) and is retried, then recomputes from the newer facts."""

from django.db import IntegrityError

from caravana.celery import app
from caravana.orders.models import OrderLine
from caravana.shelves import rollup


@app.task(ignore_result=True, autoretry_for=(IntegrityError,), max_retries=3, retry_backoff=2)
def roll_up_basket(group_id: int) -> None:
    """The "bought together" rows of one paid checkout's products."""
    products = set(
        OrderLine.objects.filter(order__group_id=group_id).values_list(
            "variant__product_id", flat=True
        )
    )
    if len(products) > 1:
        rollup.bought_together(products)


@app.task(ignore_result=True, autoretry_for=(IntegrityError,), max_retries=3, retry_backoff=2)
def roll_up_best_sellers(country: str) -> None:
    rollup.best_sellers(countries=[country])


@app.task(autoretry_for=(IntegrityError,), max_retries=3, retry_backoff=2)
def roll_up_shelves() -> dict[str, int]:
    return rollup.roll_up_all()
