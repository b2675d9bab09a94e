from django.contrib import admin

from caravana.admin_lists import ListAdmin, related_filter, text_filter
from caravana.admin_lists.search import prefix
from caravana.planning.models import BellyOffer, Booking, PlanRun


@admin.register(BellyOffer)
class BellyOfferAdmin(ListAdmin):
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
    list_filter = (
        ("origin", text_filter()),
        ("destination", text_filter()),
        ("carrier", text_filter()),
        "departs_at",
    )
    search_fields = ("number",)
    search_codes = (prefix("number"),)


@admin.register(PlanRun)
class PlanRunAdmin(ListAdmin):
    list_display = (
        "id", "source", "window_start", "window_end", "created_by", "created_at", "committed_at"
    )  # fmt: skip
    list_select_related = ("created_by",)
    list_filter = ("source", "committed_at")
    readonly_fields = ("source", "problem", "result", "committed_at", "committed_by")
    raw_id_fields = ("created_by",)


@admin.register(Booking)
class BookingAdmin(ListAdmin):
    list_display = ("id", "run", "bag", "uld", "flight", "belly", "weight_kg", "volume_m3")
    list_filter = (("flight", related_filter("pk", limit=0)),)
    raw_id_fields = ("run", "bag", "uld", "flight", "belly")
    list_select_related = ("run", "bag", "uld", "flight", "belly")
