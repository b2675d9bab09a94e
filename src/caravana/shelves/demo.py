"""The demo's baskets (`make demo`, after seed_reviews made its buyers and their one-product
orders): the demo buyers check out a few products that go together in one basket, paid in the
sandbox, so product pages show "bought together"; then every shelf is rolled up. Deterministic;
run again, it finds its baskets and only rolls up."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.db.models import Count

from caravana.catalog.models import Product, Variant
from caravana.checkout import demo as demo_orders
from caravana.orders.models import OrderGroup
from caravana.reviews.demo import BUYERS
from caravana.shelves import rollup

#: The products most reviewed each get this many baskets, each with one or two partners.
ANCHORS = 8
BASKETS_PER_ANCHOR = (3, 5)
PARTNERS = 3


def _variant(product: Product) -> Variant | None:
    return (
        Variant.objects.filter(product=product, stock__quantity__gt=3).order_by("price", "pk")
    ).first()


def seed_baskets() -> dict[str, int]:
    buyers = list(
        get_user_model().objects.filter(username__in=[b[0] for b in BUYERS]).order_by("pk")
    )
    counts = {"baskets": 0}
    already = (
        OrderGroup.objects.filter(buyer__in=buyers)
        .annotate(n=Count("orders__lines"))
        .filter(n__gt=1)
        .exists()
    )
    if buyers and not already:
        counts["baskets"] = _baskets(buyers)
    counts.update(rollup.roll_up_all())
    return counts


def _baskets(buyers: list) -> int:
    anchors = list(
        Product.objects.filter(is_active=True)
        .annotate(n=Count("reviews"))
        .filter(n__gt=0)
        .order_by("-n", "pk")[:ANCHORS]
    )
    pool = list(Product.objects.filter(is_active=True).order_by("pk")[:400])
    made = 0
    for a in anchors:
        rnd = random.Random(a.pk)
        first = _variant(a)
        others = [p for p in pool if p.pk != a.pk and p.category_id != a.category_id]
        if first is None or not others:
            continue
        partners = rnd.sample(others, min(PARTNERS, len(others)))
        for i in range(rnd.randint(*BASKETS_PER_ANCHOR)):
            # The first partner comes most often; sometimes a second joins.
            chosen = [partners[0] if i % 3 != 2 else partners[-1]]
            if i % 2 and len(partners) > 1:
                chosen.append(partners[1])
            variants = [first, *(v for v in map(_variant, chosen) if v is not None)]
            if len(variants) < 2:
                continue
            buyer = buyers[(a.pk + i) % len(buyers)]
            name = f"{buyer.first_name} {buyer.last_name}".strip() or buyer.username
            if demo_orders.paid_basket(buyer, variants, recipient=name, email=buyer.email):
                made += 1
    return made
