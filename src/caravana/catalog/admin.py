from django.contrib import admin

from caravana.catalog.models import (
    Category,
    Merchant,
    MerchantMember,
    Product,
    ProductImage,
    Stock,
    Store,
    Variant,
    Warehouse,
)


class StoreInline(admin.TabularInline):
    model = Store
    extra = 0
    fields = ("slug", "name")
    show_change_link = True


class MemberInline(admin.TabularInline):
    model = MerchantMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "uscc", "city", "contact_email", "payout_currency", "created_at")
    list_filter = ("city", "payout_currency")
    search_fields = ("legal_name", "uscc", "contact_name", "contact_email")
    inlines = [StoreInline, MemberInline]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "merchant", "created_at")
    list_filter = ("merchant__city",)
    search_fields = ("name", "slug", "merchant__legal_name")
    raw_id_fields = ("merchant",)
    list_select_related = ("merchant",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "name_en",
        "name_es",
        "name_pt_br",
        "name_zh_hans",
        "parent",
        "position",
    )
    list_filter = ("parent",)
    search_fields = ("slug", "name_en", "name_es", "name_pt_br", "name_zh_hans")


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ("sku", "options", "price", "currency", "weight_g", "battery")
    show_change_link = True


class ImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "title_en",
        "store",
        "category",
        "hs_code",
        "price_from",
        "price_currency",
        "is_active",
    )
    list_filter = ("is_active", "category", "price_currency")
    search_fields = ("=id", "title_en", "title_es", "title_pt_br", "title_zh_hans", "hs_code")
    raw_id_fields = ("store",)
    list_select_related = ("store", "category")
    readonly_fields = ("price_from", "price_currency", "created_at", "updated_at")
    inlines = [VariantInline, ImageInline]
    show_full_result_count = False


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ("sku", "product", "merchant", "price", "currency", "weight_g", "battery")
    list_filter = ("currency", "battery")
    search_fields = ("sku", "product__title_en")
    raw_id_fields = ("product", "merchant")
    list_select_related = ("product", "merchant")
    show_full_result_count = False


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("name", "merchant", "city")
    search_fields = ("name", "merchant__legal_name", "city")
    raw_id_fields = ("merchant",)


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ("variant", "warehouse", "quantity", "reserved")
    search_fields = ("variant__sku",)
    raw_id_fields = ("variant", "warehouse")
    list_select_related = ("variant", "warehouse")
    show_full_result_count = False
