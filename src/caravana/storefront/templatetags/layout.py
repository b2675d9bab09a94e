"""Parts of base.html that every page renders but that hardly vary: the header's links and the
language picker's options. Built once per process (per script prefix, per language) rather than
through the template engine on each request, where they were a third of the layout's rendering
time."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_info

register = template.Library()


@register.simple_tag
def link(name: str) -> str:
    """``{% url name %}`` for a URL without arguments."""
    return _link(name, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=256)
def _link(name: str, prefix: str, urlconf: str | None) -> str:
    return reverse(name, urlconf=urlconf)


@register.simple_tag
def language_options(current: str) -> SafeString:
    """The language picker's ``<option>``s, each language in its own name, ``current``
    selected."""
    return _language_options(current, tuple(code for code, _name in settings.LANGUAGES))


@lru_cache(maxsize=64)
def _language_options(current: str, codes: tuple[str, ...]) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (code, mark_safe(" selected") if code == current else "",
             get_language_info(code)["name_local"])
            for code in codes
        ),
    )  # fmt: skip
