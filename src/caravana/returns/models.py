"""Returns points, the people who work them, each country's return rules (as data, with their
source), merchants' longer windows, returns with their lines and photos, and the items a point
holds once a return has arrived."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caravana.catalog.images import CONTENT_TYPES, SafeImageField
from caravana.catalog.models import Merchant, Variant
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier
from caravana.orders.models import MONEY, Order, OrderLine
from caravana.returns import rules


def return_photo_path(instance: object, filename: str) -> str:
    """A random name under returns/, with the extension of the format the image was re-encoded
    to (catalog.images): the client's file name never reaches the disk."""
    ext = filename.rpartition(".")[2].lower()
    if ext not in CONTENT_TYPES:
        raise ValueError(f"not a normalised image name: {filename!r}")
    return f"returns/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class CountryReturnRule(models.Model):
    """A country's return window and what its law gives back, with the source of each fact."""

    country = models.CharField(_("country"), max_length=2, unique=True)
    window_days = models.PositiveSmallIntegerField(_("return window (days)"))
    business_days = models.BooleanField(_("counted in business days"), default=False)
    refunds_everything = models.BooleanField(
        _("a change of mind gives back all that was paid"), default=False
    )
    window_source = models.CharField(_("window: source"), max_length=300)
    window_verified = models.BooleanField(_("window verified"), default=False)
    duty_reclaim = models.BooleanField(_("duties given back on a return"), default=False)
    duty_source = models.CharField(_("duties: source"), max_length=300, blank=True)
    duty_verified = models.BooleanField(_("duties verified"), default=False)

    class Meta:
        ordering = ["country"]
        verbose_name = _("country return rule")
        verbose_name_plural = _("country return rules")

    def __str__(self) -> str:
        return f"{self.country}: {self.window_days}"


class MerchantReturnPolicy(models.Model):
    """A merchant may give buyers longer than the law: the longer of the two applies."""

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="return_policy"
    )
    window_days = models.PositiveSmallIntegerField(_("return window (calendar days)"))

    class Meta:
        verbose_name = _("merchant return policy")
        verbose_name_plural = _("merchant return policies")

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.window_days}"


class ReturnsPoint(models.Model):
    """A place in a destination country where returned parcels are received and held."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    country = models.CharField(_("country"), max_length=2)
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=300)
    city = models.CharField(_("city"), max_length=120)
    postal_code = models.CharField(_("postal code"), max_length=20)
    carrier_name = models.CharField(_("drop-off carrier"), max_length=120, blank=True)
    is_demo = models.BooleanField(
        _("demo point"), default=False, help_text=_("Made up for the demo: not a real place.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # What a held item costs, by the point's contracts: set by an operator, never guessed.
    # Empty means "unverified: enter the contract's" and the console says so.
    last_mile_carrier = models.ForeignKey(
        Carrier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("last-mile carrier for local sales"),
        help_text=_("Its price per parcel and per kg give the cost of delivering local stock."),
    )  # fmt: skip
    disposal_fee = models.DecimalField(
        _("disposal fee per item"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))], help_text=_("In the country's currency."),
    )  # fmt: skip
    consolidation_per_kg = models.DecimalField(
        _("consolidation back to China per kg"), max_digits=12, decimal_places=2, null=True,
        blank=True, validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In the country's currency."),
    )  # fmt: skip
    costs_source = models.CharField(_("costs: source (contract)"), max_length=300, blank=True)

    class Meta:
        ordering = ["country", "code"]
        verbose_name = _("returns point")
        verbose_name_plural = _("returns points")

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class ReturnsPointMember(models.Model):
    """Returns-point staff belong to exactly one point and see only its returns."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="returns_point_membership"
    )
    point = models.ForeignKey(ReturnsPoint, on_delete=models.CASCADE, related_name="members")

    class Meta:
        verbose_name = _("returns point member")
        verbose_name_plural = _("returns point members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.point.code}"


class Reason(models.TextChoices):
    CHANGED_MIND = rules.CHANGED_MIND, _("Changed my mind")
    NOT_AS_DESCRIBED = rules.NOT_AS_DESCRIBED, _("Not as described")
    DAMAGED = rules.DAMAGED, _("Arrived damaged")
    UNDELIVERABLE = rules.UNDELIVERABLE, _("Could not be delivered")
    REFUSED = rules.REFUSED, _("Refused at delivery")
    CUSTOMS_RETURNED = rules.CUSTOMS_RETURNED, _("Returned by customs")


class ReturnState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for approval")
    APPROVED = "approved", _("Approved: on its way to the returns point")
    REJECTED = "rejected", _("Rejected")
    RECEIVED = "received", _("Received at the returns point")
    REFUNDED = "refunded", _("Refunded")


OPEN_STATES = (ReturnState.REQUESTED, ReturnState.APPROVED, ReturnState.RECEIVED)


class Condition(models.TextChoices):
    AS_NEW = "as_new", _("As new")
    OPENED = "opened", _("Opened")
    DAMAGED = "damaged", _("Damaged")


class ReturnRequest(models.Model):
    """One return of one order (all or some of its lines): asked by the buyer, or a parcel that
    came back by itself (undeliverable, refused, returned by customs)."""

    reference = models.CharField(max_length=20, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="return_requests")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="returns")
    parcel = models.ForeignKey(
        Parcel, null=True, blank=True, on_delete=models.PROTECT, related_name="returns"
    )
    country = models.CharField(_("country"), max_length=2)
    currency = models.CharField(max_length=3)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    by_buyer = models.BooleanField(default=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ReturnState, default=ReturnState.REQUESTED
    )
    message = models.TextField(_("what is wrong"), blank=True)
    point = models.ForeignKey(
        ReturnsPoint, null=True, blank=True, on_delete=models.PROTECT, related_name="returns"
    )
    drop_off_code = models.CharField(max_length=12, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_as = models.CharField(max_length=10, blank=True)  # merchant | operator
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    refund_goods = models.DecimalField(**MONEY, default=0)
    refund_shipping = models.DecimalField(**MONEY, default=0)
    refund_duties = models.DecimalField(**MONEY, default=0)
    refund_total = models.DecimalField(**MONEY, default=0)
    duties_reclaimed = models.BooleanField(default=False)
    refund_reference = models.CharField(max_length=32, blank=True)
    refund_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "-created_at"]),
            models.Index(fields=["point", "state"]),
            # Returns by reason on the carriers' page (returns.figures): a period of all
            # merchants, read as a range (the merchant index would be read whole).
            models.Index(fields=["created_at"], name="returns_request_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(state__in=["requested", "approved", "received"]),
                name="one_open_return_per_order",
            ),
            models.UniqueConstraint(fields=["parcel"], name="one_return_per_parcel"),
            models.UniqueConstraint(
                fields=["drop_off_code"],
                condition=~models.Q(drop_off_code=""),
                name="drop_off_code_unique",
            ),
        ]
        verbose_name = _("return")
        verbose_name_plural = _("returns")

    def __str__(self) -> str:
        return self.reference

    @property
    def covered(self) -> bool:
        return rules.RULES[self.reason].covered


