"""The handover at a destination gateway: the number ranges each last-mile carrier gave us,
the manifests of parcels handed to a carrier, and their lines. Every write goes through
handover.ranges (ranges) and handover.services (manifests)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier, Gateway

MAX_SERIAL = 10**18 - 1  # fits a signed 64-bit column


class CarrierRange(models.Model):
    """A block of tracking numbers a carrier gave us: ``prefix`` + the serial written with
    ``width`` digits + ``suffix`` (handover.numbers.build; an S10 carrier's prefix is the
    service indicator, and the check digit and country follow). `next_serial` is the next one
    to give; a range whose next is past its last is used up. Checked against the carrier's
    number format and against its other ranges by handover.ranges.check_range."""

    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="number_ranges", verbose_name=_("carrier")
    )
    prefix = models.CharField(_("prefix"), max_length=20, blank=True)
    first_serial = models.PositiveBigIntegerField(
        _("first serial"), validators=[MaxValueValidator(MAX_SERIAL)]
    )
    last_serial = models.PositiveBigIntegerField(
        _("last serial"), validators=[MaxValueValidator(MAX_SERIAL)]
    )
    width = models.PositiveSmallIntegerField(
        _("digits"),
        validators=[MinValueValidator(1), MaxValueValidator(18)],
        help_text=_("How many digits the serial is written with (zeros in front)."),
    )
    suffix = models.CharField(_("suffix"), max_length=10, blank=True)
    next_serial = models.PositiveBigIntegerField(_("next serial"))
    reference = models.CharField(
        _("given by"),
        max_length=200,
        help_text=_("Who at the carrier gave this range, with its reference and date."),
    )
    is_demo = models.BooleanField(
        _("demo range"), default=False, help_text=_("Invented for the demo: not the carrier's.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["carrier", "prefix", "first_serial"]
        indexes = [models.Index(fields=["carrier", "active"], name="handover_range_carrier")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_serial__lte=models.F("last_serial"))
                & models.Q(next_serial__gte=models.F("first_serial"))
                & models.Q(next_serial__lte=models.F("last_serial") + 1),
                name="handover_range_bounds",
            )
        ]
        verbose_name = _("carrier number range")
        verbose_name_plural = _("carrier number ranges")

    def __str__(self) -> str:
        first = f"{self.prefix}{self.first_serial:0{self.width}d}{self.suffix}"
        last = f"{self.prefix}{self.last_serial:0{self.width}d}{self.suffix}"
        demo = " (demo)" if self.is_demo else ""
        return f"{self.carrier.code} {first}–{last}{demo}"

    @property
    def remaining(self) -> int:
        return max(self.last_serial + 1 - self.next_serial, 0)


class HandoverManifest(models.Model):
    """The parcels one gateway hands to one carrier in one pick-up: open while staff scan,
    closed when the carrier takes them (the parcels' EMF event is recorded then). At most one
    open manifest per gateway and carrier."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Handed over")

    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, related_name="handovers")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="handovers")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    parcel_count = models.PositiveIntegerField(_("parcels"), default=0)
    weight_g = models.PositiveBigIntegerField(_("weight (g)"), default=0)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "carrier"],
                condition=models.Q(state="open"),
                name="handover_one_open_per_carrier",
            )
        ]
        indexes = [models.Index(fields=["gateway", "-opened_at"], name="handover_gw_newest")]
        verbose_name = _("handover manifest")
        verbose_name_plural = _("handover manifests")

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """Printed on the manifest and its files: gateway, carrier (as on sort codes: the last
        part of its code), number."""
        return f"{self.gateway.iata}-{self.carrier.code.split('-')[-1].upper()}-{self.pk:06d}"


class HandoverLine(models.Model):
    """One parcel on a manifest, with the carrier's number it got. A parcel is handed over
    once: the line is unique per parcel."""

    manifest = models.ForeignKey(HandoverManifest, on_delete=models.CASCADE, related_name="lines")
    parcel = models.OneToOneField(Parcel, on_delete=models.PROTECT, related_name="handover_line")
    carrier_tracking_number = models.CharField(_("carrier's tracking number"), max_length=40)
    bag_identifier = models.CharField(_("bag"), max_length=15, blank=True)
    scanned_at = models.DateTimeField(_("scanned"))
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["manifest", "id"]
        verbose_name = _("handover line")
        verbose_name_plural = _("handover lines")

    def __str__(self) -> str:
        return f"{self.parcel_id} → {self.carrier_tracking_number}"
