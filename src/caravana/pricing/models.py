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
