from django.contrib import admin

from caravana.planning.models import BellyOffer, Booking, PlanRun


@admin.register(BellyOffer)
class BellyOfferAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "carrier",
        "origin",
        "destination",
        "departs_at",
        "capacity_kg",
        "capacity_m3",
        "price_per_kg_usd",
    )
    list_filter = ("origin", "destination", "carrier")
    search_fields = ("number", "carrier")
    date_hierarchy = "departs_at"


@admin.register(PlanRun)
class PlanRunAdmin(admin.ModelAdmin):
    list_display = ("id", "window_start", "window_end", "created_by", "created_at", "committed_at")
    list_filter = ("committed_at",)
    readonly_fields = ("problem", "result", "committed_at", "committed_by")
    raw_id_fields = ("created_by",)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("id", "run", "bag", "uld", "flight", "belly", "weight_kg", "volume_m3")
    list_filter = ("flight",)
    raw_id_fields = ("run", "bag", "uld", "flight", "belly")
    list_select_related = ("bag", "uld", "flight", "belly")
