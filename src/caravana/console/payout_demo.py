"""The demo's payout run: every demo merchant sells one order to the demo buyer in Brazil,
paid in the sandbox, delivered and confirmed (escrow released through the real services),
then one payout run pays them all and each statement is checked against the ledger. Lives
with the console because it drives checkout, orders and payments together."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from caravana.catalog.models import Merchant, Variant
from caravana.checkout import demo as demo_orders
from caravana.orders import lifecycle
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import escrow, ledger, payouts, statements
from caravana.payments.models import PayoutBatch


def _sell_one(merchant: Merchant, buyer: Any) -> bool:
    """One delivered, confirmed order of the merchant's (the first variant Brazil can buy)."""
    variants = Variant.objects.filter(merchant=merchant, stock__quantity__gt=2).order_by("pk")[:20]
    order = demo_orders.paid_order(buyer, variants)
    if order is None:
        return False
    ship_as_parcel(order, "SZX-HUB")
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order.number)
    lifecycle.confirm_receipt(order.number, buyer)
    escrow.release(order)  # what the order_completed task does; a second release is a no-op
    return True


def run(buyer_username: str = "buyer") -> dict[str, Any]:
    """Sell, pay out and check; what happened, with the problems found ([] when none)."""
    from django.utils import timezone

    from caravana.network.seed import seed_network

    buyer = get_user_model().objects.get(username=buyer_username)
    seed_network(timezone.now().date())
    merchants = list(Merchant.objects.order_by("pk"))
    sold = sum(
        _sell_one(m, buyer)
        for m in merchants
        if not PayoutBatch.objects.filter(merchant=m).exists()
    )
    batches = payouts.run_payouts(limit=None)
    return {
        "merchants": len(merchants),
        "orders": sold,
        "batches": len(batches),
        "problems": statements.check_against_ledger() + ledger.reconcile(),
    }
