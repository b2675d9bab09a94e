from django.contrib import admin

from caravana.returns.models import (
    CountryReturnRule,
    HeldItem,
    MerchantReturnPolicy,
    ReturnLine,
    ReturnRequest,
    ReturnsPoint,
    ReturnsPointMember,
)


@admin.register(CountryReturnRule)
class CountryReturnRuleAdmin(admin.ModelAdmin):
    list_display = ["country", "window_days", "business_days", "window_verified",
                    "duty_reclaim", "duty_verified"]  # fmt: skip


@admin.register(MerchantReturnPolicy)
class MerchantReturnPolicyAdmin(admin.ModelAdmin):
    list_display = ["merchant", "window_days"]
    raw_id_fields = ["merchant"]


@admin.register(ReturnsPoint)
class ReturnsPointAdmin(admin.ModelAdmin):
    list_display = ["code", "country", "name", "city", "carrier_name", "is_demo", "is_active"]
    list_filter = ["country", "is_demo", "is_active"]


@admin.register(ReturnsPointMember)
class ReturnsPointMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "point"]
    raw_id_fields = ["user"]


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    raw_id_fields = ["order_line"]
    extra = 0


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ["reference", "order", "reason", "state", "point", "refund_total", "created_at"]
    list_filter = ["state", "reason", "country"]
    search_fields = ["reference", "order__number", "drop_off_code"]
    raw_id_fields = ["order", "merchant", "parcel", "decided_by", "received_by"]
    readonly_fields = ["refund_goods", "refund_shipping", "refund_duties", "refund_total",
                       "refund_reference", "refund_error", "duties_reclaimed"]  # fmt: skip
    inlines = [ReturnLineInline]
    show_full_result_count = False


@admin.register(HeldItem)
class HeldItemAdmin(admin.ModelAdmin):
    list_display = ["sku", "quantity", "condition", "reason", "point", "merchant", "received_at"]
    list_filter = ["point", "condition", "reason"]
    raw_id_fields = ["merchant", "request", "variant"]
    show_full_result_count = False
