from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from caravana.accounts.models import Scope
from caravana.catalog.images import MIN_SIDE, ImageUploadField
from caravana.catalog.models import Category, Product, Store, Variant
from caravana.limits import INT_MAX


class StoreForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = ("name", "slug", "description", "logo")


class ProductForm(forms.ModelForm):
    store = forms.ModelChoiceField(queryset=Store.objects.none(), label=_("Store"))

    class Meta:
        model = Product
        fields = (
            "store",
            "category",
            "hs_code",
            "title_zh_hans",
            "title_en",
            "title_es",
            "title_pt_br",
            "description_zh_hans",
            "description_en",
            "description_es",
            "description_pt_br",
            "is_active",
        )
        widgets = {
            f"description_{s}": forms.Textarea(attrs={"rows": 3})
            for s in ("zh_hans", "en", "es", "pt_br")
        }
        help_texts = {"hs_code": _("Six digits of the HS 2022 nomenclature, e.g. 851830.")}

    def __init__(self, *args, merchant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["store"].queryset = Store.objects.filter(merchant=merchant)
        self.fields["category"].queryset = Category.objects.all()
        # In the console's language (a Chinese merchant reads 手机壳, not "Phone cases").
        self.fields["category"].label_from_instance = lambda c: c.name(get_language() or "en")
        if self.instance.pk:
            self.fields["store"].initial = self.instance.store_id

    def clean(self):
        data = super().clean()
        titles = [data.get(f"title_{s}") for s in ("zh_hans", "en", "es", "pt_br")]
        if not any((t or "").strip() for t in titles):
            self.add_error("title_en", _("Give the product a title in at least one language."))
        return data

    def _post_clean(self) -> None:
        # Services validate the model; the form only checks its own fields.
        pass


def _option_lines(text: str) -> dict[str, str]:
    out = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or not value.strip():
            raise forms.ValidationError(_("Write each option as name: value."))
        out[name.strip()] = value.strip()
    return out


#: The buyers' languages a merchant may translate option values into: (language, form field).
OPTION_LANGUAGES = (("es", "options_es"), ("pt-br", "options_pt_br"), ("en", "options_en"))


def _translation_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=_("Optional: the same options for buyers, e.g. colour: negro"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VariantForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("Options"),
        required=False,
        help_text=_("One per line, e.g. colour: black"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    options_es = _translation_field(_("Options in Spanish"))
    options_pt_br = _translation_field(_("Options in Portuguese"))
    options_en = _translation_field(_("Options in English"))

    class Meta:
        model = Variant
        fields = (
            "sku",
            "price",
            "currency",
            "weight_g",
            "length_cm",
            "width_cm",
            "height_cm",
            "battery",
        )

    def clean_options_text(self) -> dict:
        return _option_lines(self.cleaned_data.get("options_text", ""))

    def clean_options_es(self) -> dict:
        return _option_lines(self.cleaned_data.get("options_es", ""))

    def clean_options_pt_br(self) -> dict:
        return _option_lines(self.cleaned_data.get("options_pt_br", ""))

    def clean_options_en(self) -> dict:
        return _option_lines(self.cleaned_data.get("options_en", ""))

    def service_data(self) -> dict:
        """The cleaned data as catalog.services takes it: options and their translations."""
        data = dict(self.cleaned_data)
        data["options"] = data.pop("options_text")
        translations = {lang: data.pop(field) for lang, field in OPTION_LANGUAGES}
        data["option_translations"] = {k: v for k, v in translations.items() if v}
        return data

    def _post_clean(self) -> None:
        pass


class StockForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=INT_MAX)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the token may do. Give an integration only what it needs."),
    )

    def __init__(self, *args, allowed: list[str], **kwargs) -> None:
        """`allowed`: the scopes the user's role gives (accounts.services.role_scopes), all
        ticked by default."""
        super().__init__(*args, **kwargs)
        labels = dict(Scope.choices)
        self.fields["scopes"].choices = [(s, labels[s]) for s in allowed]
        self.fields["scopes"].initial = list(allowed)


class ImageForm(forms.Form):
    image = ImageUploadField(label=_("Picture"))
    variant = forms.ModelChoiceField(
        queryset=Variant.objects.none(),
        required=False,
        label=_("Shown for the option"),
        empty_label=_("Any option"),
    )

    def __init__(self, *args, product: Product, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["variant"].queryset = product.variants.all()
        self.fields["variant"].label_from_instance = _variant_label
        self.fields["image"].help_text = _(
            "JPEG, PNG or WebP, at most %(mb)s MB and at least %(side)d pixels a side."
        ) % {"mb": f"{settings.IMAGE_MAX_BYTES / 2**20:g}", "side": MIN_SIDE}


def _variant_label(v: Variant) -> str:
    return f"{v.sku} · {v.merchant_options_label}" if v.options else v.sku


class ImageActionForm(forms.Form):
    """One change to one picture: move it up or down, make it the main one, show it for an
    option (or any), delete it."""

    ACTIONS = ("up", "down", "main", "variant", "delete")
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    variant = forms.ModelChoiceField(queryset=Variant.objects.none(), required=False)

    def __init__(self, *args, product: Product, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["variant"].queryset = product.variants.all()


class NationalCodesForm(forms.Form):
    """One national tariff code per destination for one product (customs.services checks them
    against the product's HS code; the form only lays the fields out)."""

    def __init__(self, *args, product: Product, countries: list[tuple[str, str, str]], **kwargs):
        """`countries`: (code, label, help text) for each destination."""
        super().__init__(*args, **kwargs)
        for code, label, help_text in countries:
            self.fields[f"code_{code.lower()}"] = forms.CharField(
                label=label,
                required=False,
                max_length=20,
                help_text=help_text,
                widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
            )

    def codes(self) -> dict[str, str]:
        """The codes by country, as customs.services.set_national_codes takes them."""
        return {
            name.removeprefix("code_").upper(): value for name, value in self.cleaned_data.items()
        }


class SenderForm(forms.Form):
    """The merchant's sender identity for customs (customs.services checks every field)."""

    legal_name = forms.CharField(
        label=_("Legal name (Latin letters)"),
        required=False,
        help_text=_("As customs papers print it, e.g. Shenzhen Huaqiang Electronics Co., Ltd."),
    )
    legal_name_zh = forms.CharField(
        label=_("Legal name (Chinese)"),
        required=False,
        help_text=_("As on the business licence (营业执照)."),
    )
    uscc = forms.CharField(
        label=_("Unified social credit code (USCC)"),
        required=False,
        help_text=_("18 characters, on the business licence."),
    )
    province = forms.ChoiceField(label=_("Province"), required=False)
    city = forms.CharField(
        label=_("City"), required=False, help_text=_("e.g. 深圳市 or Shenzhen Shi")
    )
    district = forms.CharField(
        label=pgettext_lazy("a district of a Chinese city (区)", "District"),
        required=False,
        help_text=_("e.g. 南山区 or Nanshan Qu"),
    )
    postal_code = forms.CharField(label=_("Postal code"), required=False)
    street_address = forms.CharField(
        label=_("Street address (Latin letters)"),
        required=False,
        help_text=_("Printed on the CN 23, e.g. No. 8 Keji Road, Building 2, Room 301"),
    )
    street_address_zh = forms.CharField(
        label=_("Street address (Chinese)"), required=False, help_text=_("Optional.")
    )

    def __init__(self, *args, provinces: Sequence[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", "—"), *provinces]
