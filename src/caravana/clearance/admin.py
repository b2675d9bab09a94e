from django.contrib import admin

from caravana import markets
from caravana.admin_lists import ListAdmin, related_filter, values_filter
from caravana.clearance.models import Decision, ExpiryRule, GatewayMember, Manifest

COUNTRY = values_filter(lambda: [(c, c) for c in markets.codes()], box=True)
GATEWAY = related_filter("iata")


@admin.register(ExpiryRule)
class ExpiryRuleAdmin(ListAdmin):
    """The operator keeps each country's rule (law changes: a new row, a new effective date)."""

    list_display = (
        "country", "effective_from", "answer_days", "id_answer_days", "hold_days", "action",
        "verified",
    )  # fmt: skip
    list_filter = [("country", COUNTRY), "action", "verified"]


@admin.register(GatewayMember)
class GatewayMemberAdmin(ListAdmin):
    list_display = ("user", "gateway", "kind")
    list_select_related = ("user", "gateway")
    list_filter = [("gateway", GATEWAY), "kind"]
    raw_id_fields = ("user",)


@admin.register(Manifest)
class ManifestAdmin(ListAdmin):
    list_display = ("flight", "gateway", "arrived_at", "presented_at", "parcel_count")
    list_select_related = ("flight", "gateway")
    list_filter = [("gateway", GATEWAY)]
    raw_id_fields = ("flight", "presented_by")


@admin.register(Decision)
class DecisionAdmin(ListAdmin):
    """Read-only: decisions are recorded by the desk, a file, the API or the country rule."""

    list_display = ("case", "outcome", "reason", "decided_at", "source", "gateway")
    # What the rows show, not every foreign key down the chain (case, parcel, manifest, flight,
    # ...: 19 joins, over which SQLite walked a million parcels for an empty list, 1.1 s)
    list_select_related = ("case", "gateway")
    list_filter = [("gateway", GATEWAY), "outcome", "source"]
    raw_id_fields = ("case", "actor")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
