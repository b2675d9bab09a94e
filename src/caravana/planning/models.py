"""Planning data: belly space offered on scheduled flights, each plan the planner ran, and the
bookings a committed plan made. The solver itself (solver.py) knows nothing of these."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana import clock


class BellyOffer(models.Model):
    """Space on a scheduled passenger flight, priced per chargeable kg, no fixed cost."""

    carrier = models.CharField(_("carrier"), max_length=80)
    number = models.CharField(_("flight number"), max_length=10)
    origin = models.CharField(_("origin"), max_length=3)
    destination = models.CharField(_("destination"), max_length=3)
    departs_at = models.DateTimeField(_("departs (UTC)"))
    arrives_at = models.DateTimeField(_("arrives (UTC)"))
    capacity_kg = models.PositiveIntegerField(_("capacity (kg)"))
    capacity_m3 = models.DecimalField(_("capacity (m³)"), max_digits=7, decimal_places=2)
    price_per_kg_usd = models.DecimalField(
        _("price per chargeable kg (USD)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["departs_at"]
        constraints = [
            models.UniqueConstraint(fields=["number", "departs_at"], name="belly_unique_departure")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.origin}-{self.destination} {self.departs_at:%Y-%m-%d}"

    @property
    def key(self) -> str:
        return f"belly-{self.pk}"


class PlanRun(models.Model):
    """One run of the planner over a window: what went in, what came out, who committed it."""

    class Source(models.TextChoices):
        PLANNER = "planner", _("planner")
        #: A network twin's planning cycle (caravana.twin): its consignments and legs are the
        #: simulation's, not bags and flights of this database, so it is kept but never committed;
        #: unless the twin flies its legs as flights of this database (`simulate --flights`):
        #: then its plan is over their bags and flights, and the twin books it
        #: (services.book_twin_cycle).
        TWIN = "twin", _("network twin (simulated)")

    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.PLANNER, db_default=Source.PLANNER
    )
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    problem = models.JSONField()
    result = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_runs"
    )
    # caravana.clock: a twin's planning cycle is made at its simulated moment
    created_at = models.DateTimeField(default=clock.now, editable=False)
    committed_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_runs_committed",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.window_start:%Y-%m-%d}–{self.window_end:%Y-%m-%d})"


class Booking(models.Model):
    """A closed bag or built ULD booked onto a charter or a belly offer by a committed plan.
    A later committed plan replaces the bookings of the consignments it covers."""

    run = models.ForeignKey(PlanRun, on_delete=models.CASCADE, related_name="bookings")
    bag = models.OneToOneField(
        "fulfillment.Bag", null=True, blank=True, on_delete=models.CASCADE, related_name="booking"
    )
    uld = models.OneToOneField(
        "fulfillment.Uld", null=True, blank=True, on_delete=models.CASCADE, related_name="booking"
    )
    flight = models.ForeignKey(
        "network.Flight", null=True, blank=True, on_delete=models.CASCADE, related_name="bookings"
    )
    belly = models.ForeignKey(
        BellyOffer, null=True, blank=True, on_delete=models.CASCADE, related_name="bookings"
    )
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3)
    volume_m3 = models.DecimalField(max_digits=10, decimal_places=4)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(bag__isnull=False) & models.Q(uld__isnull=True))
                | (models.Q(bag__isnull=True) & models.Q(uld__isnull=False)),
                name="booking_bag_xor_uld",
            ),
            models.CheckConstraint(
                condition=(models.Q(flight__isnull=False) & models.Q(belly__isnull=True))
                | (models.Q(flight__isnull=True) & models.Q(belly__isnull=False)),
                name="booking_flight_xor_belly",
            ),
        ]

    def __str__(self) -> str:
        what = self.bag.identifier if self.bag_id else self.uld.identifier
        where = self.flight or self.belly
        return f"{what} → {where}"
