from django.contrib import admin

from caravana.admin_lists import ListAdmin
from caravana.returns.models import (
    CountryReturnRule,
    HeldItem,
    MerchantReturnPolicy,
    ReturnLine,
    ReturnRequest,
    ReturnsPoint,
    ReturnsPointMember,
    ReverseManifest,
)


@admin.register(CountryReturnRule)
class CountryReturnRuleAdmin(ListAdmin):
    list_display = ["country", "window_days", "business_days", "window_verified",
                    "duty_reclaim", "duty_verified"]  # fmt: skip


@admin.register(MerchantReturnPolicy)
class MerchantReturnPolicyAdmin(ListAdmin):
    list_display = ["merchant", "window_days"]
    list_select_related = ("merchant",)
    raw_id_fields = ["merchant"]


@admin.register(ReturnsPoint)
class ReturnsPointAdmin(ListAdmin):
    list_display = ["code", "country", "name", "city", "carrier_name", "disposal_fee",
                    "consolidation_per_kg", "is_demo", "is_active"]  # fmt: skip
    list_filter = ["is_demo", "is_active"]


@admin.register(ReturnsPointMember)
class ReturnsPointMemberAdmin(ListAdmin):
    list_display = ["user", "point"]
    list_select_related = ("user", "point")
    raw_id_fields = ["user"]


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    raw_id_fields = ["order_line"]
    extra = 0


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ListAdmin):
    list_display = ["reference", "order", "reason", "state", "point", "refund_total", "created_at"]
    list_select_related = ("order", "point")
    list_filter = ["state", "reason"]
    search_fields = ["reference", "order__number", "drop_off_code"]
    raw_id_fields = ["order", "merchant", "parcel", "decided_by", "received_by"]
    readonly_fields = ["refund_goods", "refund_shipping", "refund_duties", "refund_total",
                       "refund_reference", "refund_error", "duties_reclaimed"]  # fmt: skip
    inlines = [ReturnLineInline]
    show_full_result_count = False


@admin.register(HeldItem)
class HeldItemAdmin(ListAdmin):
    list_display = ["sku", "quantity", "condition", "reason", "state", "point", "merchant",
                    "received_at"]  # fmt: skip
    list_select_related = ("point", "merchant")
    list_filter = ["state", "condition", "reason"]
    raw_id_fields = ["merchant", "request", "variant"]
    # The choice and what became of it are written by returns.services only.
    readonly_fields = ["state", "chosen_by", "chosen_at", "local_price", "sold", "manifest",
                       "done_by", "done_at"]  # fmt: skip
    show_full_result_count = False


@admin.register(ReverseManifest)
class ReverseManifestAdmin(ListAdmin):
    list_display = ["reference", "point", "state", "opened_at", "closed_at"]
    list_select_related = ("point",)
    list_filter = ["state"]
    search_fields = ["reference"]
    readonly_fields = ["reference", "point", "state", "opened_by", "opened_at", "closed_by",
                       "closed_at"]  # fmt: skip
    show_full_result_count = False
