from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from caravana import markets
from caravana.admin_lists import ListAdmin, text_filter, values_filter
from caravana.errors import field_error
from caravana.pricing import services
from caravana.pricing.error_codes import PricingErrorCode
from caravana.pricing.models import FxRate, RateCardVersion, RuleSetVersion

#: Countries a rule or a rate card is for: the markets (never a SELECT DISTINCT).
COUNTRY = values_filter(lambda: [(c, c) for c in markets.codes()], box=True)


@admin.register(FxRate)
class FxRateAdmin(ListAdmin):
    list_display = ("base", "quote", "rate", "date", "source")
    list_filter = (("base", text_filter()), ("quote", text_filter()), "date")
    search_fields = ("base", "quote", "source")


class _BodyForm(forms.ModelForm):
    """The operator edits the JSON body; the service checks it and fills the index columns."""

    def clean(self):
        data = super().clean()
        body = data.get("body")
        if not isinstance(body, dict):
            raise field_error("body", "give a JSON object", PricingErrorCode.INVALID_RULE)
        return data


class RuleSetForm(_BodyForm):
    class Meta:
        model = RuleSetVersion
        fields = ("body",)


class RateCardForm(_BodyForm):
    class Meta:
        model = RateCardVersion
        fields = ("body",)


class _BodyAdmin(ListAdmin):
    save_fn = None

    def save_model(self, request, obj, form, change):
        # All writes through pricing.services: it parses the body and checks overlaps.
        saved = type(self).save_fn(form.cleaned_data["body"])
        obj.pk = saved.pk

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        save_fn = type(self).save_fn

        class Checked(form):
            def clean(self):
                data = super().clean()
                body = data.get("body")
                if isinstance(body, dict):
                    try:
                        from django.db import transaction

                        with transaction.atomic():
                            save_fn(body)
                            transaction.set_rollback(True)
                    except ValidationError as exc:
                        raise ValidationError({"body": exc.messages}) from exc
                return data

        return Checked


@admin.register(RuleSetVersion)
class RuleSetAdmin(_BodyAdmin):
    form = RuleSetForm
    save_fn = staticmethod(services.save_rule_set)
    list_display = (
        "rule_id",
        "country",
        "effective_from",
        "effective_to",
        "verified",
        "updated_at",
    )
    list_filter = (("country", COUNTRY), "verified")
    search_fields = ("rule_id", "source")
    readonly_fields = ("rule_id", "country", "effective_from", "effective_to", "verified", "source")


@admin.register(RateCardVersion)
class RateCardAdmin(_BodyAdmin):
    form = RateCardForm
    save_fn = staticmethod(services.save_rate_card)
    list_display = ("card_id", "origin", "destination", "service", "updated_at")
    list_filter = (("destination", COUNTRY), ("service", text_filter()))
    search_fields = ("card_id",)
    readonly_fields = ("card_id", "origin", "destination", "service")
