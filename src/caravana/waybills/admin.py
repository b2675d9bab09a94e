"""Back office: airlines and their AWB stock (entered by operators), and the waybills, which
only the plan commit writes (read-only here)."""

from django.contrib import admin

from caravana.admin_lists import ListAdmin, ReadOnlyListAdmin
from caravana.waybills import services
from caravana.waybills.models import Airline, AwbStock, HouseWaybill, MasterWaybill


@admin.register(Airline)
class AirlineAdmin(ListAdmin):
    list_display = ["name", "designator", "prefix"]
    search_fields = ["name", "designator", "prefix"]
    ordering = ["-id"]


@admin.register(AwbStock)
class AwbStockAdmin(ListAdmin):
    list_display = ["airline", "first_serial", "last_serial", "next_serial"]
    readonly_fields = ["next_serial"]
    list_select_related = ["airline"]
    ordering = ["-id"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        """A new range goes through services.add_stock (checks overlaps, starts at the first
        serial); an existing one may only have its last serial moved."""
        if change:
            super().save_model(request, obj, form, change)
        else:
            created = services.add_stock(obj.airline, obj.first_serial, obj.last_serial)
            obj.pk, obj.next_serial = created.pk, created.next_serial


@admin.register(MasterWaybill)
class MasterWaybillAdmin(ReadOnlyListAdmin):
    list_display = ["number", "flight", "gateway", "version", "is_void"]
    list_select_related = ["flight", "gateway"]
    search_fields = ["number"]
    ordering = ["-id"]


@admin.register(HouseWaybill)
class HouseWaybillAdmin(ReadOnlyListAdmin):
    list_display = ["number", "master", "key", "is_void"]
    list_select_related = ["master"]
    search_fields = ["number"]
    ordering = ["-id"]
