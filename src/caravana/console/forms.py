from django import forms
from django.utils.translation import gettext_lazy as _

from caravana.accounts.models import Scope
from caravana.catalog.images import ImageUploadField
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


class VariantForm(forms.ModelForm):
    options_text = forms.CharField(
        label=_("Options"),
        required=False,
        help_text=_("One per line, e.g. colour: black"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

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
        out = {}
        for line in self.cleaned_data.get("options_text", "").splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip() or not value.strip():
                raise forms.ValidationError(_("Write each option as name: value."))
            out[name.strip()] = value.strip()
        return out

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
    image = ImageUploadField(label=_("Image"))
