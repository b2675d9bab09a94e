"""Times and dates the way the reader writes them (CLDR through babel), in the zone of the
place they happened: a scan in Shenzhen shows Shenzhen time, a delivery in São Paulo shows
São Paulo time."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_time
from django import template
from django.utils.translation import get_language

register = template.Library()


def _locale() -> str:
    lang = get_language() or "en"
    head, _, tail = lang.partition("-")
    return f"{head}_{tail.upper()}" if tail else head


@register.filter
def local_when(value: dt.datetime | None) -> str:
    """An aware datetime already in its local zone → "27 de nov. de 2026 14:05" (medium date,
    short time: seconds say nothing to a buyer)."""
    if value is None:
        return ""
    locale = _locale()
    naive = value.replace(tzinfo=None)  # already local: format the wall-clock time as is
    day = format_date(naive.date(), "medium", locale=locale)
    return f"{day} {format_time(naive.time(), 'short', locale=locale)}"


@register.filter
def utc_offset(value: dt.datetime | None) -> str:
    """ "UTC+08:00" for an aware datetime (what the zone abbreviation hides)."""
    if value is None or value.utcoffset() is None:
        return ""
    minutes = int(value.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@register.filter
def long_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return format_date(value, "long", locale=_locale())
