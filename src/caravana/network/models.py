"""The logistics network: origin hubs in China, Latin American gateways, last-mile carriers,
service levels, lanes, aircraft and ULD types, and flights. Seeded with real facts by
`python -m caravana seed_network`; planners and operators edit them in the admin."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana import markets
from caravana.codes import carriers as carrier_numbers
from caravana.errors import field_error
from caravana.network import room
from caravana.network.carrier_choice import postal_key
from caravana.network.error_codes import NetworkErrorCode

iata_validator = RegexValidator(r"^[A-Z]{3}$", _("An IATA location code is three capital letters."))
country_validator = RegexValidator(r"^[A-Z]{2}$", _("An ISO 3166-1 country code is two letters."))


class Hub(models.Model):
    """An origin hub in China where merchants drop parcels. `location` (three letters) is the
    IATA code of the hub's city and goes into bag identifiers (codes/bag.py)."""

    code = models.CharField(_("code"), max_length=12, unique=True)  # e.g. SZX-HUB
    location = models.CharField(
        _("location code"), max_length=3, unique=True, validators=[iata_validator]
    )
    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=80)
    country = models.CharField(
        _("country"), max_length=2, default="CN", validators=[country_validator]
    )
    airport = models.CharField(
        _("airport it feeds"), max_length=3, validators=[iata_validator], help_text="IATA"
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("hub")
        verbose_name_plural = _("hubs")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


def building_hubs() -> dict[str, int]:
    """Active hubs by the airport they build for (a feeder's is the airport it trucks to): a
    flight's room for parcels keeps part-full ULDs back for each (AircraftType)."""
    rows = Hub.objects.filter(is_active=True).values_list("airport").annotate(n=models.Count("id"))
    return dict(rows)


class HubMember(models.Model):
    """Hub staff belong to exactly one hub and see only its parcels, bags and ULDs."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_membership"
    )
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="members")

    class Meta:
        verbose_name = _("hub member")
        verbose_name_plural = _("hub members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.hub.code}"


class Gateway(models.Model):
    """A Latin American airport where flights land and parcels enter the country. Name, city,
    coordinates and time zone come from airportsdata at seed time."""

    iata = models.CharField(_("IATA code"), max_length=3, unique=True, validators=[iata_validator])
    name = models.CharField(_("name"), max_length=160)
    city = models.CharField(_("city"), max_length=80)
    country = models.CharField(_("country"), max_length=2, validators=[country_validator])
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=5)
    timezone = models.CharField(_("time zone"), max_length=64)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["iata"]
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")

    def __str__(self) -> str:
        return f"{self.iata} · {self.city}"


def validate_tracking_url(value: str) -> None:
    """An https link with only the placeholders codes.carriers knows ({n}, {tracking}, {yy})."""
    problem = carrier_numbers.pattern_problem(value)
    if problem == "https":
        raise ValidationError(
            _("The tracking link must start with https:// and name a host."), code="https"
        )
    if problem == "placeholder":
        raise ValidationError(
            _("The tracking link may only use {n}, {tracking} and {yy} as placeholders."),
            code="placeholder",
        )


class Carrier(models.Model):
    """A last-mile carrier in one destination country: the facts the network chooses it by
    (network.carrier_choice: service levels, postal-code areas, cut-off, price) and those the
    buyer follows a parcel by (its number format and public tracking link). Facts from
    outside carry their source beside them; "unverified" where none was found. It posts
    tracking events with an API token of a user linked to it by CarrierMember."""

    code = models.SlugField(_("code"), max_length=32, unique=True)  # e.g. br-correios
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, validators=[country_validator])
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    tracking_format = models.CharField(
        _("tracking number format"),
        max_length=20,
        choices=carrier_numbers.choices(),
        default="unknown",
        help_text=_("Unknown: any 6–40 letters or digits are accepted and nothing is checked."),
    )
    format_source = models.CharField(_("format: source"), max_length=300, blank=True)
    tracking_url = models.CharField(
        _("tracking link"),
        max_length=300,
        blank=True,
        validators=[validate_tracking_url],
        help_text=_("https only; {n} is replaced by the carrier's number."),
    )
    tracking_url_source = models.CharField(_("tracking link: source"), max_length=300, blank=True)
    service_levels = models.ManyToManyField(
        "ServiceLevel",
        blank=True,
        related_name="carriers",
        verbose_name=_("service levels"),
        help_text=_("None selected: the carrier takes every service level."),
    )
    cutoff_local = models.TimeField(
        _("cut-off (local time)"),
        null=True,
        blank=True,
        help_text=_("Latest handover for a same-day pick-up, in the country's time zone."),
    )
    cutoff_source = models.CharField(_("cut-off: source"), max_length=300, blank=True)
    price_per_parcel = models.DecimalField(
        _("price per parcel"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In the country's currency."),
    )
    price_per_kg = models.DecimalField(
        _("price per kg"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In the country's currency."),
    )
    price_source = models.CharField(_("prices: source"), max_length=300, blank=True)
    #: Failed delivery attempts after which the parcel goes back to the sender (redelivery).
    #: No carrier's public terms giving the number were found: 3 is an assumption.
    max_delivery_attempts = models.PositiveSmallIntegerField(
        _("delivery attempts"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Failed attempts after which the parcel goes back to the sender."),
    )
    attempts_source = models.CharField(
        _("delivery attempts: source"),
        max_length=300,
        blank=True,
        default="unverified: no public terms found; 3 assumed, enter the contract's",
    )

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"

    @property
    def currency(self) -> str:
        """The prices' currency: the country's own (caravana.markets)."""
        found = markets.get(self.country)
        return found.currency if found else ""

    def tracking_link(self, number: str) -> str | None:
        """The buyer's link to this carrier's tracking page for `number`, https only."""
        return carrier_numbers.tracking_link(self.tracking_url, self.tracking_format, number)


class CarrierArea(models.Model):
    """A range of postal codes a carrier delivers to, both ends included, compared as digits
    (network.carrier_choice.postal_key: an Argentine CPA by its four digits). A carrier with
    no areas covers its whole country."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="areas")
    postal_from = models.CharField(_("from postal code"), max_length=10)
    postal_to = models.CharField(_("to postal code"), max_length=10)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["carrier", "postal_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(postal_from__lte=models.F("postal_to")),
                name="carrier_area_range",
            )
        ]
        verbose_name = _("carrier service area")
        verbose_name_plural = _("carrier service areas")

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.postal_from}–{self.postal_to}"

    def clean(self) -> None:
        self.postal_from = postal_key(self.postal_from or "")
        self.postal_to = postal_key(self.postal_to or "")
        if not self.postal_from:
            raise field_error(
                "postal_from",
                _("Write the first postal code of the range, in digits."),
                NetworkErrorCode.INVALID_POSTAL_RANGE,
            )
        if len(self.postal_to) != len(self.postal_from):
            raise field_error(
                "postal_to",
                _("Both ends of the range need the same number of digits."),
                NetworkErrorCode.INVALID_POSTAL_RANGE,
            )
        if self.postal_to < self.postal_from:
            raise field_error(
                "postal_to",
                _("The last postal code cannot be below the first."),
                NetworkErrorCode.INVALID_POSTAL_RANGE,
            )


