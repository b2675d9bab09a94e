from django.contrib import admin

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


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
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
    list_filter = ("status", "country", "service_level")
    search_fields = ("number", "group__reference")
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [LineInline, EventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderGroup)
class OrderGroupAdmin(admin.ModelAdmin):
    list_display = ("reference", "buyer", "country", "total", "currency", "created_at")
    search_fields = ("reference",)
    readonly_fields = [f.name for f in OrderGroup._meta.fields]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("order", "status", "reason", "opened_at", "decided_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Dispute._meta.fields]
