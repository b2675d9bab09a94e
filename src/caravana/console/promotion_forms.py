"""The console's promotion forms: they draw the fields (labels in the merchant's language);
promotions.services checks every value and names the field of each error."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from caravana.markets import market as market_registry
from caravana.promotions.models import CouponKind

_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CouponForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    country = forms.ChoiceField(label=_("Country"), choices=())
    kind = forms.ChoiceField(label=_("Discount"), choices=CouponKind.choices)
    value = forms.CharField(
        label=_("Value"),
        help_text=_("A percentage (1 to 90), or an amount in the country's currency."),
    )
    min_basket = forms.CharField(
        label=_("Minimum basket"), required=False,
        help_text=_("Goods in the buyer's currency; 0 for none."),
    )  # fmt: skip
    max_uses = forms.CharField(
        label=_("Total uses"), required=False, help_text=_("Empty for no limit.")
    )
    per_buyer = forms.CharField(label=_("Uses per buyer"), initial="1")
    starts_at = forms.DateTimeField(label=_("Starts"), widget=_WHEN)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=_WHEN)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [
            (m.code, f"{m.code} · {m.currency}") for m in market_registry.all()
        ]


class DealForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    price = forms.CharField(label=_("Deal price (CNY)"))
    cap = forms.CharField(label=_("Units at this price"))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=_WHEN, required=False)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=_WHEN)


class FreeShippingForm(forms.Form):
    threshold = forms.CharField(
        label=_("Free shipping from (CNY)"), required=False,
        help_text=_("A parcel whose goods reach this amount ships free; you pay the shipping. "
                    "Empty switches it off."),
    )  # fmt: skip
