"""Operators see every failed attempt, its reason and the buyer's choice (read-only: the
carrier's events and the buyer make them). Newest first through the (carrier, state,
chosen_at) index's neighbour, the primary key; a parcel is found by its S10."""

from django.contrib import admin

from caravana.admin_lists import ReadOnlyListAdmin, related_filter
from caravana.admin_lists.search import S10, Code
from caravana.redelivery.models import FailedAttempt


@admin.register(FailedAttempt)
class FailedAttemptAdmin(ReadOnlyListAdmin):
    list_display = ["parcel", "attempt", "reason", "state", "choice", "redeliver_on",
                    "pickup_point", "occurred_at", "chosen_at", "carrier"]  # fmt: skip
    list_filter = ["state", "reason", "choice", ("carrier", related_filter("code"))]
    list_select_related = ["parcel", "carrier"]
    ordering = ["-id"]
    search_codes = (Code(S10, "parcel__s10"),)
    raw_id_fields = ["parcel", "chosen_by"]
