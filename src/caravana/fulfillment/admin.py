"""Read-mostly admin: parcels, bags and ULDs change state only through services (hub scans),
so operators look and search here but state fields are read-only.

A million parcels: listed newest first through the primary key, counted by estimate, filtered
on fixed choices or a hub's code, searched by S10 or order number through their unique index
(caravana.admin_lists)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caravana.admin_lists import Code, ListAdmin, related_filter
from caravana.admin_lists.search import BAG, ORDER_NUMBER, S10, prefix
from caravana.fulfillment.models import Bag, Parcel, ParcelItem, S10Range, SerialCounter, Uld
from caravana.fulfillment.services import s10_ranges


class ParcelItemInline(admin.TabularInline):
    model = ParcelItem
    extra = 0


@admin.register(Parcel)
class ParcelAdmin(ListAdmin):
    list_display = [
        "s10",
        "merchant",
        "hub",
        "gateway",
        "service_level",
        "recipient_country",
        "state",
        "discrepancy",
        "created_at",
    ]
    list_filter = [
        "state",
        ("hub", related_filter("code")),
        ("gateway", related_filter("iata")),
        ("service_level", related_filter("code")),
        ("merchant", related_filter("uscc", limit=0)),
        "discrepancy",
        "battery",
        "ddp",
        "created_at",
    ]
    search_fields = ["s10"]
    search_codes = (Code(S10, "s10"), Code(ORDER_NUMBER, "order_ref"), prefix("s10"))
    search_help_text = _("An S10 number, an order number, or the start of an S10.")
    # Fetched for the page's rows after it is cut, not joined into the page query: SQLite,
    # without statistics, drove those joins from the small tables and sorted every parcel.
    list_select_related = ()
    raw_id_fields = ["merchant", "bag", "received_by", "lane"]
    readonly_fields = ["s10", "state", "bag", "received_at", "received_by", "shipping_difference_g"]
    inlines = [ParcelItemInline]
    ordering = ["-created_at", "-id"]  # index parcel_newest (or parcel_hub_newest, filtered)
    sortable_by = ["s10", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("merchant", "hub", "gateway", "service_level")
        )


@admin.register(Bag)
class BagAdmin(ListAdmin):
    list_display = [
        "identifier",
        "hub",
        "gateway",
        "service_level",
        "carrier",
        "state",
        "parcel_count",
        "weight_g",
        "dangerous_goods",
    ]
    list_filter = [
        "state",
        ("hub", related_filter("code")),
        ("gateway", related_filter("iata")),
        ("service_level", related_filter("code")),
        "dangerous_goods",
    ]
    search_fields = ["identifier"]
    search_codes = (Code(BAG, "identifier"), prefix("identifier"))
    ordering = ["-id"]
    list_select_related = ["hub", "gateway", "service_level", "carrier"]
    readonly_fields = [
        "identifier",
        "state",
        "weight_g",
        "volume_cm3",
        "parcel_count",
        "uld",
        "planned_flight",
        "planned_belly",
    ]


@admin.register(Uld)
class UldAdmin(ListAdmin):
    list_display = [
        "identifier",
        "uld_type",
        "hub",
        "gateway",
        "flight",
        "position",
        "state",
        "bag_count",
        "dg_bag_count",
        "weight_g",
    ]
    list_filter = [
        "state",
        ("uld_type", related_filter("code")),
        ("hub", related_filter("code")),
        ("gateway", related_filter("iata")),
    ]
    search_fields = ["identifier", "flight__number"]
    ordering = ["-id"]
    list_select_related = ["uld_type", "hub", "gateway", "flight"]
    readonly_fields = [
        "state",
        "weight_g",
        "volume_cm3",
        "bag_count",
        "dg_bag_count",
        "flight",
        "planned_flight",
        "planned_belly",
    ]


@admin.register(SerialCounter)
class SerialCounterAdmin(ListAdmin):
    list_display = ["scope", "next_value"]
    search_fields = ["scope"]
    readonly_fields = ["scope", "next_value"]


class S10RangeForm(forms.ModelForm):
    """Checked as the service would check it (services.s10_ranges.check_range): a valid S10
    indicator and country, bounds in order, no overlap with another range."""

    class Meta:
        model = S10Range
        fields = ["service_indicator", "country", "agreement", "first_serial", "last_serial",
                  "next_serial", "active"]  # fmt: skip

    def clean(self):
        data = super().clean()
        rng = self.instance
        for name in ("service_indicator", "country", "first_serial", "last_serial"):
            if name in data:
                setattr(rng, name, data[name])
        if data.get("next_serial") is None and data.get("first_serial") is not None:
            data["next_serial"] = data["first_serial"]
        nxt, first, last = (
            data.get("next_serial"),
            data.get("first_serial"),
            data.get("last_serial"),
        )
        if None not in (nxt, first, last) and not first <= nxt <= last + 1:
            self.add_error(
                "next_serial", _("The next serial must lie in the range (or one past it).")
            )
        if not self.errors:
            try:
                s10_ranges.check_range(rng)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error(field, messages)
            data["service_indicator"], data["country"] = rng.service_indicator, rng.country
        return data


@admin.register(S10Range)
class S10RangeAdmin(ListAdmin):
    """The operator's S10 ranges: what labels are numbered from."""

    form = S10RangeForm
    list_display = ["service_indicator", "country", "first_serial", "last_serial",
                    "next_serial", "remaining", "active", "agreement"]  # fmt: skip
    search_fields = ["service_indicator", "country", "agreement"]
    list_filter = ["active"]
