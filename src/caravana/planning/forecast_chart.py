"""The forecast drawn as SVG: weekly history, the forecast's mean and its interval as a band, and,
in a replay, what happened. Pure: numbers in, SVG text out, so the planner page needs no script
and no chart library, and the same picture goes into docs/twin.md.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence

import numpy as np

from caravana.chart_scale import nice_top

Series = Sequence[float] | np.ndarray

#: Okabe–Ito colours (as twin/report.py): history, forecast, what happened.
HISTORY, FORECAST, ACTUAL = "#0072B2", "#D55E00", "#000000"
W, H, LEFT, RIGHT, TOP, BOTTOM = 720, 240, 64, 34, 30, 34


def _fmt(value: float) -> str:
    if value >= 1_000_000_000:  # a wild forecast's axis: thousands of M, not "5e+04 M"
        return f"{value / 1_000_000:,.0f} M"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.3g} M"
    if value >= 1_000:
        return f"{value / 1_000:.3g} k"
    return f"{value:.3g}"


def svg(
    title: str,
    labels: Sequence[str],
    history: Series,
    mean: Series,
    lower: Series,
    upper: Series,
    actual: Series = (),
    legend: tuple[str, str, str] = ("history", "forecast and its interval", "what happened"),
) -> str:
    """One chart: `labels` name every week, history's then the forecast's (a label every few)."""
    n_hist, n_fc = len(history), len(mean)
    n = n_hist + n_fc
    if len(labels) != n:
        raise ValueError("labels: one per week of history and forecast")
    top = nice_top(max([*history, *upper, *actual, 0.0]) * 1.05)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + plot_w * (i + 0.5) / n

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    def line(points: list[tuple[float, float]], colour: str, dash: str = "") -> str:
        d = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        return f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="2"{extra}/>'

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" '
        f'role="img" aria-label="{html.escape(title)}" font-family="sans-serif" font-size="11">',
        f"<title>{html.escape(title)}</title>",
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i in range(5):
        v = top * i / 4
        out.append(
            f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{_fmt(v)}</text>')
    every = max(1, n // 8)
    for i in range(0, n, every):
        out.append(
            f'<text x="{x(i):.1f}" y="{H - BOTTOM + 14}" text-anchor="middle">'
            f"{html.escape(labels[i])}</text>"
        )
    if n_fc:
        band = [(x(n_hist + i), y(v)) for i, v in enumerate(upper)]
        band += [(x(n_hist + i), y(v)) for i, v in reversed(list(enumerate(lower)))]
        pts = " ".join(f"{px:.1f},{py:.1f}" for px, py in band)
        out.append(f'<polygon points="{pts}" fill="{FORECAST}" fill-opacity="0.2" stroke="none"/>')
        start = [(x(n_hist - 1), y(history[-1]))] if n_hist else []
        # the axis is the interval's: a mean above it (rare, huge scenarios) leaves at the top
        clip = "clip-" + hashlib.sha256(title.encode()).hexdigest()[:12]
        out.append(
            f'<clipPath id="{clip}"><rect x="{LEFT}" y="{TOP}" width="{plot_w}" '
            f'height="{plot_h}"/></clipPath>'
        )
        mean_line = line(
            start + [(x(n_hist + i), y(v)) for i, v in enumerate(mean)], FORECAST, "6 3"
        )
        out.append(f'<g clip-path="url(#{clip})">{mean_line}</g>')
    if n_hist:
        out.append(line([(x(i), y(v)) for i, v in enumerate(history)], HISTORY))
    if len(actual):
        out.append(line([(x(n_hist + i), y(v)) for i, v in enumerate(actual)], ACTUAL))
    keys = [(HISTORY, legend[0]), (FORECAST, legend[1])] + (
        [(ACTUAL, legend[2])] if len(actual) else []
    )
    lx: float = LEFT + 8
    for colour, text in keys:
        out.append(f'<rect x="{lx}" y="{TOP + 2}" width="12" height="4" fill="{colour}"/>')
        out.append(f'<text x="{lx + 16}" y="{TOP + 8}">{html.escape(text)}</text>')
        lx += 24 + 6.5 * len(text)
    out.append("</svg>")
    return "\n".join(out)
