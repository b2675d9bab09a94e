"""Server-drawn SVG charts for the dashboard: a stacked bar per day (decisions by outcome)
and a bar per day (average clearance time). Pure: numbers in, shapes out; the template
draws them, so the page needs no script and no chart library."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from caravana.chart_scale import nice_top

WIDTH = 640
HEIGHT = 200
LEFT = 36  # room for the scale
BOTTOM = 18  # room for the day labels
TOP = 8  # room for the top tick's label


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    series: str
    title: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)  # (x, text) under bars
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, text) on the scale
    top: float = 0


def stacked(
    days: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], unit: str = ""
) -> Chart:
    """One bar per day, its series stacked bottom-up in the order given."""
    totals = [sum(values[i] for _name, values in series) for i in range(len(days))]
    # at least 1 (an hour, a parcel); fifths of a count stay whole
    top = nice_top(max([*totals, 1]), (1, 2, 5))
    chart = Chart(top=top)
    inner_w, inner_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    slot = inner_w / max(len(days), 1)
    bar = max(slot * 0.7, 1)
    for i, day in enumerate(days):
        x = LEFT + i * slot + (slot - bar) / 2
        y: float = TOP + inner_h
        for name, values in series:
            v = values[i]
            if not v:
                continue
            h = inner_h * v / top
            y -= h
            chart.rects.append(Rect(round(x, 1), round(y, 1), round(bar, 1), round(h, 1), name,
                                    f"{day} · {name}: {v:g}{unit}"))  # fmt: skip
        chart.labels.append((round(x + bar / 2, 1), day))
    whole = all(float(v).is_integer() for _name, values in series for v in values)
    steps = _steps(top, whole)
    for k in range(steps + 1):
        value = top * k / steps
        chart.ticks.append((round(TOP + inner_h - inner_h * k / steps, 1), f"{value:g}"))
    return chart


def _steps(top: float, whole: bool) -> int:
    """How many intervals the scale has: round values (a top of 5 in fives, of 2 or 20 in
    fours, of 1 or 10 in fives), and for counts (`whole`) no tick between two integers."""
    lead = round(top / 10 ** math.floor(math.log10(top)))
    steps = 4 if lead == 2 else 5
    if whole and top < steps:
        steps = int(top)
    return steps
