from django.contrib import admin

from caravana import markets
from caravana.admin_lists import ListAdmin
from caravana.admin_lists.filters import values_filter
from caravana.promotions.models import Coupon, FlashDeal, FreeShipping, Redemption


def _countries() -> list[tuple[str, str]]:
    return [(code, code) for code in markets.codes()]


@admin.register(Coupon)
class CouponAdmin(ListAdmin):
    list_display = ("code", "merchant", "country", "kind", "value", "used", "max_uses", "ends_at")
    list_select_related = ("merchant",)
    list_filter = (("country", values_filter(_countries)), "kind", "is_active")
    search_fields = ("code",)
    raw_id_fields = ("merchant",)
    readonly_fields = ("used",)
    ordering = ("-id",)  # the primary key's index serves it (tests/admin/test_lists.py)


@admin.register(FlashDeal)
class FlashDealAdmin(ListAdmin):
    list_display = ("variant", "price", "remaining", "cap", "starts_at", "ends_at")
    list_select_related = ("variant",)
    raw_id_fields = ("variant",)
    readonly_fields = ("remaining",)
    ordering = ("-id",)


@admin.register(Redemption)
class RedemptionAdmin(ListAdmin):
    list_display = ("coupon", "buyer", "group_reference", "amount", "currency", "created_at")
    list_select_related = ("coupon", "buyer")
    raw_id_fields = ("coupon", "buyer")
    ordering = ("-id",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FreeShipping)
class FreeShippingAdmin(ListAdmin):
    raw_id_fields = ("merchant",)
    ordering = ("-id",)
