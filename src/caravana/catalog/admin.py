"""The catalogue in the back office. Products, variants and stock run to millions of rows: they
are listed newest first through the primary key, counted by estimate, filtered on fixed choices
or a category's slug, and searched by id or SKU exactly (caravana.admin_lists)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caravana.admin_lists import Code, ListAdmin, related_filter, text_filter, values_filter
from caravana.admin_lists.search import NUMBER, sku
from caravana.catalog.languages import CONTENT_LANGUAGES
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
from caravana.catalog.search import SearchRequest, search


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
class MerchantAdmin(ListAdmin):
    list_display = ("legal_name", "uscc", "city", "contact_email", "payout_currency", "created_at")
    list_filter = (
        ("city", text_filter()),
        ("payout_currency", values_filter([("CNY", "CNY"), ("USD", "USD")], box=True)),
    )
    search_fields = ("legal_name", "uscc", "contact_name", "contact_email")
    inlines = [StoreInline, MemberInline]


@admin.register(Store)
class StoreAdmin(ListAdmin):
    list_display = ("name", "slug", "merchant", "created_at")
    list_filter = (("merchant", related_filter("uscc", limit=0)),)
    ordering = ("-id",)  # newest first through the primary key: no sort of 100,000 names
    search_fields = ("name", "slug", "merchant__legal_name")
    raw_id_fields = ("merchant",)
    list_select_related = ("merchant",)


@admin.register(Category)
class CategoryAdmin(ListAdmin):
    list_display = (
        "slug",
        "name_en",
        "name_es",
        "name_pt_br",
        "name_zh_hans",
        "parent",
        "position",
    )
    list_select_related = ("parent",)
    list_filter = (("parent", related_filter("slug", limit=50)),)
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
class ProductAdmin(ListAdmin):
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
    list_filter = ("is_active", ("category", related_filter("slug", limit=100)), "price_currency")
    search_fields = ("title_en",)
    search_codes = (Code(NUMBER, "pk"), Code(sku, "variants__sku"))
    search_help_text = _("A product id or a SKU exactly, or words of an active product's title.")
    raw_id_fields = ("store",)
    list_select_related = ("store", "category")
    readonly_fields = ("price_from", "price_currency", "created_at", "updated_at")
    inlines = [VariantInline, ImageInline]
    ordering = ("-id",)  # the primary key: newest first without a sort
    sortable_by = ("id",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Words go to the storefront's full-text index (catalog.search: the newest 100 active
        products matching, in the admin's language), never icontains over a million titles."""
        term = search_term.strip()
        if not term or any(code.looks_like(term) for code in self.search_codes):
            return super().get_search_results(request, queryset, search_term)
        language = get_language() if get_language() in CONTENT_LANGUAGES else "en"
        found = search(SearchRequest(text=term, language=language, sort="newest", per_page=100))
        return queryset.filter(pk__in=found.ids), False


@admin.register(Variant)
class VariantAdmin(ListAdmin):
    list_display = ("sku", "product", "merchant", "price", "currency", "weight_g", "battery")
    list_filter = ("currency", "battery")
    search_fields = ("=sku",)
    search_codes = (Code(sku, "sku"), Code(NUMBER, "product_id"))
    search_help_text = _("A SKU or a product id, exactly.")
    raw_id_fields = ("product", "merchant")
    list_select_related = ("product", "merchant")
    ordering = ("-id",)
    sortable_by = ()


@admin.register(Warehouse)
class WarehouseAdmin(ListAdmin):
    list_display = ("name", "merchant", "city")
    list_select_related = ("merchant",)
    search_fields = ("name", "merchant__legal_name", "city")
    raw_id_fields = ("merchant",)


@admin.register(Stock)
class StockAdmin(ListAdmin):
    list_display = ("variant", "warehouse", "quantity", "reserved")
    search_fields = ("=variant__sku",)
    search_codes = (Code(sku, "variant__sku"),)
    raw_id_fields = ("variant", "warehouse")
    list_select_related = ("variant", "warehouse")
    ordering = ("-id",)
    sortable_by = ()
