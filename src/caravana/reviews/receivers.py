"""Listeners: an order's status changed (paid, shipped, delivered, refunded…), so its
merchant's reputation is recomputed after the commit (three aggregate queries; nothing
happens if the transaction rolls back)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

#: The changes a reputation counts (an order placed or cancelled unpaid counts for nothing).
COUNTED = ("paid", "in_fulfilment", "shipped", "delivered", "completed", "refunded")


def on_order_status_changed(sender: Any, order: Any, to_status: str = "", **kwargs: Any) -> None:
    if to_status not in COUNTED:
        return
    from caravana.reviews.tasks import refresh_merchant

    merchant_id = order.merchant_id
    transaction.on_commit(lambda: refresh_merchant.delay(merchant_id))
