"""The dashboard's charts drawn as inline SVG, and a dictionary look-up for the tables."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from caravana.clearance.charts import Chart

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag
def chart_svg(chart: Chart) -> SafeString:
    """The chart as an <svg> with a <title> on every bar (what a screen reader and a hover
    tell); the table beside it carries the same numbers."""
    h = chart.height - 18
    parts = [
        f'<svg class="desk-chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'preserveAspectRatio="xMidYMid meet">'
    ]
    for y, text in chart.ticks:
        parts.append(f'<line x1="34" x2="{chart.width}" y1="{y}" y2="{y}" class="grid"/>'
                     f'<text x="30" y="{y + 4}" class="tick">{escape(text)}</text>')  # fmt: skip
    for r in chart.rects:
        parts.append(
            f'<rect x="{r.x}" y="{r.y}" width="{r.w}" height="{r.h}" '
            f'class="desk-{escape(r.series)}">'
            f"<title>{escape(r.title)}</title></rect>"
        )
    step = max(1, len(chart.labels) // 10)
    shown = [(x, text) for i, (x, text) in enumerate(chart.labels) if i % step == 0]
    for i, (x, text) in enumerate(shown):
        # Every other label goes on a phone, where the text is drawn larger (desk.css).
        kind = "day" if i % 2 == (len(shown) - 1) % 2 else "day alt"
        parts.append(f'<text x="{x}" y="{h + 14}" class="{kind}">{escape(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
