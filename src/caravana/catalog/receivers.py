"""What makes a stored listing price (catalog.ListingPrice) out of date, and the refresh it
schedules after the commit: a product or variant saved or deleted (that product, every
country), an FX rate (every country: the engine converts through USD and CNY), a rule set
(its country) or a rate card (its destination). Until the refresh has run, cards see that the
row no longer matches (the product's updated_at, or the basis) and price the product live."""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from caravana import markets
from caravana.catalog import category_tree
from caravana.catalog.models import Category, ListingPrice, Product, Variant
from caravana.pricing.models import FxRate, RateCardVersion, RuleSetVersion

PRODUCTS_PER_TASK = 1_000


def schedule(
    countries: list[str] | None = None,
    product_ids: list[int] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Refresh after commit, once per transaction however many rows it wrote: these countries
    in full (None: every country), or these products."""
    conn = connections[using]
    pending = (fn for _s, fn, _r in conn.run_on_commit if isinstance(fn, _Flush) and not fn.done)
    flush = next(pending, None)
    fresh = flush is None
    if fresh:
        flush = _Flush()
    if product_ids is not None:
        flush.products.update(product_ids)
    elif countries is None:
        flush.all = True
    else:
        flush.countries.update(countries)
    if fresh:
        transaction.on_commit(flush, using=using)


class _Flush:
    """The after-commit callback of one transaction, gathering what it changed."""

    def __init__(self) -> None:
        self.all = False
        self.done = False  # called already (tests run callbacks without committing)
        self.countries: set[str] = set()
        self.products: set[int] = set()

    def __call__(self) -> None:
        from caravana.catalog.tasks import refresh_listing_prices

        self.done = True
        if self.all:
            refresh_listing_prices.delay()
        elif self.countries:
            refresh_listing_prices.delay(countries=sorted(self.countries))
        if not self.all and self.products:
            ids = sorted(self.products)
            for i in range(0, len(ids), PRODUCTS_PER_TASK):
                refresh_listing_prices.delay(product_ids=ids[i : i + PRODUCTS_PER_TASK])


def _product_saved(sender: Any, instance: Product, using: str, **_kw: Any) -> None:
    schedule(product_ids=[instance.pk], using=using)


def _variant_changed(sender: Any, instance: Variant, using: str, **_kw: Any) -> None:
    # The product's updated_at moves with its variants: a card then no longer trusts the row.
    Product.objects.using(using).filter(pk=instance.product_id).update(updated_at=timezone.now())
    schedule(product_ids=[instance.product_id], using=using)


def _category_saved(sender: Any, instance: Category, using: str, **_kw: Any) -> None:
    """A category moved in the tree moves its products' listing top at once (an UPDATE of its
    rows, no requote); its children follow it (the tree has two levels)."""
    top = instance.parent_id or instance.pk
    # By country first: the rows are found through the (country, category_ref, …) index.
    rows = ListingPrice.objects.using(using).filter(country__in=markets.codes())
    rows.filter(category_ref=instance.pk).exclude(category_top=top).update(category_top=top)
    children = Category.objects.using(using).filter(parent_id=instance.pk).values("pk")
    rows.filter(category_ref__in=children).exclude(category_top=top).update(category_top=top)


def _fx_changed(sender: Any, using: str, **_kw: Any) -> None:
    schedule(using=using)


def _rules_changed(sender: Any, instance: RuleSetVersion, using: str, **_kw: Any) -> None:
    schedule(countries=[instance.country], using=using)


def _card_changed(sender: Any, instance: RateCardVersion, using: str, **_kw: Any) -> None:
    schedule(countries=[instance.destination], using=using)


def connect() -> None:
    for signal in (post_save, post_delete):
        name = "save" if signal is post_save else "delete"
        signal.connect(_variant_changed, sender=Variant, dispatch_uid=f"landed.variant.{name}")
        signal.connect(_fx_changed, sender=FxRate, dispatch_uid=f"landed.fx.{name}")
        signal.connect(_rules_changed, sender=RuleSetVersion, dispatch_uid=f"landed.rules.{name}")
        signal.connect(_card_changed, sender=RateCardVersion, dispatch_uid=f"landed.card.{name}")
    post_save.connect(_product_saved, sender=Product, dispatch_uid="landed.product.save")
    post_save.connect(_category_saved, sender=Category, dispatch_uid="landed.category.save")
    post_save.connect(category_tree.forget, sender=Category, dispatch_uid="tree.category.save")
    post_delete.connect(category_tree.forget, sender=Category, dispatch_uid="tree.category.delete")
