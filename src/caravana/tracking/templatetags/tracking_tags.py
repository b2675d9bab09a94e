"""Times and dates the way the reader writes them (CLDR through babel), in the zone of the
place they happened: a scan in Shenzhen shows Shenzhen time, a delivery in São Paulo shows
São Paulo time."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from html import escape

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_location
from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from caravana.tracking import geo

register = template.Library()


def _locale() -> Locale:
    return _babel_locale(get_language() or "en")


@lru_cache(maxsize=32)
def _babel_locale(language: str) -> Locale:
    """Parsed once per language: babel parses a locale name on every call given as text, a
    third of the cost of formatting a date."""
    head, _, tail = language.partition("-")
    return Locale.parse(f"{head}_{tail.upper()}" if tail else head)


@register.filter
def local_when(value: dt.datetime | None) -> str:
    """An aware datetime already in its local zone → "27 de nov. de 2026 14:05" (medium date,
    short time: seconds say nothing to a buyer)."""
    if value is None:
        return ""
    lang = get_language() or "en"  # the value is already local: its wall-clock time as is
    return f"{_medium_date(value.date(), lang)} {_short_time(value.hour, value.minute, lang)}"


# Formatting is a pure function of its input, and a timeline's days and minutes repeat across
# lookups: babel's pattern formatting was most of what a timeline item cost.
@lru_cache(maxsize=4096)
def _medium_date(day: dt.date, language: str) -> str:
    return format_date(day, "medium", locale=_babel_locale(language))


@lru_cache(maxsize=4096)
def _short_time(hour: int, minute: int, language: str) -> str:
    return format_time(dt.time(hour, minute), "short", locale=_babel_locale(language))


@register.filter
def utc_offset(value: dt.datetime | None) -> str:
    """ "UTC+08:00" for an aware datetime (what the zone abbreviation hides)."""
    if value is None or value.utcoffset() is None:
        return ""
    minutes = int(value.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@lru_cache(maxsize=256)
def _zone_place(zone: str, language: str) -> str:
    """ "Horário China (Xangai)" for Asia/Shanghai: the zone as the reader's language names its
    place (CLDR), never the tz-database name. An event recorded without a zone (a step of our
    own that gave none) is shown in UTC: babel refused the empty name with a ValueError, a 500."""
    if not zone:
        return "UTC"
    try:
        return get_timezone_location(zone, locale=_babel_locale(language))
    except LookupError:
        return zone


@register.filter
def long_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return format_date(value, "long", locale=_locale())


@lru_cache(maxsize=1024)
def _route_svg(route: geo.RouteMap, language: str) -> SafeString:
    # Keyed by the map itself (RouteMap hashes by identity, and the cache holds it).
    return render_to_string("tracking/_route_map.html", {"route": route})


@register.simple_tag
def route_svg(route: geo.RouteMap) -> SafeString:
    """The route map's inline SVG (tracking/_route_map.html), rendered once per map and
    language: cached_route_map hands every lookup of the same route and position the same
    RouteMap, and the loops over its graticule and stops were a third of the page's time."""
    return mark_safe(_route_svg(route, get_language() or ""))


@register.simple_tag
def timeline_items(timeline: list) -> SafeString:
    """The <li> items of the timeline (newest first, the parcel's current event marked),
    written here rather than as a template loop: at the template engine's cost per variable,
    the loop over a parcel's ten-odd events was half of the page's rendering time."""
    lang = get_language() or "en"
    reason_label = escape(gettext("Reason:"))
    code_title = escape(gettext("UPU event code"))
    items = []
    for t in timeline:
        e = t.event
        tz = escape(e.tz)
        place = escape(_zone_place(e.tz, lang))
        extra = ""
        if e.location_name:
            extra += f'\n      <span class="muted">{escape(e.location_name)}</span>'
        if reason := t.reason:
            extra += f'\n      <span class="reason">{reason_label} {escape(reason)}</span>'
        if e.code:  # small, beside the words: for a buyer quoting it to a post office
            extra += f'\n      <code class="upu" title="{code_title}">{escape(e.code)}</code>'
        items.append(
            f'<li class="trk-{escape(e.status)}{" current" if t.current else ""}"'
            f' data-code="{escape(e.code)}">\n'
            f'      <time datetime="{timezone.localtime(e.occurred_at).isoformat()}"'
            f' data-tz="{tz}">{escape(local_when(t.local))} <abbr title="{place}">'
            f"{utc_offset(t.local)}</abbr></time>\n"
            f"      <strong>{escape(t.meaning)}</strong>{extra}\n    </li>"
        )
    return mark_safe("\n    ".join(items))
