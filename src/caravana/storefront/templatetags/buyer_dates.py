"""Dates and time zones the way the buyer's language writes them (CLDR through babel): month
names in lower case in Spanish and Portuguese ("12 de dezembro de 2026"), where Django's own
DATE_FORMAT capitalises them in Portuguese, and a zone by its place ("hora de México (Ciudad
de México)"), never its tz-database name (America/Mexico_City)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, get_timezone_location
from django import template
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    head, _sep, tail = language.replace("_", "-").partition("-")
    try:
        return Locale.parse(f"{head}_{tail.upper()}" if tail and len(tail) == 2 else head)
    except (ValueError, UnknownLocaleError):
        return Locale("en")


@register.filter
def buyer_date(value: dt.date | dt.datetime | str | None, length: str = "long") -> str:
    """ "12 de dezembro de 2026" (long) or "12 de dez. de 2026" (medium)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO date kept in JSON (a boleto's due date)
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, length, locale=_locale(get_language() or "en"))


@register.filter
def zone_name(value: str | None) -> str:
    """A tz-database name as the buyer's language names the place: "horário Brasil (São
    Paulo)" for America/Sao_Paulo."""
    if not value:
        return ""
    try:
        return get_timezone_location(value, locale=_locale(get_language() or "en"))
    except LookupError:
        return value
