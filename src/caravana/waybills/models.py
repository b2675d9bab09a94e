"""Airlines and their AWB stock, and the waybills drawn from it: one master air waybill (MAWB)
per flight and destination gateway, one house waybill (HAWB) per consignment under it. What a
waybill says is kept as numbered versions (WaybillVersion): a re-committed plan adds a version,
it never overwrites one. Every write goes through waybills.services."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana.network.models import Flight, Gateway


class Airline(models.Model):
    """An operating carrier that issues air waybills. Its flights are found by the two-character
    IATA designator their numbers start with (5Y8301 → 5Y); `prefix` is its three-digit IATA
    accounting code, the first part of every AWB number it issues."""

    name = models.CharField(_("name"), max_length=80)
    designator = models.CharField(
        _("IATA designator"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2}$", _("Two letters or digits, e.g. 5Y."))],
    )
    prefix = models.CharField(
        _("AWB prefix"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^\d{3}$", _("Three digits, e.g. 369."))],
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("airline")
        verbose_name_plural = _("airlines")

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class AwbStock(models.Model):
    """A range of AWB serials the airline allotted to us (first..last, seven digits each, without
    the check digit). Numbers are drawn from the oldest range with serials left; `next_serial`
    past `last_serial` means the range is used up."""

    airline = models.ForeignKey(Airline, on_delete=models.PROTECT, related_name="stocks")
    first_serial = models.PositiveIntegerField(
        _("first serial"), validators=[MaxValueValidator(9_999_999)]
    )
    last_serial = models.PositiveIntegerField(
        _("last serial"), validators=[MaxValueValidator(9_999_999)]
    )
    next_serial = models.PositiveIntegerField(_("next serial"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["airline", "first_serial"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_serial__lte=models.F("last_serial")),
                name="awb_stock_range_order",
            ),
            models.CheckConstraint(
                condition=models.Q(last_serial__lte=9_999_999),
                name="awb_stock_seven_digits",
            ),
        ]
        verbose_name = _("AWB stock")
        verbose_name_plural = _("AWB stock")

    def __str__(self) -> str:
        return f"{self.airline.prefix} {self.first_serial:07d}–{self.last_serial:07d}"

    @property
    def remaining(self) -> int:
        return max(0, self.last_serial - self.next_serial + 1)


class MasterWaybill(models.Model):
    """The airline's waybill for everything one flight carries to one gateway. Its number never
    changes once drawn; a plan that takes all cargo off the flight voids it (a new version)."""

    number = models.CharField(_("AWB number"), max_length=11, unique=True)
    airline = models.ForeignKey(Airline, on_delete=models.PROTECT, related_name="waybills")
    flight = models.ForeignKey(Flight, on_delete=models.PROTECT, related_name="master_waybills")
    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, related_name="master_waybills")
    version = models.PositiveIntegerField(_("version"), default=1)
    is_void = models.BooleanField(_("void"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["flight", "gateway"], name="one_mawb_per_flight_gateway"
            )
        ]
        verbose_name = _("master air waybill")
        verbose_name_plural = _("master air waybills")

    def __str__(self) -> str:
        return f"{self.number[:3]}-{self.number[3:]}"


class HouseWaybill(models.Model):
    """Our waybill for one consignment under a master: the bags of one service level for one
    last-mile carrier (`key` = "<service level>/<carrier>"). Numbered from our own series
    (house numbers are the consolidator's, not the airline's)."""

    number = models.CharField(_("HAWB number"), max_length=16, unique=True)
    master = models.ForeignKey(MasterWaybill, on_delete=models.CASCADE, related_name="houses")
    key = models.CharField(_("consignment"), max_length=80)
    is_void = models.BooleanField(_("void"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["master", "number"]
        constraints = [
            models.UniqueConstraint(fields=["master", "key"], name="one_hawb_per_consignment")
        ]
        verbose_name = _("house air waybill")
        verbose_name_plural = _("house air waybills")

    def __str__(self) -> str:
        return self.number


class WaybillVersion(models.Model):
    """What a master and its houses said at one version: the whole structure (parties, flight,
    houses with their bags, ULDs, totals) as committed. The PDFs and the ONE Record export read
    it, so an old version prints as it was."""

    master = models.ForeignKey(MasterWaybill, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["master", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["master", "number"], name="one_waybill_version_number")
        ]
        verbose_name = _("waybill version")
        verbose_name_plural = _("waybill versions")

    def __str__(self) -> str:
        return f"{self.master} v{self.number}"

    @property
    def reason_text(self) -> str:
        """Why this version was made, in the reader's language: stored as data ("plan:12",
        "uld:AKE12345AB") so the history reads in es, pt-BR, en or zh-Hans alike."""
        kind, _sep, value = self.reason.partition(":")
        if kind == "plan" and value:
            return _("plan %(n)s committed") % {"n": value}
        if kind == "uld" and value:
            return _("ULD %(uld)s loaded") % {"uld": value}
        if kind == "hand" and value:
            return _("built on request by %(user)s") % {"user": value}
        return self.reason
