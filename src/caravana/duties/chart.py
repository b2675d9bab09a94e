"""A grouped bar chart of daily duty figures as plain geometry for an SVG the template draws
(no script, no library): three bars a day — collected, assessed, remitted."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

WIDTH, HEIGHT, TOP, BOTTOM = 720, 220, 10, 190
SERIES = ("collected", "assessed", "remitted")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    day: Any
    value: Decimal


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    labels: list[tuple[float, str]]  # x, day label under the axis
    peak: Decimal
    width: int = WIDTH
    height: int = HEIGHT
    axis_y: int = BOTTOM


def bars(days: list[Any]) -> Chart:
    """`days`: objects with day, collected, assessed, remitted (duties.queries.DayFigures)."""
    peak = max([max(getattr(d, s) for s in SERIES) for d in days] + [Decimal(0)])
    slot = WIDTH / max(len(days), 1)
    bar_w = max(slot / 4, 1.0)
    out: list[Bar] = []
    labels: list[tuple[float, str]] = []
    every = max(len(days) // 10, 1)
    for i, d in enumerate(days):
        for j, series in enumerate(SERIES):
            value = getattr(d, series)
            h = float(value / peak) * (BOTTOM - TOP) if peak > 0 and value > 0 else 0.0
            x = i * slot + slot / 8 + j * bar_w
            out.append(Bar(round(x, 1), round(BOTTOM - h, 1), round(bar_w, 1), round(h, 1),
                           series, d.day, value))  # fmt: skip
        if i % every == 0:
            labels.append((round(i * slot + slot / 2, 1), d.day.strftime("%d/%m")))
    return Chart(out, labels, peak)
