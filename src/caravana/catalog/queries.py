"""Read paths shared by the storefront, console and API, each with a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, Sum
from django.db.models.functions import Coalesce

from caravana.catalog import sellable
from caravana.catalog.models import Category, Product, ProductImage, Variant


def top_categories() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True))


def category_ids_below(category: Category) -> tuple[int, ...]:
    """The category and its children (two levels are all the tree has)."""
    return (category.pk, *Category.objects.filter(parent=category).values_list("pk", flat=True))


def products_for_cards(ids: list[int]) -> list[Product]:
    """Products in the order given, each with its first image: two queries. A product taken
    off sale since its listing row was written (a raw UPDATE, a refresh still pending) has no
    card."""
    if not ids:
        return []
    rows = (
        Product.objects.filter(pk__in=ids, is_active=True)
        .select_related("store")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
        )
    )
    by_id = {p.pk: p for p in rows}
    out = []
    for pk in ids:
        p = by_id.get(pk)
        if p is not None:
            imgs = list(p.images.all())
            p.card_image = imgs[0] if imgs else None
            out.append(p)
    return out


def product_page(pk: int) -> Product | None:
    """A product with store, merchant, category, images and variants with their stock."""
    variants = (
        Variant.objects.exclude(sellable.refused_variants())
        .annotate(
            on_hand=Coalesce(Sum("stock__quantity"), 0),
            held=Coalesce(Sum("stock__reserved"), 0),
        )
        .order_by("price", "id")
    )
    product = (
        sellable.offered(Product.objects.filter(Q(pk=pk)))
        .select_related("store__merchant", "category")
        .prefetch_related(Prefetch("variants", queryset=variants), "images")
        .first()
    )
    if product is not None:
        for v in product.variants.all():
            v.available = v.on_hand - v.held
    return product
