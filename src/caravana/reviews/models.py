"""Reviews of delivered order lines (stars, text, photos, the merchant's one answer, buyers'
helpful votes, operators' hiding with its audit trail) and each merchant's reputation, computed
from its orders (caravana.reviews.reputation)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caravana.catalog.images import CONTENT_TYPES, SafeImageField
from caravana.catalog.models import Merchant, Product
from caravana.orders.models import OrderLine

MAX_PHOTOS = 5
TEXT_MAX = 4_000
ANSWER_MAX = 2_000
REASON_MAX = 300


def review_photo_path(instance: object, filename: str) -> str:
    """A random name under reviews/ (the client's file name never reaches the disk)."""
    ext = filename.rpartition(".")[2].lower()
    if ext not in CONTENT_TYPES:
        raise ValueError(f"not a normalised image name: {filename!r}")
    return f"reviews/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class Review(models.Model):
    """One buyer's review of one delivered order line: at most one per line (the database
    says so), written by that order's buyer only (reviews.services)."""

    line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="review")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="reviews")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(_("review"), max_length=TEXT_MAX)
    #: The language the review is written in: the buyer's interface language when writing
    #: (es, pt-br, en, zh-hans), which the form lets them change.
    language = models.CharField(_("language"), max_length=10)
    helpful = models.PositiveIntegerField(default=0)
    answer = models.TextField(_("merchant's answer"), blank=True, max_length=ANSWER_MAX)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-helpful", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1) & models.Q(stars__lte=5), name="review_stars_1_5"
            )
        ]
        indexes = [
            # A product page: its visible reviews, most helpful first (optionally one star).
            models.Index(
                fields=["product", "hidden", "-helpful", "-created_at"], name="review_product"
            ),
            models.Index(fields=["product", "hidden", "stars"], name="review_product_stars"),
            models.Index(fields=["merchant", "hidden"], name="review_merchant"),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ {self.product_id} by {self.buyer_id}"


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = SafeImageField(_("photo"), upload_to=review_photo_path)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name


class HelpfulVote(models.Model):
    """One logged-in buyer's "helpful" on one review (once: the database says so)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "buyer"], name="helpfulvote_once")]

    def __str__(self) -> str:
        return f"{self.buyer_id} → {self.review_id}"


class ModerationAction(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    SHOWN = "shown", _("Shown again")


class ModerationEntry(models.Model):
    """The audit log of an operator's decision on a review: who, when, what and why. Rows are
    only added (reviews.services), never changed."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="moderation")
    action = models.CharField(max_length=10, choices=ModerationAction)
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "moderation entries"

    def __str__(self) -> str:
        return f"{self.action} review {self.review_id}: {self.reason}"


class Badge(models.TextChoices):
    """Caravana's own scale (docs/reviews.md), not an industry standard."""

    NEW = "new", _("New store")
    TOP = "top", _("Top seller")
    GOOD = "good", _("Reliable seller")
    FAIR = "fair", _("Seller")


class Reputation(models.Model):
    """A merchant's figures, computed from its orders, disputes and reviews (never typed):
    recomputed after each order event (reviews.receivers) and nightly (reviews.tasks). Shares
    are fractions 0..1; None when there is nothing to count yet."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="reputation")
    orders_counted = models.PositiveIntegerField(default=0)  # paid orders in the window
    shipped_on_time = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    delivered_in_promise = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    dispute_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    refund_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    rating_count = models.PositiveIntegerField(default=0)
    months_on_caravana = models.PositiveIntegerField(default=0)
    orders_90_days = models.PositiveIntegerField(default=0)
    badge = models.CharField(max_length=8, choices=Badge, default=Badge.NEW)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.badge}"

    @property
    def percent(self) -> dict[str, Decimal | None]:
        """The shares as percentages, for pages."""
        return {
            name: None if v is None else (v * 100).quantize(Decimal("1"))
            for name, v in (
                ("shipped_on_time", self.shipped_on_time),
                ("delivered_in_promise", self.delivered_in_promise),
                ("dispute_rate", self.dispute_rate),
                ("refund_rate", self.refund_rate),
            )
        }
