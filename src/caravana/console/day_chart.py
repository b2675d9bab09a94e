"""A bar a day as plain geometry for an SVG the template draws (no script, no library), as
the duty report's chart: the console dashboard's orders and sales of the last 30 days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT, TOP, BOTTOM = 600, 190, 8, 150


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: dt.date
    value: Decimal


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    labels: list[tuple[float, str, str]]  # x, text-anchor, day under the axis
    peak: Decimal
    width: int = WIDTH
    height: int = HEIGHT
    axis_y: int = BOTTOM


def bars(days: Sequence[tuple[dt.date, Decimal]]) -> Chart:
    """One bar per (day, value), scaled to the highest; a label every week or so."""
    peak = max([v for _d, v in days] + [Decimal(0)])
    slot = WIDTH / max(len(days), 1)
    out: list[Bar] = []
    labels: list[tuple[float, str, str]] = []
    every = max(len(days) // 4, 1)  # five labels for 30 days: legible on a phone
    for i, (day, value) in enumerate(days):
        h = float(value / peak) * (BOTTOM - TOP) if peak > 0 and value > 0 else 0.0
        out.append(
            Bar(round(i * slot + slot * 0.15, 1), round(BOTTOM - h, 1), round(slot * 0.7, 1),
                round(h, 1), day, value)
        )  # fmt: skip
        if (len(days) - 1 - i) % every == 0:  # counted back from today, which is labelled
            anchor = "end" if i == len(days) - 1 else "middle"
            x = WIDTH if anchor == "end" else round(i * slot + slot / 2, 1)
            labels.append((x, anchor, day.strftime("%d/%m")))
    return Chart(out, labels, peak)
