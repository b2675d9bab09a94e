"""The report's period and the remittance form: bad input is a message on its field."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from caravana import markets
from caravana.duties.models import DutyAuthority
from caravana.duties.services import MAX_PERIOD_DAYS


def _countries() -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [(m.code, markets.country_name(m.code, language)) for m in markets.all()]


class PeriodForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=_countries)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To (exclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    @staticmethod
    def initial_for(today: dt.date | None = None) -> dict:
        today = today or timezone.now().date()
        return {"country": "BR", "start": today.replace(day=1), "end": today + dt.timedelta(1)}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end <= start:
                self.add_error("end", _("The period must end after it starts."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("end", _("Choose a period of at most a year."))
        return data


class RemitForm(forms.Form):
    authority = forms.ModelChoiceField(label=_("Authority"), queryset=DutyAuthority.objects.all())
    period_start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(
        label=_("To (exclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    paid_reference = forms.CharField(label=_("Authority's receipt"), max_length=80)
