"""Read paths shared by the storefront, console and API, each with a fixed number of queries."""

from __future__ import annotations

from django.db.models import F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from caravana.catalog import category_tree, sellable
from caravana.catalog.models import Category, Product, ProductImage, Store, Variant

#: Products counted per store, at most: a store with more shows "more than" this. Each count
#: reads at most this many entries of the store's index, however large the catalogue.
STORE_COUNT_CAP = 10_000


def top_categories() -> list[Category]:
    """The tree's top categories in order (catalog.category_tree: no query when cached)."""
    return list(category_tree.tree().top)


def category_by_slug(slug: str) -> Category | None:
    return category_tree.tree().by_slug.get(slug)


def child_categories(category: Category) -> list[Category]:
    """A category's children in the tree's order (from the cached tree: no query)."""
    tree = category_tree.tree()
    by_id = {c.pk: c for c in tree.by_slug.values()}
    return [by_id[pk] for pk in tree.children.get(category.pk, ()) if pk in by_id]


def category_ids_below(category: Category) -> tuple[int, ...]:
    """The category and its children (two levels are all the tree has)."""
    return (category.pk, *category_tree.tree().children.get(category.pk, ()))


#: What a card shows or prices by (catalog.landed.for_cards): the descriptions, four long texts
#: per product, are left in the database.
CARD_FIELDS = (
    "id", "store_id", "category_id", "hs_code", "title_es", "title_pt_br", "title_en",
    "title_zh_hans", "price_from", "price_currency", "is_active", "created_at", "updated_at",
    "rating_avg", "rating_count", "store__id", "store__name", "store__slug", "store__merchant_id",
)  # fmt: skip


def products_for_cards(ids: list[int]) -> list[Product]:
    """Products in the order given, each with its store and the file name of its first image
    (``card_image``, "" for none): one query. A product taken off sale since its listing row
    was written (a raw UPDATE, a refresh still pending) has no card."""
    if not ids:
        return []
    first_image = (
        ProductImage.objects.filter(product=OuterRef("pk"))
        .order_by("position", "id")
        .values("image")[:1]
    )
    rows = (
        Product.objects.filter(pk__in=ids, is_active=True)
        .select_related("store")
        .only(*CARD_FIELDS)
        .annotate(card_image=Subquery(first_image))
        # The seller's badge (caravana.reviews.Reputation, a one-to-one on the merchant), by
        # the relation's name: a LEFT JOIN, None when it has no reputation yet.
        .annotate(seller_badge=F("store__merchant__reputation__badge"))
        .order_by()
    )
    by_id = {p.pk: p for p in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


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


def product_counts(store_ids: list[int]) -> dict[int, int]:
    """Each store's products counted up to STORE_COUNT_CAP + 1 (a value above the cap means
    "more than"), for a page of stores (the console's dashboard), in one query: an exact count
    over a million-product catalogue would read every row of it on each visit."""
    product, store = Product._meta.db_table, Store._meta.db_table
    capped = RawSQL(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {product} p "  # noqa: S608 — our table names
        f"WHERE p.store_id = {store}.id LIMIT %s) capped",
        (STORE_COUNT_CAP + 1,),
        output_field=IntegerField(),
    )
    rows = Store.objects.filter(pk__in=store_ids).annotate(n=capped).values_list("pk", "n")
    return dict(rows)
