"""Failed delivery attempts and what the buyer chose for each. Every write goes through
redelivery.services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier
from caravana.redelivery import reasons as r


class Reason(models.TextChoices):
    ABSENT = r.ABSENT, _("Nobody was there to receive it")
    WRONG_ADDRESS = r.WRONG_ADDRESS, _("The address is wrong or incomplete")
    REFUSED = r.REFUSED, _("Refused at the door")
    UNSAFE_AREA = r.UNSAFE_AREA, _("The carrier cannot deliver safely in the area")
    OTHER = r.OTHER, _("Another reason")


class Choice(models.TextChoices):
    REDELIVER = r.REDELIVER, _("A new delivery attempt")
    PICKUP = r.PICKUP, _("Collect it at a pick-up point")
    ADDRESS = r.ADDRESS, _("Deliver to a corrected address")


class FailedAttempt(models.Model):
    """One unsuccessful delivery (UPU EMH) of a parcel, with its reason, and the buyer's
    choice for the next step. Unique on (parcel, event): the same EMH heard twice is one
    attempt."""

    class State(models.TextChoices):
        ASKING = "asking", _("Waiting for the buyer")
        CHOSEN = "chosen", _("Buyer chose")
        RETURNING = "returning", _("Going back to the sender")
        SUPERSEDED = "superseded", _("Followed by another attempt")
        DELIVERED = "delivered", _("Delivered after all")

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="failed_attempts")
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    #: The EMH's TrackingEvent id (no database constraint: that table is partitioned).
    event_id = models.BigIntegerField(_("tracking event"))
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    reason_text = models.CharField(_("carrier's words"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("attempted at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    choice = models.CharField(_("choice"), max_length=10, choices=Choice.choices, blank=True)
    redeliver_on = models.DateField(_("new attempt on"), null=True, blank=True)
    pickup_point = models.CharField(_("pick-up point"), max_length=200, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    city_area = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state_area = models.CharField(_("state"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    note = models.CharField(_("note for the carrier"), max_length=300, blank=True)
    chosen_at = models.DateTimeField(_("chosen at"), null=True, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["parcel", "event_id"], name="redelivery_attempt_once")
        ]
        indexes = [
            # The carrier's export: its chosen instructions, newest first after a cursor.
            models.Index(fields=["carrier", "state", "chosen_at"], name="redelivery_carrier_due"),
        ]
        verbose_name = _("failed delivery attempt")
        verbose_name_plural = _("failed delivery attempts")

    def __str__(self) -> str:
        return f"{self.parcel_id} #{self.attempt} {self.reason}"

    @property
    def address_line(self) -> str:
        parts = (self.street_address, self.city_area, self.city, self.state_area, self.postal_code)
        return ", ".join(p for p in parts if p)
