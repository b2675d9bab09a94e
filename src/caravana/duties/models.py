"""Who is paid each country's duties and taxes, what customs assessed per parcel, how a
difference is settled in each country, and the remittance batches that pay an authority.
The money itself is in the payments ledger (caravana.payments.ledger); these rows say why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana.fulfillment.models import Parcel
from caravana.orders.models import Order
from caravana.payments.models import MONEY


class DutyAuthority(models.Model):
    """A tax authority that duties and taxes are paid to. `taxes` lists the rule components
    (pricing rules.json ids: "ii", "icms", "iva_platform") it collects; an authority with none
    listed collects every tax of its country that no other authority lists."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    country = models.CharField(_("country"), max_length=2)
    name = models.CharField(_("name"), max_length=120)
    taxes = models.JSONField(_("taxes"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=300)
    verified = models.BooleanField(_("verified"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["country", "code"]
        verbose_name = _("duty authority")
        verbose_name_plural = _("duty authorities")

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class DifferencePolicy(models.TextChoices):
    ABSORB = "absorb", _("Absorbed by the platform")
    RECOVER = "recover", _("Recovered from the buyer")


class CountryDutySetting(models.Model):
    """How a shortfall (customs assessed more than was collected) is settled in one country."""

    country = models.CharField(_("country"), max_length=2, unique=True)
    difference_policy = models.CharField(
        _("difference policy"),
        max_length=10,
        choices=DifferencePolicy,
        default=DifferencePolicy.ABSORB,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["country"]
        verbose_name = _("country duty setting")
        verbose_name_plural = _("country duty settings")

    def __str__(self) -> str:
        return f"{self.country}: {self.difference_policy}"


class AssessmentStatus(models.TextChoices):
    ASSESSED = "assessed", _("Assessed")
    RETURNED = "returned", _("Returned")


class DutyAssessment(models.Model):
    """What customs assessed for one parcel, by tax, beside what the buyer paid at checkout.
    `amounts`, `collected` and `differences` map a rule component to a decimal string."""

    parcel = models.OneToOneField(Parcel, on_delete=models.PROTECT, related_name="assessment")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="assessments")
    country = models.CharField(_("country"), max_length=2)
    currency = models.CharField(_("currency"), max_length=3)
    amounts = models.JSONField(_("assessed"))
    collected = models.JSONField(_("collected"))
    differences = models.JSONField(_("differences"))
    assessed_total = models.DecimalField(_("assessed total"), **MONEY)
    collected_total = models.DecimalField(_("collected total"), **MONEY)
    difference_total = models.DecimalField(_("difference"), **MONEY)
    policy = models.CharField(_("difference policy"), max_length=10, choices=DifferencePolicy)
    source = models.CharField(_("source"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus, default=AssessmentStatus.ASSESSED
    )
    assessed_at = models.DateTimeField(_("assessed at"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        indexes = [models.Index(fields=["country", "assessed_at"])]
        verbose_name = _("duty assessment")
        verbose_name_plural = _("duty assessments")

    def __str__(self) -> str:
        return f"{self.parcel_id}: {self.assessed_total} {self.currency}"


class RemittanceBatch(models.Model):
    """Duties and taxes paid to one authority: everything its accounts owed in one currency up
    to the end of the period. `lines` maps each tax to the amount paid."""

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    authority = models.ForeignKey(
        DutyAuthority, on_delete=models.PROTECT, related_name="remittances"
    )
    currency = models.CharField(_("currency"), max_length=3)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))  # exclusive
    lines = models.JSONField(_("lines"))
    total = models.DecimalField(_("total"), **MONEY)
    paid_reference = models.CharField(_("authority's receipt"), max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "currency", "period_end"], name="remittance_once_per_period"
            )
        ]
        verbose_name = _("remittance batch")
        verbose_name_plural = _("remittance batches")

    def __str__(self) -> str:
        return self.reference
