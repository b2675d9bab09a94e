"""Read-mostly admin: parcels, bags and ULDs change state only through services (hub scans),
so operators look and search here but state fields are read-only."""

from django.contrib import admin

from caravana.fulfillment.models import Bag, Parcel, ParcelItem, SerialCounter, Uld


class ParcelItemInline(admin.TabularInline):
    model = ParcelItem
    extra = 0


@admin.register(Parcel)
class ParcelAdmin(admin.ModelAdmin):
    list_display = [
        "s10",
        "merchant",
        "hub",
        "gateway",
        "service_level",
        "recipient_country",
        "state",
        "discrepancy",
        "created_at",
    ]
    list_filter = ["state", "hub", "gateway", "service_level", "discrepancy", "battery", "ddp"]
    search_fields = ["s10", "order_ref", "recipient_name", "merchant__legal_name"]
    list_select_related = ["merchant", "hub", "gateway", "service_level"]
    raw_id_fields = ["merchant", "bag", "received_by", "lane"]
    readonly_fields = ["s10", "state", "bag", "received_at", "received_by", "shipping_difference_g"]
    inlines = [ParcelItemInline]
    date_hierarchy = "created_at"


@admin.register(Bag)
class BagAdmin(admin.ModelAdmin):
    list_display = [
        "identifier",
        "hub",
        "gateway",
        "service_level",
        "carrier",
        "state",
        "parcel_count",
        "weight_g",
        "dangerous_goods",
    ]
    list_filter = ["state", "hub", "gateway", "service_level", "dangerous_goods"]
    search_fields = ["identifier"]
    list_select_related = ["hub", "gateway", "service_level", "carrier"]
    readonly_fields = [
        "identifier",
        "state",
        "weight_g",
        "volume_cm3",
        "parcel_count",
        "uld",
        "planned_flight",
        "planned_belly",
    ]


@admin.register(Uld)
class UldAdmin(admin.ModelAdmin):
    list_display = [
        "identifier",
        "uld_type",
        "hub",
        "gateway",
        "flight",
        "position",
        "state",
        "bag_count",
        "dg_bag_count",
        "weight_g",
    ]
    list_filter = ["state", "uld_type", "hub", "gateway"]
    search_fields = ["identifier", "flight__number"]
    list_select_related = ["uld_type", "hub", "gateway", "flight"]
    readonly_fields = [
        "state",
        "weight_g",
        "volume_cm3",
        "bag_count",
        "dg_bag_count",
        "flight",
        "planned_flight",
        "planned_belly",
    ]


@admin.register(SerialCounter)
class SerialCounterAdmin(admin.ModelAdmin):
    list_display = ["scope", "next_value"]
    search_fields = ["scope"]
    readonly_fields = ["scope", "next_value"]
