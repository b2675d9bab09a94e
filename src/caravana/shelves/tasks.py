"""Shelf roll-ups (Celery). Two runs rewriting the same rows at once: the second meets the
first's rows (a unique place) and is retried, then recomputes from the newer facts."""

from django.db import IntegrityError

from caravana import due
from caravana.celery import app
from caravana.orders.models import OrderLine
from caravana.shelves import rollup


@app.task(ignore_result=True)
def roll_up_basket(group_id: int) -> None:
    """A paid checkout's products' "bought together" rows, coalesced per product: a roll-up
    reads every basket of the product in BOUGHT_TOGETHER_DAYS, so one per payment would cost
    a best seller's whole history on every order. The products without a run pending are
    marked and rolled up COALESCE_SECONDS later (at once with eager Celery), reading what the
    baskets paid meanwhile wrote; a product with one pending joins it. A mark the run could
    not clear (a lost run; a cache per process, CACHE_URL unset, where the worker's clearing
    does not reach the web process's mark) only delays the product's next run until the mark
    expires (MARK_SECONDS); the hourly roll_up_shelves rewrites every row whatever happened."""
    products = set(
        OrderLine.objects.filter(order__group_id=group_id).values_list(
            "variant__product_id", flat=True
        )
    )
    if len(products) < 2:
        return
    marked = sorted(p for p in products if due.mark(due.BOUGHT_TOGETHER, p, MARK_SECONDS))
    if marked:
        roll_up_products.apply_async((marked,), countdown=COALESCE_SECONDS)


@app.task(ignore_result=True, autoretry_for=(IntegrityError,), max_retries=3, retry_backoff=2)
def roll_up_products(product_ids: list[int]) -> None:
    """The "bought together" rows of these products (roll_up_basket's coalesced run)."""
    # first: a basket paid from now on marks its products again and schedules the next run
    due.clear(due.BOUGHT_TOGETHER, product_ids)
    rollup.bought_together(product_ids)


#: How long a product's "bought together" roll-up waits for more of its baskets.
COALESCE_SECONDS = 30
#: How long a mark outlives its run's countdown at most (a run that never cleared it).
MARK_SECONDS = COALESCE_SECONDS * 2


@app.task(ignore_result=True, autoretry_for=(IntegrityError,), max_retries=3, retry_backoff=2)
def roll_up_best_sellers(country: str) -> None:
    rollup.best_sellers(countries=[country])


@app.task(autoretry_for=(IntegrityError,), max_retries=3, retry_backoff=2)
def roll_up_shelves() -> dict[str, int]:
    return rollup.roll_up_all()
