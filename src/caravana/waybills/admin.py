"""Back office: airlines and their AWB stock (entered by operators), and the waybills, which
only the plan commit writes (read-only here)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from caravana.admin_lists import ListAdmin, ReadOnlyListAdmin
from caravana.waybills import services
from caravana.waybills.models import Airline, AwbStock, HouseWaybill, MasterWaybill


@admin.register(Airline)
class AirlineAdmin(ListAdmin):
    list_display = ["name", "designator", "prefix"]
    search_fields = ["name", "designator", "prefix"]
    ordering = ["-id"]


class AwbStockForm(forms.ModelForm):
    """Asks services.check_range before saving, so a bad range is an error on the form."""

    class Meta:
        model = AwbStock
        fields = ["airline", "first_serial", "last_serial"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        held = self.instance if self.instance.pk else None
        airline = held.airline if held else data.get("airline")
        first = held.first_serial if held else data.get("first_serial")
        last = data.get("last_serial")
        if airline is not None and first is not None and last is not None:
            try:
                services.check_range(airline, first, last, held)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    self.add_error(name if name in self.fields else None, errors)
        return data


@admin.register(AwbStock)
class AwbStockAdmin(ListAdmin):
    form = AwbStockForm
    list_display = ["airline", "first_serial", "last_serial", "next_serial"]
    readonly_fields = ["next_serial"]
    list_select_related = ["airline"]
    ordering = ["-id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """A range held keeps its airline and first serial: numbers were drawn from them."""
        if obj is not None:
            return ["airline", "first_serial", "next_serial"]
        return ["next_serial"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        """Through the services: a new range starts at its first serial; one held may only
        have its last serial moved, never below a serial already drawn."""
        if change:
            services.move_last_serial(obj, obj.last_serial)
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
