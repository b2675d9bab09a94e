"""The customs desk's records: who works a gateway's desk (officers, brokers), each flight's
manifest as presented, one case per parcel with its current status, every decision taken on it
(the log the dashboard counts), the requests sent to buyers, and each country's rule for a
parcel not released in time. Every write goes through clearance.services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana.clearance import outcomes as o
from caravana.fulfillment.models import Parcel
from caravana.network.models import Flight, Gateway


class Status(models.TextChoices):
    PRESENTED = o.PRESENTED, _("Presented")
    CLEARED = o.CLEARED, _("Cleared")
    HELD = o.HELD, _("Held")
    RELEASED = o.RELEASED, _("Released")
    RETURNED = o.RETURNED, _("Returned")
    SEIZED = o.SEIZED, _("Seized")
    DISPOSED = o.DISPOSED, _("Disposed of")


class HoldReason(models.TextChoices):
    DOCUMENTS = o.DOCUMENTS, _("Documents")
    VALUATION = o.VALUATION, _("Valuation")
    INSPECTION = o.INSPECTION, _("Inspection")
    PROHIBITED = o.PROHIBITED, _("Prohibited or restricted")
    BUYER_ID = o.BUYER_ID, _("Buyer ID mismatch")


class Source(models.TextChoices):
    DESK = "desk", _("Desk scan")
    CSV = "csv", _("CSV file")
    API = "api", _("API")
    RULE = "rule", _("Country rule")


class GatewayMember(models.Model):
    """A customs officer of ours or a broker's account at one gateway: sees and decides that
    gateway's parcels only (operators see every gateway)."""

    class Kind(models.TextChoices):
        OFFICER = "officer", _("Customs desk officer")
        BROKER = "broker", _("Customs broker")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clearance_membership"
    )
    gateway = models.ForeignKey(Gateway, on_delete=models.CASCADE, related_name="desk_members")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.OFFICER)

    class Meta:
        verbose_name = _("gateway desk member")
        verbose_name_plural = _("gateway desk members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.gateway.iata}"


class Manifest(models.Model):
    """The parcels one arrived flight brought to one gateway, presented to import customs."""

    flight = models.ForeignKey(Flight, on_delete=models.PROTECT, related_name="customs_manifests")
    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, related_name="manifests")
    arrived_at = models.DateTimeField(_("arrived"))
    presented_at = models.DateTimeField(_("presented"))
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    parcel_count = models.PositiveIntegerField(_("parcels"), default=0)

    class Meta:
        ordering = ["-presented_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["flight", "gateway"], name="clearance_manifest_once")
        ]
        verbose_name = _("customs manifest")
        verbose_name_plural = _("customs manifests")

    def __str__(self) -> str:
        return f"{self.flight} · {self.gateway.iata}"


class Case(models.Model):
    """One parcel before import customs: where it stands now. `status` and `hold_reason` are
    the latest decision's; the decisions themselves are the record."""

    parcel = models.OneToOneField(Parcel, on_delete=models.CASCADE, related_name="clearance_case")
    manifest = models.ForeignKey(Manifest, on_delete=models.CASCADE, related_name="cases")
    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PRESENTED
    )
    hold_reason = models.CharField(
        _("hold reason"), max_length=12, choices=HoldReason.choices, blank=True
    )
    arrived_at = models.DateTimeField(_("arrived"))
    presented_at = models.DateTimeField(_("presented"))
    held_at = models.DateTimeField(_("held since"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    #: Presented to released, in seconds: the average clearance time is an AVG of this.
    clearance_seconds = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["manifest", "id"]
        indexes = [
            models.Index(fields=["gateway", "status"], name="clearance_case_gw_status"),
            models.Index(fields=["status", "held_at"], name="clearance_case_held"),
        ]
        verbose_name = _("clearance case")
        verbose_name_plural = _("clearance cases")

    def __str__(self) -> str:
        return f"{self.parcel_id}: {self.status}"


class Decision(models.Model):
    """One decision of customs on a case, as entered (scan, file, API) or applied by the
    country rule. Unique on (case, outcome, reason, time): the same decision entered again,
    a re-uploaded file, is recorded once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=12, choices=HoldReason.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_at = models.DateTimeField(_("decided"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "outcome", "reason", "decided_at"], name="clearance_decision_once"
            )
        ]
        indexes = [
            models.Index(fields=["gateway", "decided_at"], name="clearance_decision_day"),
        ]
        verbose_name = _("customs decision")
        verbose_name_plural = _("customs decisions")

    def __str__(self) -> str:
        return f"{self.case_id} {self.outcome} {self.reason}".strip()


class BuyerRequest(models.Model):
    """What customs needs from the buyer to end a hold, by a deadline; the buyer answers on
    the order page and the desk reads the answer."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for the buyer")
        ANSWERED = "answered", _("Answered")
        EXPIRED = "expired", _("Expired")
        CLOSED = "closed", _("Closed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requests")
    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="request")
    reason = models.CharField(_("reason"), max_length=12, choices=HoldReason.choices)
    message = models.CharField(_("message"), max_length=300, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_text = models.TextField(_("answer"), blank=True)
    answer_id_number = models.CharField(_("corrected ID number"), max_length=32, blank=True)
    answer_value = models.DecimalField(
        _("declared value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    answer_currency = models.CharField(max_length=3, blank=True)
    answer_file = models.FileField(_("document"), upload_to="clearance/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "deadline"], name="clearance_request_due")]
        verbose_name = _("buyer request")
        verbose_name_plural = _("buyer requests")

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason} → {self.deadline:%Y-%m-%d}"


class ExpiryRule(models.Model):
    """What happens in one country to a held parcel not released in time: how long the buyer
    has to answer, how long a hold may last, then return to the sender or disposal. Law, so
    data with an effective date and a source (seeded from data/expiry_rules.json)."""

    class Action(models.TextChoices):
        RETURN = o.RETURNED, _("Return to sender")
        DISPOSE = o.DISPOSED, _("Dispose of")

    country = models.CharField(_("country"), max_length=2)
    effective_from = models.DateField(_("effective from"))
    answer_days = models.PositiveSmallIntegerField(_("days for the buyer to answer"))
    #: Brazil gives 15 days for the buyer's CPF/CNPJ and 30 for the inspection's requirements:
    #: a request for the buyer's ID uses this when set, every other request answer_days.
    id_answer_days = models.PositiveSmallIntegerField(
        _("days to answer an ID request"), null=True, blank=True
    )
    hold_days = models.PositiveSmallIntegerField(_("days a hold may last"))
    action = models.CharField(_("then"), max_length=10, choices=Action.choices)
    source = models.CharField(_("source"), max_length=600)
    verified = models.BooleanField(_("verified"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["country", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "effective_from"], name="clearance_rule_once"
            )
        ]
        verbose_name = _("expiry rule")
        verbose_name_plural = _("expiry rules")

    def __str__(self) -> str:
        return f"{self.country} {self.effective_from}: {self.action}"
