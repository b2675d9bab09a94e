"""A checkout field's error, where the field is: the message beside it, and the attributes that
mark the field invalid and tie the message to it for screen readers (WCAG 3.3.1)."""

from __future__ import annotations

from collections.abc import Mapping

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _messages(errors: Mapping | None, name: str) -> list[str]:
    return [str(m) for m in (errors or {}).get(name, ())]


@register.simple_tag
def field_error(errors: Mapping | None, name: str) -> SafeString:
    """The field's message, with the id `invalid` points at; nothing when the field is right."""
    msgs = _messages(errors, name)
    if not msgs:
        return mark_safe("")
    return format_html(
        '<span class="field-error" id="{}-error" data-testid="error-{}" data-field="{}">{}</span>',
        name, name, name, " ".join(msgs),
    )  # fmt: skip


@register.simple_tag
def invalid(errors: Mapping | None, name: str) -> SafeString:
    """` aria-invalid="true" aria-describedby="<name>-error"` for a field with a message."""
    if not _messages(errors, name):
        return mark_safe("")
    return format_html(' aria-invalid="true" aria-describedby="{}-error"', name)
