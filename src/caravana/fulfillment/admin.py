"""Read-mostly admin: parcels, bags and ULDs change state only through services (hub scans),
so operators look and search here but state fields are read-only.

A million parcels: listed newest first through parcel_newest, counted by estimate, filtered on
fixed choices or a related row's code (each through an index in the list's order), searched by
S10 or order number through their unique index, and by the start of the recipient's name or
words of the merchant's name through bounded index reads (caravana.admin_lists,
docs/decisions/0011)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caravana.admin_lists import Code, ListAdmin, related_filter
from caravana.admin_lists.search import (
    BAG,
    ORDER_NUMBER,
    RELATED_MATCHES,
    S10,
    Prefix,
    code_search,
    name_prefix_ids,
    newest_of_each,
    prefix,
    shaped,
    words,
)
from caravana.catalog.models import Merchant
from caravana.fulfillment.models import Bag, Parcel, ParcelItem, S10Range, SerialCounter, Uld
from caravana.fulfillment.services import s10_ranges

#: The start of an S10: two letters and at least one digit (letters alone are a name).
S10_START = shaped(r"[A-Z]{2}\d{1,9}[A-Z]{0,2}")


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
    search_codes = (Code(S10, "s10"), Code(ORDER_NUMBER, "order_ref"), Prefix(S10_START, "s10"))
    search_help_text = _(
        "An S10 number, an order number, the start of an S10, the start of the recipient's "
        "name, or words of the merchant's name."
    )
    # Fetched for the page's rows after it is cut, not joined into the page query: SQLite,
    # without statistics, drove those joins from the small tables and sorted every parcel.
    list_select_related = ()
    raw_id_fields = ["merchant", "bag", "received_by", "lane"]
    readonly_fields = ["s10", "state", "bag", "received_at", "received_by", "shipping_difference_g"]
    inlines = [ParcelItemInline]
    ordering = ["-created_at", "-id"]  # index parcel_newest (or parcel_hub_newest, filtered)
    sortable_by = ["s10", "created_at"]

    RELATED = ("merchant", "hub", "gateway", "service_level")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related(*self.RELATED)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """A code through its unique index (ListAdmin); a name through bounded index reads:
        the first NAME_MATCHES recipients whose name starts with the words (parcel_recipient_
        upper), and the newest NEWEST_EACH parcels of each of the first RELATED_MATCHES
        merchants whose legal name holds them (a scan of the merchants, a small table, then
        parcel_merchant_newest). Never a scan of the parcels."""
        term = search_term.strip()
        if not term:
            return queryset, False
        # A search lists a few rows found by primary key: their related rows are joined in
        # the page's one query rather than fetched in four more.
        joined = queryset.prefetch_related(None).select_related(*self.RELATED)
        if code_search(self.search_codes, queryset, term) is not None:
            return super().get_search_results(request, joined, search_term)
        name = words(term)
        if name is None:
            return queryset.none(), False
        ids = name_prefix_ids(queryset, "recipient_name", name)
        merchants = list(
            Merchant.objects.filter(legal_name__icontains=name)
            .order_by("legal_name")
            .values_list("pk", flat=True)[:RELATED_MATCHES]
        )
        ids += newest_of_each(queryset, "merchant", merchants, ["-created_at", "-id"])
        return joined.filter(pk__in=sorted(set(ids))), False


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
        if rng.pk is not None:
            # Serials below the stored next one may be on labels already: never hand them out
            # again (labels issued while this form was open have moved it on).
            data["next_serial"] = S10Range.objects.get(pk=rng.pk).next_serial
        elif data.get("next_serial") is None and data.get("first_serial") is not None:
            data["next_serial"] = data["first_serial"]
        nxt, first, last = (
            data.get("next_serial"),
            data.get("first_serial"),
            data.get("last_serial"),
        )
        if None not in (nxt, first, last) and not first <= nxt <= last + 1:
            self.add_error(
                "next_serial" if "next_serial" in self.fields else "last_serial",
                _("The next serial must lie in the range (or one past it)."),
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

    def get_readonly_fields(self, request, obj=None):
        """Only a new range chooses its next serial; allocation moves it on afterwards."""
        return ["next_serial"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """A change writes the fields the form holds, never a next serial read before a label
        was issued."""
        if change:
            obj.save(update_fields=[f for f in form.cleaned_data if f != "next_serial"])
        else:
            obj.save()
