"""Tracking events and the merchants' webhook endpoints.

Every write goes through tracking.recording (record_event / record_batch): the event table is
append-only and idempotent on (source, event_id, occurred_at): a replay is dropped (on SQLite,
which keeps the older constraint, also a resend of an id with another time). On PostgreSQL the
table is partitioned by month of occurred_at (docs/decisions/0008, tracking.partitions). A
parcel's status is its current event's, the latest of its highest life-cycle stage
(tracking.lifecycle), read through the (parcel, occurred_at, id) index and the partial index
of the outcome events (docs/decisions/0004); on PostgreSQL recording also keeps it in the
parcel's ParcelState row, to judge a batch without reading earlier events (decision 0039)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caravana import outbound
from caravana.catalog.models import Merchant
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier
from caravana.tracking import lifecycle, upu


class Status(models.TextChoices):
    """The normalised status (tracking.upu) with the words a buyer reads."""

    PENDING = upu.PENDING, _("Label created")
    IN_TRANSIT = upu.IN_TRANSIT, _("In transit")
    ON_HOLD = upu.ON_HOLD, _("On hold")
    OUT_FOR_DELIVERY = upu.OUT_FOR_DELIVERY, _("Out for delivery")
    READY_FOR_PICKUP = upu.READY_FOR_PICKUP, _("Ready for pick-up")
    DELIVERY_FAILED = upu.DELIVERY_FAILED, _("Delivery attempt failed")
    DELIVERED = upu.DELIVERED, _("Delivered")
    RETURN_TO_SENDER = upu.RETURN_TO_SENDER, _("Returning to sender")
    CANCELLED = upu.CANCELLED, _("Cancelled")
    UNKNOWN = upu.UNKNOWN, _("Unknown")
    # Final outcomes (tracking.lifecycle): each its own words, never "returning".
    RETURNED_TO_SENDER = upu.RETURNED_TO_SENDER, _("Returned to sender")
    SEIZED = upu.SEIZED, _("Seized by customs")
    DISPOSED = upu.DISPOSED, _("Destroyed or disposed of")
    ABANDONED = upu.ABANDONED, _("Abandoned")


#: What each event means in words a buyer reads (translated; upu.py keeps the UPU wording).
EVENT_LABELS = {
    "EMA": _("Accepted by the network at the origin hub"),
    "EMB": _("Received at the origin hub"),
    "EXA": _("Presented to export customs"),
    "EXB": _("Held by export customs"),
    "EXC": _("Cleared export customs"),
    "EXD": _("Held at the origin hub"),
    "EXX": _("Export cancelled"),
    "EMC": _("Departed from the country of origin"),
    "EMJ": _("Arrived at a transit hub"),
    "EMK": _("Departed from a transit hub"),
    "EMD": _("Arrived in the destination country"),
    "EDA": _("Held at the arrival gateway"),
    "EDB": _("Presented to import customs"),
    "EME": _("Held by import customs"),
    "EDC": _("Released by import customs"),
    "EMF": _("Left the arrival gateway"),
    "EDD": _("Arrived at a sorting centre"),
    "EDE": _("Left the sorting centre"),
    "EMG": _("Arrived at the delivery office"),
    "EDF": _("Held at the delivery office"),
    "EDG": _("Out for delivery"),
    "EDH": _("Ready for pick-up"),
    "EMH": _("Delivery attempt failed"),
    "EMI": _("Delivered"),
    "EDX": _("Import terminated"),
    # Internal hub steps, recorded without a UPU code.
    "label_created": _("Label created, waiting for the parcel"),
    "bagged": _("Sorted into a bag at the hub"),
    "in_uld": _("Packed onto an air cargo unit"),
    "loaded": _("Loaded onto the flight"),
    "cancelled": _("Label cancelled"),
    "received": _("Received at the origin hub"),
    # Ours, after failed delivery attempts (caravana.redelivery) or a refusal.
    "return_to_sender": _("Going back to the sender: it could not be delivered"),
    # The marketplace's own steps around the hub's, and outcomes without a UPU code, as the
    # network twin records them (twin.services: the demo's month of history).
    "ordered": _("Ordered from the seller"),
    "handed_over": _("Handed over by the seller at the origin hub"),
    "built": _("Ready for its flight at the origin hub"),
    "refused": _("Refused by import customs: going back to the sender"),
    "returned": _("Going back to the sender: it could not be delivered"),
    "lost": _("Reported lost"),
}


class Source:
    """Where an event came from; event ids are unique within one source."""

    HUB = "hub"  # fulfillment scans (EMA, EMB, internal hub steps)
    FLIGHT = "flight"  # network flight movements (EMC, EMD)
    CUSTOMS = "customs"  # import customs' decisions at a gateway (EDB, EME, EDC, EDX: clearance)

    @staticmethod
    def carrier(code: str) -> str:
        return f"carrier:{code}"


class TrackingEvent(models.Model):
    """One thing that happened to a parcel, as its source reported it. `code` is the UPU
    EMSEVT code, blank for an internal hub step (bagged, built into a ULD, loaded) that has no
    UPU event but still shows on the timeline."""

    # No index of its own: trk_event_parcel_time starts with the parcel, and every index is
    # paid for on each of millions of inserts. No foreign-key constraint in the database
    # either (docs/decisions/0003): the service layer only writes events for parcels it has
    # just read, and Django's delete cascade removes a parcel's events.
    parcel = models.ForeignKey(
        Parcel,
        on_delete=models.CASCADE,
        related_name="tracking_events",
        db_index=False,
        db_constraint=False,
    )
    source = models.CharField(_("source"), max_length=48)
    event_id = models.CharField(_("event id"), max_length=64)
    code = models.CharField(_("UPU code"), max_length=3, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    occurred_at = models.DateTimeField(_("occurred at (UTC)"))
    received_at = models.DateTimeField(_("received at (UTC)"), default=timezone.now)
    location_code = models.CharField(_("location code"), max_length=16, blank=True)
    location_name = models.CharField(_("location"), max_length=120, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    tz = models.CharField(_("time zone"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # Not indexed: nothing reads events by carrier but the PROTECT check when an operator
    # deletes a carrier (a scan, once), while every insert would pay for the index.
    carrier = models.ForeignKey(
        Carrier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tracking_events",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        ordering = ["-id"]  # newest first in the admin; timelines order by time explicitly
        constraints = [
            # With the partition key, as PostgreSQL requires of a partitioned table's unique
            # constraints (docs/decisions/0008); SQLite's database keeps (source, event_id).
            models.UniqueConstraint(
                fields=["source", "event_id", "occurred_at"], name="trk_event_source_time"
            )
        ]
        indexes = [
            # The timeline of one parcel and its latest event: an index range scan either way.
            models.Index(fields=["parcel", "occurred_at", "id"], name="trk_event_parcel_time"),
            # The admin's list of one source's events, newest first: read in order from the
            # index. Without it SQLite took the unique (source, event_id) index and sorted
            # every event of the source (26 s at ten million); PostgreSQL walked the whole
            # table backwards for a source with few events.
            models.Index(fields=["source", "-id"], name="trk_event_source_newest"),
            # A parcel's events past the ordinary journey (delivered, cancelled, returning,
            # the final outcomes: tracking.lifecycle.OUTCOMES), which outrank any later scan:
            # one probe finds its current one. Partial, so the millions of ordinary scans
            # never touch it.
            models.Index(
                fields=["parcel", "occurred_at", "id"],
                name="trk_event_parcel_outcome",
                condition=models.Q(status__in=lifecycle.OUTCOMES),
            ),
            # Deliveries (EMI) by time: the carrier performance page's period is a range of
            # this index (tracking.carrier_queries), never a scan of the events. Partial, so
            # only EMI rows (one or two per parcel) pay for it on insert. Queries must spell
            # the condition as the literal code = 'EMI' for SQLite to use it.
            models.Index(
                fields=["occurred_at", "parcel"],
                name="trk_event_delivered",
                condition=models.Q(code="EMI"),
            ),
        ]
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")

    def __str__(self) -> str:
        return f"{self.code or '—'} {self.status} @ {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def meaning(self) -> str:
        """The event in the active language ("Out for delivery", "Loaded onto the flight")."""
        key = self.code or str((self.details or {}).get("step", ""))
        label = EVENT_LABELS.get(key)
        if label is not None:
            return str(label)
        # A code we have no words for: a neutral line, the code itself shown beside it.
        return str(_("Tracking update"))


class ParcelState(models.Model):
    """A parcel's current event (tracking.lifecycle) and its first delivery, as recording last
    judged them, on PostgreSQL only: written by the statement that inserts a batch's events,
    and read by nothing else. It lets a batch judge its status changes and first deliveries
    without reading the parcel's earlier events, which sit in every monthly partition and may
    have been archived (docs/decisions/0039). SQLite (no partitions, nothing archived) judges
    from the events themselves and leaves this table empty. Not a foreign key to the event:
    the partitioned table has no single-column key."""

    # No constraint in the database, as for the events (docs/decisions/0003): recording only
    # writes rows for parcels it has just read, and Django's delete cascade removes them.
    parcel = models.OneToOneField(
        Parcel,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="tracking_state",
        db_constraint=False,
    )
    event_pk = models.BigIntegerField()  # the current event's id
    stage = models.PositiveSmallIntegerField()  # lifecycle.STAGE of its status
    occurred_at = models.DateTimeField()
    code = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    # The status before the current event became current (None: the parcel had no event).
    previous_status = models.CharField(max_length=20, null=True, blank=True)
    # The first EMI recorded (tracking.events.parcels_delivered was sent for it).
    delivered_pk = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.parcel_id}: {self.status} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class WebhookEndpoint(models.Model):
    """Where a merchant wants to hear about its parcels' status changes. Each request is signed
    with `secret` (Standard Webhooks: tracking.webhooks) so the merchant can tell it is ours."""

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="tracking_webhooks"
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["merchant", "url"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        """A merchant's URL is called from inside our network: https only in production
        (OUTBOUND_REQUIRE_HTTPS) and never a private, loopback or link-local target."""
        super().clean()
        if not self.url:
            return
        try:
            outbound.check_url(self.url)
        except outbound.RefusedTarget as exc:
            raise ValidationError({"url": str(exc)}) from exc


class WebhookDelivery(models.Model):
    """One message to one endpoint; its attempts are WebhookAttempt rows. The same `uuid` goes
    out on every retry (header webhook-id) so the merchant can drop repeats."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # No database constraint: the event table is partitioned on PostgreSQL, where its id alone
    # is not a unique key a foreign key could reference (docs/decisions/0008).
    event = models.ForeignKey(
        TrackingEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    event_type = models.CharField(_("event type"), max_length=40)
    body = models.TextField(_("JSON body"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="trk_delivery_due")]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP try of a delivery: what came back, and the backoff chosen before the next."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    retry_in_s = models.PositiveIntegerField(_("retry in (s)"), null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="trk_attempt_unique")
        ]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"