class CarrierMember(models.Model):
    """Links a user (a person or an integration account) to one carrier. Tokens
    (accounts.ApiToken) of that user authenticate the carrier's event posts, so a carrier token
    can only speak for its own carrier's parcels."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="carrier_membership"
    )
    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="members")

    class Meta:
        verbose_name = _("carrier member")
        verbose_name_plural = _("carrier members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.carrier.code}"


class ServiceLevel(models.Model):
    """Premium, standard, economy: the S10 service indicator the parcel's identifier starts
    with and the transit range the buyer is promised (network.promise: every page and every
    order reads it from here). A fresh database has the three (migration 0002)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    s10_indicator = models.CharField(
        _("S10 service indicator"),
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^[A-IL-RU-VX-Z][A-Z]$", _("Two letters, not J K S T W."))],
    )
    transit_min_days = models.PositiveSmallIntegerField(_("transit days (min)"))
    transit_max_days = models.PositiveSmallIntegerField(_("transit days (max)"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(transit_min_days__lte=models.F("transit_max_days")),
                name="service_level_transit_range",
            )
        ]
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.transit_min_days is not None
            and self.transit_max_days is not None
            and self.transit_min_days > self.transit_max_days
        ):
            raise field_error(
                "transit_max_days",
                _("The maximum cannot be below the minimum."),
                NetworkErrorCode.INVALID_TRANSIT_DAYS,
            )

    @property
    def buyer_name(self) -> str:
        """The level's name in the active language for the three standard levels; the
        operator's `name` for any other."""
        name = _BUYER_NAMES.get(self.code)
        return str(name) if name is not None else self.name


#: The standard levels' names, translated (the same words as the checkout's service choices).
_BUYER_NAMES = {"premium": _("Premium"), "standard": _("Standard"), "economy": _("Economy")}