class ReturnLine(models.Model):
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(**MONEY)  # the goods returned, in the order's currency

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order_line_id} × {self.quantity}"


class ReturnPhoto(models.Model):
    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="photos")
    image = SafeImageField(_("photo"), upload_to=return_photo_path)

    def __str__(self) -> str:
        return self.image.name


class ReverseManifest(models.Model):
    """Held items a point sends back to China together on a later flight: open while items are
    gathered, closed when they leave the point."""

    class State(models.TextChoices):
        OPEN = "open", _("Open: gathering items")
        CLOSED = "closed", _("Closed: left the point")

    reference = models.CharField(max_length=20, unique=True)
    point = models.ForeignKey(
        ReturnsPoint, on_delete=models.PROTECT, related_name="reverse_manifests"
    )
    state = models.CharField(max_length=10, choices=State, default=State.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["point"], condition=models.Q(state="open"), name="one_open_reverse_manifest"
            )
        ]
        verbose_name = _("reverse manifest")
        verbose_name_plural = _("reverse manifests")

    def __str__(self) -> str:
        return self.reference


class HeldItem(models.Model):
    """Returned goods a point holds, for a later decision (resell locally, consolidate back to
    China, dispose of): which merchant's, which variant, how many, in what state, and why."""

    class State(models.TextChoices):
        HELD = "held", _("Held: waiting for the merchant's choice")
        FOR_SALE = "for_sale", _("Local stock: offered for fast delivery")
        SOLD = "sold", _("Sold locally")
        CONSOLIDATE = "consolidate", _("To go back to China: waiting for a reverse manifest")
        MANIFESTED = "manifested", _("On a reverse manifest: waiting for the flight")
        SHIPPED = "shipped", _("Left the point for China")
        DISPOSE = "dispose", _("To be disposed of")
        DISPOSED = "disposed", _("Disposed of")

    point = models.ForeignKey(ReturnsPoint, on_delete=models.PROTECT, related_name="held_items")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="held_items")
    request = models.ForeignKey(ReturnRequest, on_delete=models.PROTECT, related_name="held_items")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    condition = models.CharField(_("condition"), max_length=10, choices=Condition)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    state = models.CharField(_("state"), max_length=12, choices=State, default=State.HELD)
    received_at = models.DateTimeField()
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    chosen_at = models.DateTimeField(null=True, blank=True)
    #: Resell locally: the price of one unit to a buyer in the point's country, its currency.
    local_price = models.DecimalField(**MONEY, null=True, blank=True)
    sold = models.PositiveIntegerField(_("units sold"), default=0)
    manifest = models.ForeignKey(
        ReverseManifest, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["point", "state"]), models.Index(fields=["merchant"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sold__lte=models.F("quantity")), name="helditem_sold_lte_qty"
            )
        ]
        verbose_name = _("held item")
        verbose_name_plural = _("held items")

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity} @ {self.point_id}"

    @property
    def available(self) -> int:
        """Units still offered as local stock."""
        return self.quantity - self.sold if self.state == self.State.FOR_SALE else 0