#: What an unknown handover (hours None) is compared as in CarrierDayCount's uniqueness: no
#: parcel's delivery is 2**31 hours off its handover.
NO_HOURS = -(2**31)


class CarrierDayCount(models.Model):
    """The carrier performance counts of one day's deliveries (UTC day of each parcel's first
    EMI), per destination country, last-mile carrier and whole hours from handover to delivery:
    the rows tracking.carrier_queries counts for that day, kept so a period of up to a year
    is a sum of days rather than a read of its events (tracking.carrier_rollup; decision 0023).
    Rewritten whole per day; never edited."""

    day = models.DateField()
    country = models.CharField(max_length=2)
    carrier_id = models.BigIntegerField(null=True)  # no FK: a carrier's counts outlive it
    hours = models.IntegerField(null=True)  # None: handover unknown
    parcels = models.IntegerField()
    first_attempt = models.IntegerField()
    within_promise = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="trk_carrier_day")]
        # One row per day and bucket, whatever rolls the day (carrier_rollup.roll_day locks
        # the day; this is the database saying so). NULLs compared as values: no carrier id
        # is 0, and no whole-hours count is NO_HOURS.
        constraints = [
            models.UniqueConstraint(
                F("day"),
                F("country"),
                Coalesce("carrier_id", Value(0)),
                Coalesce("hours", Value(NO_HOURS)),
                name="trk_carrier_day_bucket_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.country} {self.carrier_id} {self.hours} h: {self.parcels}"


class CarrierDayRolled(models.Model):
    """A day whose counts are in CarrierDayCount (a day without deliveries has no count rows,
    so this row says it was rolled all the same), when, and up to when its deliveries are
    counted: the next midnight for a closed day, the last whole hour for today (the rest of
    today is read live)."""

    day = models.DateField(primary_key=True)
    rolled_at = models.DateTimeField()
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.day} (rolled {self.rolled_at:%Y-%m-%d %H:%M})"


class FollowUp(models.Model):
    """What a recorded batch owes once it commits (its status changes and first deliveries,
    for tracking.tasks.follow_up), written in the batch's own transaction: an outbox row,
    drained by a worker (tracking.follow_ups), so the ingesting request publishes no broker
    message per batch and nothing is owed for a batch that rolled back or lost after commit.
    Deleted in the transaction that does the work: done once."""

    changes = models.JSONField(default=list)  # tracking.batch.StatusChange rows
    delivered = models.JSONField(default=list)  # tracking.batch.Delivered rows
    created_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True)  # after a failed attempt
    last_error = models.CharField(max_length=300, blank=True)

    objects: models.Manager[FollowUp] = models.Manager()

    def __str__(self) -> str:
        return f"follow-up {self.pk}: {len(self.changes)} changes, {len(self.delivered)} delivered"
