"""Non-text contrast (WCAG 2.2, 1.4.11), which axe-core does not test: the border of every field
one types in or picks from, and the focus ring, reach 3:1 against the white of panels and the
page's background. Read from the style sheets the site serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import caravana

STATIC = Path(caravana.__file__).parent
SHEETS = [
    STATIC / "storefront/static/caravana/site.css",
    STATIC / "tracking/static/tracking/track.css",
]
FIELDS = re.compile(r"(^|[\s,>(])(input|select|textarea|\.qty)\b")


def luminance(hex_colour: str) -> float:
    """Relative luminance as WCAG 2.2 defines it (sRGB, the 0.04045 threshold)."""
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) of every plain rule, media queries opened up."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media[^{]*{", "", css)
    return [(m[1].strip(), m[2]) for m in re.finditer(r"([^{}]+){([^{}]*)}", css)]


def variables() -> dict[str, str]:
    found: dict[str, str] = {}
    for sheet in SHEETS:
        for selector, body in rules(sheet.read_text()):
            if selector == ":root":
                found.update(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})", body))
    return found


def colour(value: str, names: dict[str, str]) -> str | None:
    m = re.search(r"var\((--[\w-]+)\)|(#[0-9a-fA-F]{3,6})\b", value)
    if not m:
        return None
    return names[m[1]] if m[1] else m[2]


def test_the_wcag_formula():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#e2e6ee", "#ffffff") == pytest.approx(1.25, abs=0.01)  # main's --line


def test_field_borders_reach_3_to_1_against_panels_and_the_page():
    names = variables()
    backgrounds = {"white": "#ffffff", "--bg": names["--bg"]}
    checked, low = 0, []
    for sheet in SHEETS:
        for selector, body in rules(sheet.read_text()):
            if not any(FIELDS.search(s.strip()) for s in selector.split(",")):
                continue
            for prop, value in re.findall(r"(border(?:-color)?)\s*:\s*([^;]+)", body):
                c = colour(value, names)
                if c is None:
                    continue
                checked += 1
                for where, bg in backgrounds.items():
                    if contrast(c, bg) < 3:
                        low.append(f"{sheet.name} {selector} {prop} {c} on {where}: "
                                   f"{contrast(c, bg):.2f}:1")  # fmt: skip
    assert checked >= 6  # the search box, filters, forms, scanner, quantities, tracking
    assert low == []


def test_the_focus_ring_is_our_own_and_reaches_3_to_1():
    names = variables()
    rings = [
        colour(body, names)
        for sheet in SHEETS
        for selector, body in rules(sheet.read_text())
        if selector == ":focus-visible" and "outline" in body
    ]
    assert rings and rings[0] is not None
    assert contrast(rings[0], "#ffffff") >= 3 and contrast(rings[0], names["--bg"]) >= 3
