"""Parcels with their declared contents, S10 serial counters, bags and ULDs. Every write goes
through fulfillment.services; state changes send fulfillment.events.parcel_event (or
parcels_moved)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from caravana import clock
from caravana.catalog.models import BatteryType, Merchant
from caravana.catalog.validators import validate_hs_code
from caravana.network.models import Carrier, Flight, Gateway, Hub, Lane, ServiceLevel, UldType


class SerialCounter(models.Model):
    """The next serial for one numbering scope: ``s10:<indicator>:<country>`` for parcel
    identifiers, ``bag:<hub location>`` for bag identifiers. One row per scope, locked with
    SELECT … FOR UPDATE while a serial is taken, so two processes never get the same one."""

    scope = models.CharField(max_length=32, unique=True)
    next_value = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.scope}: {self.next_value}"


class S10Range(models.Model):
    """A block of S10 serials the operator may issue: the service indicator, the serials from
    `first_serial` to `last_serial`, and the ISO country code of the issuing operator named in
    its agreement (the letters at the end of every identifier). `next_serial` is the next one
    to give out; a range whose `next_serial` is past `last_serial` is used up. Ranges of one
    indicator and country never overlap (services.s10_ranges.check_range)."""

    service_indicator = models.CharField(
        _("service indicator"),
        max_length=2,
        validators=[RegexValidator("^[A-IL-RU-VX-Z][A-Z]$", _("Two letters, not J K S T W."))],
    )
    country = models.CharField(_("issuing operator's country"), max_length=2)
    agreement = models.CharField(
        _("agreement"),
        max_length=200,
        help_text=_("The agreement that assigns this range (operator, reference, date)."),
    )
    first_serial = models.PositiveIntegerField(
        _("first serial"), validators=[MinValueValidator(0), MaxValueValidator(99_999_999)]
    )
    last_serial = models.PositiveIntegerField(
        _("last serial"), validators=[MinValueValidator(0), MaxValueValidator(99_999_999)]
    )
    next_serial = models.PositiveIntegerField(_("next serial"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service_indicator", "country", "first_serial"]
        indexes = [models.Index(fields=["service_indicator", "active"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_serial__lte=models.F("last_serial"))
                & models.Q(next_serial__gte=models.F("first_serial"))
                & models.Q(next_serial__lte=models.F("last_serial") + 1)
                & models.Q(last_serial__lte=99_999_999),
                name="s10_range_bounds",
            )
        ]
        verbose_name = _("S10 range")
        verbose_name_plural = _("S10 ranges")

    def __str__(self) -> str:
        return (
            f"{self.service_indicator} {self.first_serial:08d}–{self.last_serial:08d} "
            f"{self.country}"
        )

    @property
    def remaining(self) -> int:
        return max(self.last_serial + 1 - self.next_serial, 0)


class CarrierChoice(models.TextChoices):
    LANE = "lane", _("Lane")
    NETWORK = "network", _("Network")
    PLANNER = "planner", _("Planner")


class ParcelKind(models.TextChoices):
    """NETWORK: from a hub in China, flown, cleared. LOCAL: local stock sent from a returns
    point in the destination country (docs/decisions/0022): no hub, bag, flight or customs;
    its hub, lane and gateway columns hold the lane the network would use for the country, so
    the schema and the tracking read stay as they are, and hub steps refuse it."""

    NETWORK = "network", _("Network")
    LOCAL = "local", _("Local stock (returns point)")


class Parcel(models.Model):
    class State(models.TextChoices):
        LABEL_CREATED = "label_created", _("Label created")
        RECEIVED = "received", _("Received at hub")
        BAGGED = "bagged", _("Bagged")
        IN_ULD = "in_uld", _("In ULD")
        LOADED = "loaded", _("Loaded on flight")
        DEPARTED = "departed", _("Departed")
        ARRIVED = "arrived", _("Arrived at gateway")
        CANCELLED = "cancelled", _("Cancelled")

    s10 = models.CharField(_("S10 identifier"), max_length=13, unique=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=ParcelKind.choices, default=ParcelKind.NETWORK,
        db_default=ParcelKind.NETWORK,
    )  # fmt: skip
    #: LOCAL: the code of the returns point it leaves from (returns.ReturnsPoint.code).
    origin_point = models.CharField(
        _("returns point"), max_length=32, blank=True, default="", db_default=""
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="parcels")
    # Placeholder until the orders app lands: the merchant's order reference.
    order_ref = models.CharField(_("order reference"), max_length=64, blank=True, db_index=True)
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="parcels")
    lane = models.ForeignKey(Lane, on_delete=models.PROTECT, related_name="parcels")
    # No single-column index: parcel_level_newest and parcel_gateway_newest start with them.
    service_level = models.ForeignKey(
        ServiceLevel, on_delete=models.PROTECT, related_name="parcels", db_index=False
    )
    gateway = models.ForeignKey(
        Gateway, on_delete=models.PROTECT, related_name="parcels", db_index=False
    )
    carrier = models.ForeignKey(
        Carrier,
        on_delete=models.PROTECT,
        related_name="parcels",
        verbose_name=_("last-mile carrier"),
    )
    # Who set `carrier`: the lane at label time, the network's choice at bagging
    # (services.carriers), or a planner's override, which bagging then keeps.
    carrier_choice = models.CharField(
        _("carrier chosen by"),
        max_length=8,
        choices=CarrierChoice.choices,
        default=CarrierChoice.LANE,
        db_default=CarrierChoice.LANE,  # bulk loaders (bench/seed_admin.py) name no such column
    )
    # The carrier's own number, in its format (codes.carriers), once the carrier gave one;
    # blank before the handover. Unique per carrier, so the carrier's events find the parcel.
    carrier_tracking_number = models.CharField(
        _("carrier's tracking number"), max_length=40, blank=True, default="", db_default=""
    )

    recipient_name = models.CharField(_("recipient name"), max_length=120)
    recipient_address = models.CharField(_("address"), max_length=250)
    recipient_city = models.CharField(_("city"), max_length=80)
    recipient_state = models.CharField(_("state / region"), max_length=80, blank=True)
    recipient_postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    recipient_country = models.CharField(_("country"), max_length=2)
    recipient_phone = models.CharField(_("phone"), max_length=40, blank=True)
    recipient_email = models.EmailField(_("e-mail"), blank=True)
    recipient_tax_id = models.CharField(_("tax ID (CPF, RUT, …)"), max_length=32, blank=True)
    # Which document the number is (caravana.markets.documents code, e.g. "co.cc"), as the buyer
    # chose it at checkout: the label prints its name beside the number.
    recipient_tax_id_type = models.CharField(_("ID type"), max_length=20, blank=True)

    declared_weight_g = models.PositiveIntegerField(
        _("declared weight (g)"), validators=[MinValueValidator(1)]
    )
    declared_length_cm = models.PositiveSmallIntegerField(_("declared length (cm)"))
    declared_width_cm = models.PositiveSmallIntegerField(_("declared width (cm)"))
    declared_height_cm = models.PositiveSmallIntegerField(_("declared height (cm)"))
    declared_value = models.DecimalField(_("declared value"), max_digits=12, decimal_places=2)
    declared_currency = models.CharField(_("declared currency"), max_length=3)
    battery = models.CharField(
        _("battery"), max_length=16, choices=BatteryType.choices, default=BatteryType.NONE
    )
    ddp = models.BooleanField(_("DDP (duties paid)"), default=True)

    measured_weight_g = models.PositiveIntegerField(_("measured weight (g)"), null=True, blank=True)
    measured_length_cm = models.PositiveSmallIntegerField(
        _("measured length"), null=True, blank=True
    )
    measured_width_cm = models.PositiveSmallIntegerField(_("measured width"), null=True, blank=True)
    measured_height_cm = models.PositiveSmallIntegerField(
        _("measured height"), null=True, blank=True
    )
    discrepancy = models.BooleanField(_("discrepancy"), default=False)
    # Measured minus declared chargeable weight, and what it costs at the lane's rate card.
    shipping_difference_g = models.IntegerField(_("chargeable weight difference (g)"), default=0)
    shipping_difference = models.DecimalField(
        _("shipping difference"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    shipping_difference_currency = models.CharField(max_length=3, blank=True)

    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.LABEL_CREATED
    )
    bag = models.ForeignKey(
        "Bag", on_delete=models.PROTECT, null=True, blank=True, related_name="parcels"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    # The label's moment: the wall clock, or the twin's simulated moment (caravana.clock), so a
    # simulated month's labels are dated in that month (auto_now_add would take the wall clock).
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # One merchant's parcels newest first (the console, the admin's merchant filter and
            # search by merchant name): read in order, never sorted.
            models.Index(fields=["merchant", "-created_at", "-id"], name="parcel_merchant_newest"),
            # The back office's parcel list, newest first (fulfillment.admin), and filtered on
            # a column of few values: without these SQLite took the foreign key's index and
            # sorted a third of the table (1.9 s at a million parcels).
            models.Index(fields=["-created_at", "-id"], name="parcel_newest"),
            models.Index(fields=["state", "-created_at", "-id"], name="parcel_state_newest"),
            models.Index(
                fields=["service_level", "-created_at", "-id"], name="parcel_level_newest"
            ),
            models.Index(fields=["gateway", "-created_at", "-id"], name="parcel_gateway_newest"),
            # Search by the start of the recipient's name, whatever its case (admin_lists'
            # NamePrefix): a range over UPPER(recipient_name).
            models.Index(Upper("recipient_name"), name="parcel_recipient_upper"),
            # A hub's parcel list, newest first, all states or one (fulfillment.queries): read
            # in order from the index, never sorted (a hub holds hundreds of thousands).
            models.Index(fields=["hub", "-created_at", "-id"], name="parcel_hub_newest"),
            models.Index(
                fields=["hub", "state", "-created_at", "-id"], name="parcel_hub_state_newest"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "carrier_tracking_number"],
                condition=~models.Q(carrier_tracking_number=""),
                name="parcel_carrier_number_unique",
            )
        ]
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")

    def __str__(self) -> str:
        return self.s10

    @property
    def declared_volume_cm3(self) -> int:
        return self.declared_length_cm * self.declared_width_cm * self.declared_height_cm

    @property
    def volume_cm3(self) -> int:
        """Measured volume once received, declared before."""
        if self.measured_length_cm:
            return self.measured_length_cm * self.measured_width_cm * self.measured_height_cm
        return self.declared_volume_cm3

    @property
    def weight_g(self) -> int:
        return self.measured_weight_g or self.declared_weight_g

    @property
    def is_local(self) -> bool:
        return self.kind == ParcelKind.LOCAL

    @property
    def sort_code(self) -> str:
        """Gateway-carrier, as on the lane (``GRU-CORREIOS``)."""
        return f"{self.gateway.iata}-{self.carrier.code.split('-')[-1].upper()}"


class ParcelItem(models.Model):
    """One line of the customs declaration."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="items")
    description = models.CharField(_("description"), max_length=200)
    hs_code = models.CharField(_("HS code"), max_length=6, validators=[validate_hs_code])
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_value = models.DecimalField(_("unit value"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    unit_weight_g = models.PositiveIntegerField(_("unit weight (g)"))
    origin_country = models.CharField(_("country of origin"), max_length=2, default="CN")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class Bag(models.Model):
    """A sack for one gateway + service level + last-mile carrier at one hub; at most 30 kg.
    Only one bag per destination is open at a hub at a time (database constraint)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    MAX_WEIGHT_G = 30_000

    identifier = models.CharField(_("bag identifier"), max_length=15, unique=True)
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="bags")
    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, related_name="bags")
    service_level = models.ForeignKey(ServiceLevel, on_delete=models.PROTECT, related_name="bags")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="bags")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    dangerous_goods = models.BooleanField(_("dangerous goods (lithium)"), default=False)
    weight_g = models.PositiveIntegerField(_("weight (g)"), default=0)
    volume_cm3 = models.PositiveBigIntegerField(_("volume (cm³)"), default=0)
    parcel_count = models.PositiveIntegerField(_("parcels"), default=0)
    uld = models.ForeignKey(
        "Uld", on_delete=models.PROTECT, null=True, blank=True, related_name="bags"
    )
    # The charter a committed flight plan puts this bag on (services.flight_plan.plan_flights);
    # null when it goes by belly, waits, or was never planned. Where it actually flies is its
    # ULD's flight.
    planned_flight = models.ForeignKey(
        Flight,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_bags",
        verbose_name=_("planned flight"),
    )
    # The passenger flight whose belly a committed plan books this bag on, as the hub reads it
    # ("LA8071 2026-11-30 14:25 UTC → GRU"); blank otherwise. Belly offers are planning's, so
    # the hub keeps their label rather than a reference.
    planned_belly = models.CharField(_("planned belly flight"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "gateway", "service_level", "carrier"],
                condition=models.Q(state="open"),
                name="one_open_bag_per_destination",
            )
        ]
        indexes = [models.Index(fields=["hub", "state"])]
        verbose_name = _("bag")
        verbose_name_plural = _("bags")

    def __str__(self) -> str:
        return self.identifier


class Uld(models.Model):
    """A pallet or container built at a hub from closed bags and handed to a flight. The
    identifier is the airline's tag (PMC12345CV, AKE1234ABC), kept whole, so the same tag
    reappears on later flights: it is unique only among ULDs not yet on a flight."""

    class State(models.TextChoices):
        BUILDING = "building", _("Building")
        CLOSED = "closed", _("Closed")
        LOADED = "loaded", _("Loaded")

    identifier = models.CharField(_("ULD identifier"), max_length=11)
    uld_type = models.ForeignKey(UldType, on_delete=models.PROTECT, related_name="ulds")
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="ulds")
    # Set by the first bag: a ULD flies to one gateway, so every bag in it goes there.
    gateway = models.ForeignKey(
        Gateway, on_delete=models.PROTECT, null=True, blank=True, related_name="ulds"
    )
    flight = models.ForeignKey(
        Flight, on_delete=models.PROTECT, null=True, blank=True, related_name="ulds"
    )
    # The charter a committed flight plan puts this ULD on (services.flight_plan.plan_flights);
    # `flight` is the one it was actually loaded onto.
    planned_flight = models.ForeignKey(
        Flight,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_ulds",
        verbose_name=_("planned flight"),
    )
    planned_belly = models.CharField(_("planned belly flight"), max_length=80, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.BUILDING
    )
    weight_g = models.PositiveBigIntegerField(_("contents weight (g)"), default=0)
    volume_cm3 = models.PositiveBigIntegerField(_("contents volume (cm³)"), default=0)
    bag_count = models.PositiveIntegerField(_("bags"), default=0)
    dg_bag_count = models.PositiveIntegerField(_("dangerous-goods bags"), default=0)
    position = models.CharField(_("position"), max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier"],
                condition=models.Q(flight__isnull=True),
                name="uld_identifier_unique_off_flight",
            )
        ]
        indexes = [models.Index(fields=["hub", "state"])]
        verbose_name = _("ULD")
        verbose_name_plural = _("ULDs")

    def __str__(self) -> str:
        return self.identifier

    @property
    def gross_kg(self) -> Decimal:
        return Decimal(self.weight_g) / 1000 + self.uld_type.tare_kg

    @property
    def dangerous_goods(self) -> bool:
        return self.dg_bag_count > 0
