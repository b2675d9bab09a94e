"""Listeners. A payment makes its basket's products' "bought together" rows stale: they are
rewritten after the commit, one pending run per product at a time, COALESCE_SECONDS after
the first payment that found none (shelves.tasks.roll_up_basket: a roll-up reads each
product's baskets). The country's best sellers are
rolled up at most once per BEST_SELLERS_EVERY seconds from payments (the hourly beat catches
the rest). A login moves the anonymous session's recent views and pending wish to the account."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction

BEST_SELLERS_EVERY = 600


def on_order_status_changed(sender: Any, order: Any, to_status: str = "", **kwargs: Any) -> None:
    if to_status != "paid":
        return
    from caravana.shelves import tasks

    group_id, country = order.group_id, order.country

    def schedule() -> None:
        tasks.roll_up_basket.delay(group_id)
        if cache.add(f"shelves:best-sellers:{country}", 1, BEST_SELLERS_EVERY):
            tasks.roll_up_best_sellers.delay(country)

    transaction.on_commit(schedule)


def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if getattr(user, "role", "buyer") != "buyer":
        return
    from caravana.shelves import services

    services.adopt_session(user, request.session)
