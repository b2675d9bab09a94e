"""The demo orders every seed starts from (checkout.demo), and the reviews seed on them: real
checkouts, paid in the sandbox, idempotent."""

from __future__ import annotations

import pytest

from caravana.accounts.models import Role
from caravana.checkout import demo as demo_orders
from caravana.orders.models import Order, OrderStatus
from caravana.reviews import demo as reviews_demo
from caravana.reviews.models import Review
from tests import factories as f

# As the seed commands run: in autocommit, so the sandbox answers after each checkout commits.
pytestmark = pytest.mark.django_db(transaction=True)


def test_paid_order_skips_what_brazil_cannot_buy_and_pays_the_first_that_sells(world):
    refused = f.product(price="10.00", stock=0, title_en="Out of stock").variants.get()
    order = demo_orders.paid_order(world["buyer"], [refused, world["variant"]], recipient="Ana B")
    assert order is not None and order.status == OrderStatus.PAID
    assert order.lines.get().variant_id == world["variant"].pk
    assert order.group.recipient == "Ana B"
    assert demo_orders.paid_order(world["buyer"], [refused]) is None
    assert Order.objects.count() == 1


def test_reviews_seed_writes_history_through_the_services_once(world):
    buyers = [(f.user(Role.BUYER, username=u, email=f"{u}@example.com", first_name=u), lang)
              for u, lang in (("lucia", "pt-br"), ("mateo", "es"))]  # fmt: skip
    counts = reviews_demo.seed_merchant(world["merchant"], buyers)
    assert counts["orders"] >= 1
    assert Review.objects.count() == counts["reviews"] <= counts["delivered"] <= counts["orders"]
    assert reviews_demo.seed_merchant(world["merchant"], buyers)["orders"] == 0
