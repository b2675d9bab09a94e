"""Listeners: an order's status changed (paid, shipped, delivered, refunded…), so its
merchant's reputation is recomputed after the commit (three aggregate queries over the
merchant's 90 days of orders; nothing happens if the transaction rolls back).

A recomputation reads all of a merchant's recent orders, so one per order event grows with the
merchant's size: a merchant with 10,000 orders in 90 days paid for 10,000 rows on each of them.
Events of one merchant are therefore coalesced: on a worker, the first schedules a refresh
COALESCE_SECONDS later and the others in between join it (the refresh reads what they wrote);
a batch writer (the network twin's hour of orders) wraps its work in `refreshed_once`, and each
merchant it touched is refreshed once at the end. With eager tasks and no batch each event
refreshes at once, as before (the tests, the demo's single orders)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction

from caravana import due

#: The changes a reputation counts (an order placed or cancelled unpaid counts for nothing).
COUNTED = ("paid", "in_fulfilment", "shipped", "delivered", "completed", "refunded")
#: How long a worker's refresh waits for more events of the same merchant.
COALESCE_SECONDS = 30

_batch: ContextVar[set[int] | None] = ContextVar("reviews_reputation_batch", default=None)


def schedule(merchant_id: int) -> None:
    """A refresh of the merchant's reputation, unless one is already due (the task clears the
    mark when it starts, so an event during a refresh schedules the next one)."""
    from caravana.reviews.tasks import refresh_merchant

    # The mark outlives the countdown: a worker that dies leaves it to expire, not forever.
    if due.mark(due.REPUTATION, merchant_id, COALESCE_SECONDS * 4):
        refresh_merchant.apply_async((merchant_id,), countdown=COALESCE_SECONDS)


@contextmanager
def refreshed_once() -> Iterator[None]:
    """Order events committed inside the block refresh each merchant once, at its end (also
    when the block fails: what committed before counts)."""
    merchants: set[int] = set()
    token = _batch.set(merchants)
    try:
        yield
    finally:
        _batch.reset(token)
        for merchant_id in sorted(merchants):
            schedule(merchant_id)


def on_order_status_changed(sender: Any, order: Any, to_status: str = "", **kwargs: Any) -> None:
    if to_status not in COUNTED:
        return
    merchant_id = order.merchant_id
    batch = _batch.get()
    if batch is not None:
        transaction.on_commit(lambda: batch.add(merchant_id))
        return
    transaction.on_commit(lambda: schedule(merchant_id))
