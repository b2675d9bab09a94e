"""Back office: each carrier's feed (adapter, webhook secret, tracking API) and the list of
events kept for review (statuses no adapter maps, numbers of no parcel, bad times), read-only:
they are the carriers' words as received."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caravana import webhook_signing
from caravana.admin_lists import ListAdmin, ReadOnlyListAdmin, related_filter
from caravana.carrier_events.models import CarrierFeed, HeldCarrierEvent


@admin.register(CarrierFeed)
class CarrierFeedAdmin(ListAdmin):
    list_display = ("carrier", "adapter", "poll_enabled", "last_polled_at")
    list_filter = ("adapter", "poll_enabled")
    raw_id_fields = ("carrier",)
    readonly_fields = ("last_polled_at",)
    ordering = ("id",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        return {"webhook_secret": webhook_signing.new_secret(), **initial}


@admin.register(HeldCarrierEvent)
class HeldCarrierEventAdmin(ReadOnlyListAdmin):
    list_display = ("received_at", "carrier", "number", "status", "description", "problem",
                    "occurred_at", "via")  # fmt: skip
    list_filter = ("problem", "via", ("carrier", related_filter("code")))
    search_fields = ("=number",)
    search_help_text = _("A tracking number, exactly.")
    list_select_related = ("carrier",)
    ordering = ("-id",)
    sortable_by = ()
