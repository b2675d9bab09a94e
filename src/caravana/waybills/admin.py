from django.contrib import admin

from caravana.waybills import services
from caravana.waybills.models import Airline, AwbStock, HouseWaybill, MasterWaybill


@admin.register(Airline)
class AirlineAdmin(admin.ModelAdmin):
    list_display = ["name", "designator", "prefix"]


@admin.register(AwbStock)
class AwbStockAdmin(admin.ModelAdmin):
    list_display = ["airline", "first_serial", "last_serial", "next_serial"]
    readonly_fields = ["next_serial"]
    list_select_related = ["airline"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        """A new range goes through services.add_stock (checks overlaps, starts at the first
        serial); an existing one may only have its last serial moved."""
        if change:
            super().save_model(request, obj, form, change)
        else:
            created = services.add_stock(obj.airline, obj.first_serial, obj.last_serial)
            obj.pk, obj.next_serial = created.pk, created.next_serial


@admin.register(MasterWaybill)
class MasterWaybillAdmin(admin.ModelAdmin):
    list_display = ["number", "flight", "gateway", "version", "is_void"]
    list_select_related = ["flight", "gateway"]
    readonly_fields = ["number", "airline", "flight", "gateway", "version", "is_void"]
    raw_id_fields = ["flight"]
    show_full_result_count = False


@admin.register(HouseWaybill)
class HouseWaybillAdmin(admin.ModelAdmin):
    list_display = ["number", "master", "key", "is_void"]
    list_select_related = ["master"]
    readonly_fields = ["number", "master", "key", "is_void"]
    show_full_result_count = False
