"""A carrier's feed settings (which adapter reads it, its webhook secret, its tracking API) and
the events kept for operators because they could not be recorded as UPU events."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana import webhook_signing
from caravana.carrier_events import adapters
from caravana.carrier_events.webhook_auth import Auth
from caravana.network.models import Carrier


class CarrierFeed(models.Model):
    """How a carrier's events reach us. The webhook endpoint is
    ``/api/v1/carriers/<code>/events``, signed with `webhook_secret` (Standard Webhooks:
    caravana.webhook_signing) or, as `webhook_auth` says, with HTTP Basic credentials
    (`basic_user`, the password kept as its SHA-256: carrier_events.webhook_auth); the
    polling task reads `poll_url` (``{n}`` = the number) for
    carriers that only offer a tracking API."""

    carrier = models.OneToOneField(
        Carrier, on_delete=models.CASCADE, related_name="feed", verbose_name=_("carrier")
    )
    adapter = models.CharField(_("adapter"), max_length=32, choices=adapters.choices())
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=200,
        default=webhook_signing.new_secret,
        help_text=_("The carrier signs each delivery with it (Standard Webhooks)."),
    )
    webhook_auth = models.CharField(
        _("webhook authentication"),
        max_length=16,
        choices=Auth.choices,
        default=Auth.SIGNATURE,
        help_text=_("How the carrier proves a delivery is its own."),
    )
    basic_user = models.CharField(_("HTTP Basic user"), max_length=100, blank=True)
    basic_password_digest = models.CharField(
        _("HTTP Basic password (SHA-256)"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Set with the action “New HTTP Basic password”; shown once."),
    )
    poll_url = models.CharField(
        _("tracking API URL"),
        max_length=300,
        blank=True,
        help_text=_("http(s) URL of the carrier's tracking API; {n} is the tracking number."),
    )
    poll_enabled = models.BooleanField(_("poll the tracking API"), default=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)

    class Meta:
        verbose_name = _("carrier feed")
        verbose_name_plural = _("carrier feeds")

    def __str__(self) -> str:
        return f"{self.carrier.code} ← {self.adapter}"


class HeldCarrierEvent(models.Model):
    """A carrier's event that is not (yet) a UPU event on a parcel: its status is not in the
    adapter's table, its parcel is not found among the carrier's, or its time is unreadable or
    in the future. Kept with the raw status and payload for operators; never dropped. Unique
    per carrier and event key, so a repeated delivery keeps one row."""

    class Problem(models.TextChoices):
        UNKNOWN_STATUS = "unknown_status", _("status not mapped")
        UNKNOWN_PARCEL = "unknown_parcel", _("parcel not found")
        BAD_TIME = "bad_time", _("time unreadable or in the future")

    class Via(models.TextChoices):
        WEBHOOK = "webhook", _("webhook")
        CSV = "csv", _("CSV upload")
        POLL = "poll", _("tracking API")

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="held_events", verbose_name=_("carrier")
    )
    key = models.CharField(_("event key"), max_length=64)
    number = models.CharField(_("tracking number"), max_length=64)
    parcel_id = models.BigIntegerField(_("parcel"), null=True, blank=True)
    status = models.CharField(_("carrier status"), max_length=120)
    description = models.CharField(_("description"), max_length=200, blank=True)
    problem = models.CharField(_("problem"), max_length=20, choices=Problem.choices)
    via = models.CharField(_("received by"), max_length=10, choices=Via.choices)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("held carrier event")
        verbose_name_plural = _("held carrier events")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "key"], name="held_carrier_event_key")
        ]
        indexes = [
            models.Index(fields=["carrier", "status"], name="held_carrier_status"),
            models.Index(fields=["number"], name="held_carrier_number"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.number} {self.status}"
