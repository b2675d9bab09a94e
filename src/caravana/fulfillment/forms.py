from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caravana import markets
from caravana.catalog.models import BatteryType
from caravana.limits import INT_MAX
from caravana.network.models import Hub, ServiceLevel


def _countries() -> list[tuple[str, str]]:
    """Every market, named in the active language (CLDR, through babel)."""
    language = get_language() or "en"
    return [(m.code, m.name(language)) for m in markets.all()]


class ParcelForm(forms.Form):
    hub = forms.ModelChoiceField(
        Hub.objects.filter(is_active=True), to_field_name="code", label=_("Drop-off hub")
    )
    service_level = forms.ModelChoiceField(
        ServiceLevel.objects.all(), to_field_name="code", label=_("Service level")
    )
    order_ref = forms.CharField(
        label=_("Order reference"),
        max_length=64,
        required=False,
        help_text=_("The number of one of your orders, or empty for a parcel of no order."),
    )
    recipient_name = forms.CharField(label=_("Recipient name"), max_length=120)
    recipient_address = forms.CharField(label=_("Address"), max_length=250)
    recipient_city = forms.CharField(label=_("City"), max_length=80)
    recipient_state = forms.CharField(label=_("State / region"), max_length=80, required=False)
    recipient_postal_code = forms.CharField(label=_("Postal code"), max_length=16, required=False)
    recipient_country = forms.ChoiceField(label=_("Country"), choices=_countries)
    recipient_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    recipient_email = forms.EmailField(label=_("E-mail"), required=False)
    declared_weight_g = forms.IntegerField(label=_("Weight (g)"), min_value=1, max_value=INT_MAX)
    declared_length_cm = forms.IntegerField(label=_("Length (cm)"), min_value=1, max_value=INT_MAX)
    declared_width_cm = forms.IntegerField(label=_("Width (cm)"), min_value=1, max_value=INT_MAX)
    declared_height_cm = forms.IntegerField(label=_("Height (cm)"), min_value=1, max_value=INT_MAX)
    battery = forms.ChoiceField(label=_("Lithium battery"), choices=BatteryType.choices)
    ddp = forms.BooleanField(label=_("Duties paid by the buyer at checkout (DDP)"), required=False)


class ItemForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200)
    hs_code = forms.CharField(label=_("HS code"), max_length=12)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=INT_MAX)
    unit_value = forms.DecimalField(label=_("Unit value"), max_digits=12, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=[("CNY", "CNY"), ("USD", "USD")])
    unit_weight_g = forms.IntegerField(label=_("Unit weight (g)"), min_value=1, max_value=INT_MAX)


ItemFormSet = forms.formset_factory(ItemForm, extra=3, min_num=1, validate_min=True, max_num=100)
