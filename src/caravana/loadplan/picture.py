"""The CG envelope as an SVG picture the template draws: zero-fuel weight up, % MAC across,
the envelope as a polygon and the plan's CG as a dot. Numbers in, shapes out (no markup)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .aircraft import Aircraft

WIDTH = 320
HEIGHT = 200
PAD = 30


@dataclass
class EnvelopePicture:
    width: int = WIDTH
    height: int = HEIGHT
    polygon: str = ""  # SVG points of the envelope
    dot: tuple[float, float] = (0.0, 0.0)
    target_x: float = 0.0
    inside: bool = True
    x_ticks: list[tuple[float, str]] = field(default_factory=list)  # (x, "% MAC")
    y_ticks: list[tuple[float, str]] = field(default_factory=list)  # (y, "t")


def envelope_picture(
    ac: Aircraft, zfw_kg: float, cg_pct: float, target_pct: float
) -> EnvelopePicture:
    """Scale the envelope and the point into the picture's box."""
    lo_pct = min(min(e.fwd_pct for e in ac.envelope), cg_pct) - 5
    hi_pct = max(max(e.aft_pct for e in ac.envelope), cg_pct) + 5
    lo_kg = min(ac.envelope[0].zfw_kg, zfw_kg) * 0.95
    hi_kg = max(ac.envelope[-1].zfw_kg, zfw_kg) * 1.02

    def x(pct: float) -> float:
        return round(PAD + (pct - lo_pct) / (hi_pct - lo_pct) * (WIDTH - 2 * PAD), 1)

    def y(kg: float) -> float:
        return round(HEIGHT - PAD - (kg - lo_kg) / (hi_kg - lo_kg) * (HEIGHT - 2 * PAD), 1)

    edge = [(e.fwd_pct, e.zfw_kg) for e in ac.envelope]
    edge += [(e.aft_pct, e.zfw_kg) for e in reversed(ac.envelope)]
    fwd, aft = ac.limits_at(zfw_kg)
    step = 5
    first = int(lo_pct // step + 1) * step
    return EnvelopePicture(
        polygon=" ".join(f"{x(p)},{y(w)}" for p, w in edge),
        dot=(x(cg_pct), y(zfw_kg)),
        target_x=x(target_pct),
        inside=fwd <= cg_pct <= aft and zfw_kg <= ac.max_zfw_kg,
        x_ticks=[(x(p), f"{p}") for p in range(first, int(hi_pct) + 1, step)],
        y_ticks=[(y(w), f"{round(w / 1000)}") for w in (ac.envelope[0].zfw_kg, ac.max_zfw_kg)],
    )
