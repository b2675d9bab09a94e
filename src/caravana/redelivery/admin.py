"""Operators see every failed attempt, its reason and the buyer's choice (read-only: the
carrier's events and the buyer make them)."""

from django.contrib import admin

from caravana.redelivery.models import FailedAttempt


@admin.register(FailedAttempt)
class FailedAttemptAdmin(admin.ModelAdmin):
    list_display = ["parcel", "attempt", "reason", "state", "choice", "redeliver_on",
                    "pickup_point", "occurred_at", "chosen_at", "carrier"]  # fmt: skip
    list_filter = ["state", "reason", "choice", "carrier"]
    search_fields = ["parcel__s10", "parcel__order_ref", "parcel__carrier_tracking_number"]
    list_select_related = ["parcel", "carrier"]
    date_hierarchy = "occurred_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
