from django.contrib import admin

from caravana.promotions.models import Coupon, FlashDeal, FreeShipping, Redemption


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ("code", "merchant", "country", "kind", "value", "used", "max_uses", "ends_at")
    list_filter = ("country", "kind", "is_active")
    search_fields = ("code",)
    raw_id_fields = ("merchant",)
    readonly_fields = ("used",)


@admin.register(FlashDeal)
class FlashDealAdmin(admin.ModelAdmin):
    list_display = ("variant", "price", "remaining", "cap", "starts_at", "ends_at")
    raw_id_fields = ("variant",)
    readonly_fields = ("remaining",)


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ("coupon", "buyer", "group_reference", "amount", "currency", "created_at")
    raw_id_fields = ("coupon", "buyer")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(FreeShipping)
