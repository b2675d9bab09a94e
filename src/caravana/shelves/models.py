"""What the home, category and product pages show beside the listings: rows rolled up from
paid orders (best sellers per country, products bought together, a picture per category), so a
page reads a few rows by index whatever the catalogue's or the order book's size; and each
logged-in buyer's wishlist and recently viewed products."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from caravana.catalog.models import Category, Product

#: BestSeller.category_top for a country's list over every category.
ALL = 0


class BestSeller(models.Model):
    """One place of a country's best sellers (rank 1 first), over every category (category_top
    ALL) or one top category: rewritten whole by shelves.rollup, never per request."""

    country = models.CharField(max_length=2)
    category_top = models.IntegerField(default=ALL)
    rank = models.PositiveSmallIntegerField()
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    units = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country", "category_top", "rank"], name="bestseller_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.country} #{self.rank}: {self.product_id}"


class BoughtTogether(models.Model):
    """`other` was in `baskets` paid checkouts with `product` (rank 1 most often)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    other = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    baskets = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "rank"], name="boughttogether_place")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} + {self.other_id} ({self.baskets})"


class CategoryPicture(models.Model):
    """The picture of a category's tile: a stored product picture's name (its thumbnails are
    beside it, catalog.thumbnails), taken from the category's best seller or newest product."""

    category = models.OneToOneField(
        Category, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    image = models.CharField(max_length=255)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.category_id}: {self.image}"


class WishlistItem(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="wishlist_once")]
        indexes = [models.Index(fields=["user", "-added_at"], name="wishlist_user")]

    def __str__(self) -> str:
        return f"{self.user_id} ♡ {self.product_id}"


class RecentView(models.Model):
    """A logged-in buyer's last view of a product (anonymous buyers keep theirs in the
    session): one row per product, its time moved on each view, the oldest trimmed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="recentview_once")]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="recentview_user")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.product_id}"
