"""The carrier performance page's filter: a period of delivery days and, optionally, a
country. Bad input is a message on its field."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from caravana import markets
from caravana.tracking.carrier_queries import MAX_PERIOD_DAYS

#: The period shown when none is asked for: the last 30 days, today included.
DEFAULT_DAYS = 30
ISO = "%Y-%m-%d"


def _countries() -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [("", _("All countries"))] + [
        (m.code, markets.country_name(m.code, language)) for m in markets.all()
    ]


class PerformanceForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=_countries, required=False)
    # A date input takes ISO dates whatever the page's language (not 04/11/2026 in Spanish).
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(format=ISO, attrs={"type": "date"})
    )
    end = forms.DateField(
        label=pgettext_lazy("period end", "To"),
        widget=forms.DateInput(format=ISO, attrs={"type": "date"}),
    )

    @staticmethod
    def initial_for(today: dt.date | None = None) -> dict:
        today = today or timezone.now().date()
        return {"country": "", "start": today - dt.timedelta(days=DEFAULT_DAYS - 1), "end": today}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The period must end on or after its first day."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error(
                    "end", _("Choose a period of at most %(n)d days.") % {"n": MAX_PERIOD_DAYS}
                )
        return data

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as [start, end) in UTC: from the first day's midnight to the midnight
        after the last day."""
        d = self.cleaned_data
        start = dt.datetime.combine(d["start"], dt.time(0), tzinfo=dt.UTC)
        end = dt.datetime.combine(d["end"] + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
        return start, end