class Lane(models.Model):
    """Origin hub → gateway → destination country for one service level, with the last-mile
    carrier that delivers it and the transit target. One lane per (hub, country, level): that
    is how a parcel finds its gateway and carrier."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="lanes")
    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, related_name="lanes")
    destination_country = models.CharField(
        _("destination country"), max_length=2, validators=[country_validator]
    )
    service_level = models.ForeignKey(ServiceLevel, on_delete=models.PROTECT, related_name="lanes")
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="lanes", verbose_name=_("last-mile carrier")
    )
    transit_target_days = models.PositiveSmallIntegerField(_("transit target (days)"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["hub", "destination_country", "service_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["hub", "destination_country", "service_level"], name="lane_unique"
            )
        ]
        verbose_name = _("lane")
        verbose_name_plural = _("lanes")

    def __str__(self) -> str:
        route = f"{self.hub.location}→{self.gateway.iata}→{self.destination_country}"
        return f"{route} ({self.service_level.code})"

    @property
    def sort_code(self) -> str:
        """Printed big on labels and bags: where the sorter throws it (gateway-carrier)."""
        return f"{self.gateway.iata}-{self.carrier.code.split('-')[-1].upper()}"


class AircraftType(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)  # e.g. B744F
    name = models.CharField(_("name"), max_length=40)  # B747-400F
    max_payload_kg = models.PositiveIntegerField(_("max payload (kg)"))
    volume_m3 = models.DecimalField(_("volume (m³)"), max_digits=7, decimal_places=1)
    main_deck_positions = models.PositiveSmallIntegerField(_("main-deck pallet positions"))
    lower_deck_positions = models.PositiveSmallIntegerField(_("lower-deck positions"), default=0)
    verified = models.BooleanField(_("verified"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("aircraft type")
        verbose_name_plural = _("aircraft types")

    def __str__(self) -> str:
        return self.name

    @property
    def parcel_volume_m3(self) -> Decimal:
        """The m³ of parcels the planner books it to from an airport one hub builds for."""
        return self.parcel_volume_from(1)

    def parcel_volume_from(self, hubs: int) -> Decimal:
        """The m³ of parcels the planner books it to from an airport `hubs` hubs build for: what
        their load plans build and place on its positions (network/room.py: the first of them
        this type has), never more than its hold; the hold's volume for a type without balance
        data."""
        deck = room.deck_of(self.code)
        positions = self.lower_deck_positions if deck == "lower" else self.main_deck_positions
        m3 = room.parcel_m3(self.code, positions, hubs)
        hold = Decimal(self.volume_m3)
        return hold if m3 is None else min(Decimal(str(m3)), hold)


class UldType(models.Model):
    """Facts from codes/uld.py TYPES. `deck` decides which positions a ULD takes on a flight."""

    class Deck(models.TextChoices):
        MAIN = "main", _("Main deck")
        LOWER = "lower", _("Lower deck")

    code = models.CharField(_("code"), max_length=3, unique=True)
    aliases = models.CharField(_("aliases"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20)  # pallet / container
    deck = models.CharField(_("deck"), max_length=8, choices=Deck.choices, default=Deck.MAIN)
    base_length_cm = models.PositiveSmallIntegerField(_("base length (cm)"))
    base_width_cm = models.PositiveSmallIntegerField(_("base width (cm)"))
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"), null=True, blank=True)
    max_gross_kg = models.PositiveIntegerField(_("max gross (kg)"))
    tare_kg = models.PositiveIntegerField(_("tare (kg)"), default=0)
    usable_volume_m3 = models.DecimalField(
        _("usable volume (m³)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    verified = models.BooleanField(_("verified"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ULD type")
        verbose_name_plural = _("ULD types")

    def __str__(self) -> str:
        return self.code


class Flight(models.Model):
    """A scheduled (often charter) freighter flight. Times are UTC; pages show them in the time
    zone of the airport they happen at."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DEPARTED = "departed", _("Departed")
        ARRIVED = "arrived", _("Arrived")
        CANCELLED = "cancelled", _("Cancelled")

    carrier = models.CharField(_("operating carrier"), max_length=80)  # Atlas Air
    number = models.CharField(_("flight number"), max_length=10)  # 5Y8301
    date = models.DateField(_("date"), help_text=_("Local departure date at the origin."))
    origin = models.CharField(_("origin"), max_length=3, validators=[iata_validator])
    destination = models.CharField(_("destination"), max_length=3, validators=[iata_validator])
    scheduled_departure = models.DateTimeField(_("scheduled departure (UTC)"))
    scheduled_arrival = models.DateTimeField(_("scheduled arrival (UTC)"))
    actual_departure = models.DateTimeField(_("actual departure (UTC)"), null=True, blank=True)
    actual_arrival = models.DateTimeField(_("actual arrival (UTC)"), null=True, blank=True)
    aircraft_type = models.ForeignKey(
        AircraftType, on_delete=models.PROTECT, related_name="flights"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.SCHEDULED
    )
    # For the planner (issue 6): an optional charter is flown only if the plan fills it; its
    # fixed cost is what flying it costs whatever the load.
    is_optional = models.BooleanField(_("optional"), default=False)
    fixed_cost_usd = models.DecimalField(
        _("fixed cost (USD)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_departure", "number"]
        constraints = [
            models.UniqueConstraint(fields=["number", "date"], name="flight_number_date_unique")
        ]
        indexes = [
            models.Index(fields=["origin", "scheduled_departure"]),
            models.Index(fields=["state", "scheduled_departure"]),
        ]
        verbose_name = _("flight")
        verbose_name_plural = _("flights")

    def __str__(self) -> str:
        return f"{self.number} {self.date:%Y-%m-%d} {self.origin}→{self.destination}"

    def parcel_room_m3(self, hubs: Mapping[str, int] | None = None) -> Decimal:
        """The m³ of parcels the planner books this flight to: its type's room with part-full
        ULDs kept back for each hub that builds for its airport (`hubs` from `building_hubs`,
        read here when not given). Every page and answer that sets a flight's load against its
        room reads this one figure."""
        building = (building_hubs() if hubs is None else hubs).get(self.origin, 1)
        return self.aircraft_type.parcel_volume_from(building)
