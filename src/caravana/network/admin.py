from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from caravana import markets
from caravana.admin_lists import ListAdmin, related_filter, text_filter, values_filter
from caravana.admin_lists.search import prefix
from caravana.network import services
from caravana.network.models import (
    AircraftType,
    Carrier,
    CarrierArea,
    CarrierMember,
    Flight,
    Gateway,
    Hub,
    HubMember,
    Lane,
    ServiceLevel,
    UldType,
)

#: Destination countries: the markets, a fixed list (never a SELECT DISTINCT).
COUNTRY = values_filter(lambda: [(c, c) for c in markets.codes()], box=True)


class HubMemberInline(admin.TabularInline):
    model = HubMember
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Hub)
class HubAdmin(ListAdmin):
    list_display = ["code", "name", "city", "country", "airport", "timezone", "is_active"]
    list_filter = ["is_active", ("country", text_filter()), ("airport", text_filter())]
    search_fields = ["code", "name", "city", "location"]
    inlines = [HubMemberInline]


@admin.register(HubMember)
class HubMemberAdmin(ListAdmin):
    list_display = ["user", "hub"]
    list_filter = [("hub", related_filter("code"))]
    search_fields = ["user__username", "user__email", "hub__code"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "hub"]


@admin.register(Gateway)
class GatewayAdmin(ListAdmin):
    list_display = ["iata", "name", "city", "country", "timezone", "is_active"]
    list_filter = [("country", COUNTRY), "is_active"]
    search_fields = ["iata", "name", "city"]


class CarrierMemberInline(admin.TabularInline):
    model = CarrierMember
    raw_id_fields = ["user"]
    extra = 0


class CarrierAreaInline(admin.TabularInline):
    model = CarrierArea
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(ListAdmin):
    """Operators keep each carrier's facts here, the source beside each one."""

    list_display = [
        "code",
        "name",
        "country",
        "tracking_format",
        "cutoff_local",
        "price_per_parcel",
        "price_per_kg",
        "currency",
        "is_active",
    ]
    list_filter = [("country", COUNTRY), "tracking_format", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["service_levels"]
    inlines = [CarrierAreaInline, CarrierMemberInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "country", "website", "is_active"]}),
        (
            _("Tracking number"),
            {"fields": ["tracking_format", "format_source", "tracking_url", "tracking_url_source"]},
        ),
        (
            _("Choice at bagging"),
            {
                "fields": [
                    "service_levels",
                    "cutoff_local",
                    "cutoff_source",
                    "price_per_parcel",
                    "price_per_kg",
                    "price_source",
                ]
            },
        ),
        (_("Failed deliveries"), {"fields": ["max_delivery_attempts", "attempts_source"]}),
    ]

    @admin.display(description=_("currency"))
    def currency(self, obj: Carrier) -> str:
        return obj.currency


@admin.register(CarrierMember)
class CarrierMemberAdmin(ListAdmin):
    list_display = ["user", "carrier"]
    list_filter = [("carrier", related_filter("code"))]
    search_fields = ["user__username", "carrier__code", "carrier__name"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "carrier"]


@admin.register(ServiceLevel)
class ServiceLevelAdmin(ListAdmin):
    list_display = ["code", "name", "s10_indicator", "transit_min_days", "transit_max_days"]
    search_fields = ["code", "name", "s10_indicator"]
    list_filter = [("s10_indicator", text_filter())]


@admin.register(Lane)
class LaneAdmin(ListAdmin):
    list_display = [
        "hub",
        "gateway",
        "destination_country",
        "service_level",
        "carrier",
        "transit_target_days",
        "is_active",
    ]
    list_filter = [
        ("hub", related_filter("code")),
        ("gateway", related_filter("iata")),
        ("destination_country", COUNTRY),
        ("service_level", related_filter("code")),
        "is_active",
    ]
    search_fields = ["hub__code", "gateway__iata", "carrier__name", "destination_country"]
    list_select_related = ["hub", "gateway", "service_level", "carrier"]


@admin.register(AircraftType)
class AircraftTypeAdmin(ListAdmin):
    list_display = [
        "code",
        "name",
        "max_payload_kg",
        "volume_m3",
        "parcel_room",
        "main_deck_positions",
        "lower_deck_positions",
        "verified",
    ]
    list_filter = ["verified"]
    search_fields = ["code", "name"]

    @admin.display(description=_("room for parcels (m³)"))
    def parcel_room(self, obj: AircraftType) -> Decimal:
        return obj.parcel_volume_m3


@admin.register(UldType)
class UldTypeAdmin(ListAdmin):
    list_display = ["code", "kind", "deck", "max_gross_kg", "usable_volume_m3", "verified"]
    list_filter = [
        ("kind", values_filter([("pallet", "pallet"), ("container", "container")], box=True)),
        "deck",
        "verified",
    ]
    search_fields = ["code", "aliases"]


@admin.register(Flight)
class FlightAdmin(ListAdmin):
    list_display = [
        "number",
        "date",
        "origin",
        "destination",
        "carrier",
        "aircraft_type",
        "scheduled_departure",
        "state",
        "is_optional",
        "fixed_cost_usd",
    ]
    list_filter = [
        "state",
        ("origin", text_filter()),
        ("destination", text_filter()),
        "is_optional",
        ("aircraft_type", related_filter("code")),
        ("carrier", text_filter()),
        "date",
    ]
    search_fields = ["number"]
    search_codes = (prefix("number"),)
    list_select_related = ["aircraft_type"]
    # Movements go through services so the flight signals fire; never edited by hand.
    readonly_fields = ["state", "actual_departure", "actual_arrival"]
    actions = ["mark_departed", "mark_arrived", "cancel"]

    def _apply(self, request, queryset, fn) -> None:
        for flight in queryset:
            try:
                fn(flight)
            except ValidationError as exc:
                self.message_user(request, f"{flight}: {' '.join(exc.messages)}", messages.ERROR)

    @admin.action(description=_("Mark departed now"))
    def mark_departed(self, request, queryset) -> None:
        self._apply(request, queryset, services.mark_departed)

    @admin.action(description=_("Mark arrived now"))
    def mark_arrived(self, request, queryset) -> None:
        self._apply(request, queryset, services.mark_arrived)

    @admin.action(description=_("Cancel"))
    def cancel(self, request, queryset) -> None:
        self._apply(request, queryset, services.cancel_flight)
