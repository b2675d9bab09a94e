"""The roll-ups behind the shelves (decision 0025): paid orders counted into a few small tables
that the home, category and product pages read by index. Run by the worker after a payment
(shelves.receivers) and periodically (settings.CELERY_BEAT_SCHEDULE), and by `python -m
caravana roll_up_shelves`. Each rewrites its rows whole in one transaction, so running it twice
gives the same rows and a page never sees half a list."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils import timezone

from caravana.catalog import category_tree
from caravana.catalog.models import Product, ProductImage
from caravana.orders.models import OrderLine, OrderStatus
from caravana.shelves.models import ALL, BestSeller, BoughtTogether, CategoryPicture

#: Orders that count as bought: paid and not refunded nor cancelled.
COUNTED = (
    OrderStatus.PAID, OrderStatus.IN_FULFILMENT, OrderStatus.SHIPPED, OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)  # fmt: skip
#: Best sellers are what sold in the last BEST_SELLER_DAYS.
BEST_SELLER_DAYS = 30
#: A country's list over every category, and each top category's.
BEST_SELLERS_ALL = 24
BEST_SELLERS_CATEGORY = 12
#: Baskets (paid checkouts) of the last BOUGHT_TOGETHER_DAYS count, up to this many partners.
BOUGHT_TOGETHER_DAYS = 180
BOUGHT_TOGETHER_MAX = 12
#: A category's picture is the first with a picture among its newest products.
NEWEST_SCANNED = 20


def _lines(since: datetime):
    return OrderLine.objects.filter(order__status__in=COUNTED, order__paid_at__gte=since)


def best_sellers(now: datetime | None = None, countries: Iterable[str] | None = None) -> int:
    """Each country's best sellers by units sold (ties: more orders, then the lower id), over
    every category and per top category; only products still on sale. Returns rows written."""
    now = now or timezone.now()
    lines = _lines(now - timedelta(days=BEST_SELLER_DAYS))
    if countries is not None:
        countries = list(countries)
        lines = lines.filter(order__country__in=countries)
    sold = (
        lines.values_list("order__country", "variant__product_id")
        .annotate(units=Sum("quantity"), orders=Count("order_id", distinct=True))
        .order_by()
    )
    by_country: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for country, product_id, units, orders in sold:
        by_country[country].append((product_id, units, orders))
    ids = {p for rows in by_country.values() for p, _u, _o in rows}
    tops = _tops(ids)
    rows = []
    for country, found in by_country.items():
        found.sort(key=lambda r: (-r[1], -r[2], r[0]))
        places: dict[int, int] = Counter()
        for product_id, units, _orders in found:
            if product_id not in tops:  # off sale
                continue
            for scope, cap in ((ALL, BEST_SELLERS_ALL), (tops[product_id], BEST_SELLERS_CATEGORY)):
                if places[scope] < cap:
                    places[scope] += 1
                    rows.append(
                        BestSeller(
                            country=country, category_top=scope, rank=places[scope],
                            product_id=product_id, units=units, computed_at=now,
                        )
                    )  # fmt: skip
    with transaction.atomic():
        stale = BestSeller.objects.all()
        if countries is not None:
            stale = stale.filter(country__in=countries)
        stale.delete()
        BestSeller.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _tops(product_ids: set[int]) -> dict[int, int]:
    """Each product on sale among these: the top of its category tree."""
    tree = category_tree.tree()
    parent = {c: top.pk for top in tree.top for c in tree.children.get(top.pk, ())}
    out = {}
    found = Product.objects.filter(pk__in=product_ids, is_active=True)
    for pk, category_id in found.values_list("pk", "category_id"):
        out[pk] = parent.get(category_id, category_id)
    return out


def bought_together(product_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """For each product, the products most often paid for in the same checkout (an order
    group: one basket, whatever the stores), rewritten for the products given (those of a
    payment just made: their partners' rows too), or for all. Returns rows written."""
    now = now or timezone.now()
    lines = _lines(now - timedelta(days=BOUGHT_TOGETHER_DAYS))
    scope: set[int] | None = None
    if product_ids is not None:
        scope = set(product_ids)
        groups = lines.filter(variant__product_id__in=scope).values("order__group_id")
        lines = lines.filter(order__group_id__in=Subquery(groups))
    baskets: dict[int, set[int]] = defaultdict(set)
    pairs = lines.values_list("order__group_id", "variant__product_id").distinct().order_by()
    for group_id, product_id in pairs.iterator(chunk_size=5000):
        baskets[group_id].add(product_id)
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for products in baskets.values():
        if len(products) < 2:
            continue
        for p in products:
            if scope is None or p in scope:
                counts[p].update(q for q in products if q != p)
    on_sale = set(
        Product.objects.filter(
            pk__in={q for c in counts.values() for q in c}, is_active=True
        ).values_list("pk", flat=True)
    )
    rows = []
    for p, partners in counts.items():
        best = sorted((q for q in partners if q in on_sale), key=lambda q: (-partners[q], q))
        for rank, q in enumerate(best[:BOUGHT_TOGETHER_MAX], start=1):
            rows.append(
                BoughtTogether(product_id=p, rank=rank, other_id=q, baskets=partners[q],
                               computed_at=now)
            )  # fmt: skip
    with transaction.atomic():
        stale = BoughtTogether.objects.all()
        if scope is not None:
            stale = stale.filter(product_id__in=scope)
        stale.delete()
        BoughtTogether.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def category_pictures(now: datetime | None = None) -> int:
    """Each category's tile picture: the main picture of its best seller in any country, else
    of the first of its newest products that has one (NEWEST_SCANNED read, by index)."""
    now = now or timezone.now()
    tree = category_tree.tree()
    first_image = (
        ProductImage.objects.filter(product=OuterRef("pk"))
        .order_by("position", "id")
        .values("image")[:1]
    )
    sellers = list(
        BestSeller.objects.exclude(category_top=ALL)
        .order_by("rank", "country")
        .values_list("category_top", "product_id")
    )
    rows = []
    for cat in tree.by_slug.values():
        below = (cat.pk, *tree.children.get(cat.pk, ()))
        candidates = [p for top, p in sellers if top == cat.pk] if cat.parent_id is None else []
        found = (
            Product.objects.filter(category_id__in=below, is_active=True)
            .annotate(picture=Subquery(first_image))
            .values_list("pk", "picture")
        )
        chosen = None
        if candidates:
            pictures = dict(found.filter(pk__in=candidates[:NEWEST_SCANNED]))
            chosen = next(((p, pictures[p]) for p in candidates if pictures.get(p)), None)
        if chosen is None:
            newest = found.order_by("-created_at", "-id")[:NEWEST_SCANNED]
            chosen = next(((p, pic) for p, pic in newest if pic), None)
        if chosen is not None:
            rows.append(
                CategoryPicture(category=cat, product_id=chosen[0], image=chosen[1],
                                computed_at=now)
            )  # fmt: skip
    with transaction.atomic():
        CategoryPicture.objects.all().delete()
        CategoryPicture.objects.bulk_create(rows)
    return len(rows)


def roll_up_all(now: datetime | None = None) -> dict[str, int]:
    """Every shelf, in the order they depend on each other (pictures follow best sellers)."""
    return {
        "best_sellers": best_sellers(now),
        "bought_together": bought_together(now=now),
        "category_pictures": category_pictures(now),
    }
