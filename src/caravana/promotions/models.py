"""Promotions: coupons (funded by the platform or by a merchant), flash deals on a variant,
and each merchant's free-shipping threshold (decision 0026)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caravana.catalog.models import Merchant, Variant

MONEY = {"max_digits": 14, "decimal_places": 2}


class CouponKind(models.TextChoices):
    PERCENT = "percent", _("Percentage")
    FIXED = "fixed", _("Fixed amount")


class Funding(models.TextChoices):
    PLATFORM = "platform", _("Platform")
    MERCHANT = "merchant", _("Merchant")


class Coupon(models.Model):
    """A code a buyer types in the cart. Without a merchant it is the platform's (it applies to
    every parcel and the platform pays it); with one it applies to that merchant's parcel and
    the merchant pays it. Amounts are in the currency of the coupon's country."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="coupons"
    )
    country = models.CharField(_("country"), max_length=2)
    currency = models.CharField(max_length=3)
    kind = models.CharField(_("kind"), max_length=8, choices=CouponKind)
    value = models.DecimalField(
        _("value"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    min_basket = models.DecimalField(_("minimum basket"), **MONEY, default=0)
    max_uses = models.PositiveIntegerField(_("total uses"), null=True, blank=True)
    per_buyer = models.PositiveIntegerField(_("uses per buyer"), default=1)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    is_active = models.BooleanField(_("active"), default=True)
    used = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_uses__isnull=True)
                | models.Q(used__lte=models.F("max_uses")),
                name="coupon_used_within_limit",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="coupon_window"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def funding(self) -> str:
        return Funding.PLATFORM if self.merchant_id is None else Funding.MERCHANT


class Redemption(models.Model):
    """One use of a coupon by one checkout (an order group), written in its transaction."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    group_reference = models.CharField(max_length=24)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["coupon", "group_reference"], name="redemption_once_per_checkout"
            )
        ]
        indexes = [models.Index(fields=["coupon", "buyer"])]

    def __str__(self) -> str:
        return f"{self.coupon_id} {self.group_reference}"


class FlashDeal(models.Model):
    """A price for a variant (in the variant's currency) for a time window, for at most `cap`
    units: `remaining` goes down by a conditional UPDATE in each checkout's transaction."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="flash_deals")
    price = models.DecimalField(
        _("deal price"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )  # fmt: skip
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    cap = models.PositiveIntegerField(_("units at this price"))
    remaining = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ends_at", "id"]
        indexes = [models.Index(fields=["variant", "ends_at"]), models.Index(fields=["ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining__lte=models.F("cap")), name="deal_remaining_le_cap"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="deal_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} @ {self.price}"

    @property
    def sold(self) -> int:
        return self.cap - self.remaining


class FreeShipping(models.Model):
    """A merchant's offer: its parcel ships free when its goods reach `threshold` (in the
    variants' currency, CNY). The merchant pays the shipping out of its share."""

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="free_shipping"
    )
    threshold = models.DecimalField(
        _("free shipping from"), max_digits=12, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )  # fmt: skip
    currency = models.CharField(max_length=3, default="CNY")
    is_active = models.BooleanField(_("active"), default=True)

    def __str__(self) -> str:
        return f"{self.merchant_id} ≥ {self.threshold} {self.currency}"
