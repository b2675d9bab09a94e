"""Pricing data the operator edits: FX rates (and, with the landed-cost work, rules and rate
cards). Rates are facts with a date and a source, never constants in code."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FxRate(models.Model):
    """`rate` units of `quote` buy one unit of `base` on `date` (e.g. base EUR, quote BRL)."""

    base = models.CharField(_("base currency"), max_length=3)
    quote = models.CharField(_("quote currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=10)
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "base", "quote"]
        constraints = [
            models.UniqueConstraint(fields=["base", "quote", "date"], name="fxrate_unique_per_day"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="fxrate_positive"),
        ]
        indexes = [models.Index(fields=["base", "quote", "-date"])]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} on {self.date}"


class RuleSetVersion(models.Model):
    """One country's duty and tax rules for a period, in the engine's data format
    (caravana.pricing.rules.RuleSet). Saved only through pricing.services, which checks the body
    parses and that periods of one country do not overlap."""

    rule_id = models.CharField(_("rule set id"), max_length=60, unique=True)
    country = models.CharField(_("country"), max_length=2)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.TextField(_("source"))
    verified = models.BooleanField(_("verified"), default=False)
    body = models.JSONField(_("rules"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "effective_from"]
        indexes = [models.Index(fields=["country", "effective_from"])]

    def __str__(self) -> str:
        return self.rule_id


class RateCardVersion(models.Model):
    """A shipping rate card for one lane and service level (caravana.pricing.rules.RateCard)."""

    card_id = models.CharField(_("rate card id"), max_length=60, unique=True)
    origin = models.CharField(_("origin country"), max_length=2)
    destination = models.CharField(_("destination country"), max_length=2)
    service = models.CharField(_("service level"), max_length=16)
    body = models.JSONField(_("rate card"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["destination", "service"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "destination", "service"], name="ratecard_unique_lane_service"
            )
        ]

    def __str__(self) -> str:
        return self.card_id
