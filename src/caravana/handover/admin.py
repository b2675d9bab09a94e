"""The operator's side of the handover: the number ranges carriers gave (entered here, checked
as handover.ranges.check_range checks them) and the manifests, read-only (staff write them
on the handover pages)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from caravana.admin_lists import ListAdmin, related_filter
from caravana.handover import ranges
from caravana.handover.models import CarrierRange, HandoverLine, HandoverManifest

CARRIER = related_filter("code")


class CarrierRangeForm(forms.ModelForm):
    """A new range starts at its first serial; a stored one keeps the next serial the database
    holds (numbers given while the form was open are never given again)."""

    class Meta:
        model = CarrierRange
        fields = ["carrier", "prefix", "first_serial", "last_serial", "width", "suffix",
                  "reference", "is_demo", "active"]  # fmt: skip

    def clean(self):
        data = super().clean()
        rng = self.instance
        for name in ("carrier", "prefix", "first_serial", "last_serial", "width", "suffix"):
            if name in data:
                setattr(rng, name, data[name])
        if rng.pk is None and data.get("first_serial") is not None:
            rng.next_serial = data["first_serial"]
        elif rng.pk is not None:
            rng.next_serial = CarrierRange.objects.get(pk=rng.pk).next_serial
            last = data.get("last_serial")
            if last is not None and rng.next_serial > last + 1:
                self.add_error("last_serial", _("Numbers up to %(n)d were given already.")
                               % {"n": rng.next_serial - 1})  # fmt: skip
        if not self.errors and rng.carrier_id:
            try:
                ranges.check_range(rng)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    self.add_error(name if name in self.fields else None, messages)
            data.update(prefix=rng.prefix, suffix=rng.suffix, width=rng.width)
        return data


@admin.register(CarrierRange)
class CarrierRangeAdmin(ListAdmin):
    """The tracking number ranges each carrier gave: what the handover numbers parcels from."""

    form = CarrierRangeForm
    list_display = ["carrier", "prefix", "first_serial", "last_serial", "width", "suffix",
                    "next_serial", "remaining", "is_demo", "active", "reference"]  # fmt: skip
    list_select_related = ("carrier",)
    list_filter = [("carrier", CARRIER), "active", "is_demo"]
    search_fields = ["prefix", "reference"]

    def save_model(self, request, obj, form, change):
        """A change never writes a next serial read before numbers were given."""
        if change:
            obj.save(update_fields=[f for f in form.cleaned_data if f != "next_serial"])
        else:
            obj.save()


class LineInline(admin.TabularInline):
    model = HandoverLine
    fields = ["parcel", "carrier_tracking_number", "bag_identifier", "scanned_at", "scanned_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HandoverManifest)
class HandoverManifestAdmin(ListAdmin):
    list_display = ["__str__", "gateway", "carrier", "state", "parcel_count", "opened_at",
                    "closed_at"]  # fmt: skip
    list_select_related = ("gateway", "carrier")
    list_filter = ["state", ("carrier", CARRIER)]
    readonly_fields = ["gateway", "carrier", "state", "opened_at", "opened_by", "closed_at",
                       "closed_by", "parcel_count", "weight_g"]  # fmt: skip
    inlines = [LineInline]

    def has_add_permission(self, request):
        return False
