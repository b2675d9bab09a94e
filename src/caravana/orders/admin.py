"""Orders in the back office: read-only, a million rows listed newest first through the primary
key, counted by estimate, filtered on fixed choices, searched by order number or group
reference through their unique index (caravana.admin_lists)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caravana import markets
from caravana.admin_lists import Code, ListAdmin, values_filter
from caravana.admin_lists.search import GROUP_REFERENCE, ORDER_NUMBER, prefix
from caravana.orders.models import Dispute, Order, OrderEvent, OrderGroup, OrderLine


class LineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = (
        "variant",
        "stock",
        "sku",
        "title",
        "hs_code",
        "quantity",
        "unit_price",
        "price_currency",
        "amount",
    )
    can_delete = False


class EventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = ("from_status", "to_status", "at", "source", "actor", "note")
    can_delete = False


def _countries() -> list[tuple[str, str]]:
    return [(code, code) for code in markets.codes()]


ORDER_SEARCH = (
    Code(ORDER_NUMBER, "number"),
    Code(GROUP_REFERENCE, "group__reference"),
    prefix("number"),
)


@admin.register(Order)
class OrderAdmin(ListAdmin):
    """Read-only here: states change through orders.lifecycle and orders.disputes, never by
    editing a row."""

    list_display = (
        "number",
        "merchant",
        "buyer",
        "status",
        "refund_state",
        "total",
        "currency",
        "created_at",
    )
    list_filter = ("status", ("country", values_filter(_countries)), "service_level")
    search_fields = ("number",)
    search_codes = ORDER_SEARCH
    search_help_text = _("An order number, a checkout reference, or the start of a number.")
    # Merchants and buyers fetched for the page's rows after it is cut, not joined into the page
    # query: SQLite, without statistics, drove that join from the merchants (8.7 s a page).
    list_select_related = ()
    ordering = ("-id",)  # the primary key: newest first without a sort
    sortable_by = ("number",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("merchant", "buyer")

    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [LineInline, EventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderGroup)
class OrderGroupAdmin(ListAdmin):
    list_display = ("reference", "buyer", "country", "total", "currency", "created_at")
    list_filter = (("country", values_filter(_countries)),)
    search_fields = ("reference",)
    search_codes = (prefix("reference"),)
    list_select_related = ("buyer",)
    ordering = ("-id",)
    sortable_by = ("reference",)
    readonly_fields = [f.name for f in OrderGroup._meta.fields]


@admin.register(Dispute)
class DisputeAdmin(ListAdmin):
    list_display = ("order", "status", "reason", "opened_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("order__number",)
    search_codes = (Code(ORDER_NUMBER, "order__number"),)
    list_select_related = ("order",)
    ordering = ("-id",)
    readonly_fields = [f.name for f in Dispute._meta.fields]
