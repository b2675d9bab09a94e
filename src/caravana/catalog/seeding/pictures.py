"""Product pictures for the seed catalogue, drawn with Pillow: no download, no Django.

Each picture is a flat illustration of the product's kind (earphones, a phone case, a dress, a
lipstick...) in the variant's colour, on a background, angle, size and composition chosen by a
`random.Random` the caller seeds, so the same seed gives the same picture and a page of
results does not look like one picture repeated. Drawn at twice the size and halved, for
smooth edges (ImageDraw draws no anti-aliased shapes).
"""

from __future__ import annotations

import colorsys
import math
import random
from collections.abc import Callable
from functools import partial

from PIL import Image, ImageDraw

#: The side of a seeded picture, in pixels.
SIDE = 480
_S = SIDE * 2  # drawn at twice the size, then halved

RGB = tuple[int, int, int]

# The seed's colour words (data/product_words.json) and make-up shades.
COLOURS: dict[str, RGB] = {
    "black": (38, 38, 44),
    "white": (244, 244, 240),
    "blue": (46, 104, 196),
    "pink": (236, 140, 176),
    "green": (58, 150, 96),
    "grey": (140, 146, 154),
    "red": (206, 46, 52),
    "purple": (128, 78, 170),
    "beige": (222, 200, 164),
    "nude": (214, 160, 132),
    "rose": (200, 96, 120),
    "coral": (240, 120, 96),
    "berry": (140, 30, 70),
    "ruby": (170, 16, 40),
    "mocha": (130, 86, 66),
}
_DEFAULT = (120, 130, 150)


def colour_of(options: dict[str, str]) -> RGB:
    """The RGB of a variant's colour or shade option ("05 Ruby" -> ruby), grey-blue if none."""
    word = (options.get("colour") or options.get("shade") or "").lower()
    for name, rgb in COLOURS.items():
        if name in word:
            return rgb
    return _DEFAULT


def _shade(c: RGB, f: float) -> RGB:
    """Lighter (f > 0) or darker (f < 0) by mixing with white or black."""
    if f >= 0:
        return tuple(int(v + (255 - v) * f) for v in c)  # type: ignore[return-value]
    return tuple(int(v * (1 + f)) for v in c)  # type: ignore[return-value]


def _edge(c: RGB) -> RGB:
    """An outline that shows on the colour: darker, or grey on a near-black."""
    return _shade(c, 0.35) if sum(c) < 200 else _shade(c, -0.35)


# -- drawers: each draws one kind, centred in an _S square, on a transparent layer -------------

Draw = ImageDraw.ImageDraw
Drawer = Callable[[Draw, RGB, random.Random], None]


def _u(*xy: float) -> list[float]:
    """Unit-square coordinates (0..1) to pixels."""
    return [v * _S for v in xy]


def _rr(d: Draw, box: tuple[float, float, float, float], r: float, fill: RGB, edge=None) -> None:
    d.rounded_rectangle(_u(*box), radius=r * _S, fill=fill, outline=edge, width=int(_S * 0.008))


def phone_case(d: Draw, c: RGB, rng: random.Random) -> None:
    _rr(d, (0.3, 0.1, 0.7, 0.9), 0.07, c, _edge(c))
    _rr(d, (0.34, 0.14, 0.52, 0.36), 0.04, _shade(c, -0.2))
    for x, y in ((0.39, 0.2), (0.47, 0.2), (0.39, 0.29)):
        d.ellipse(_u(x - 0.032, y - 0.032, x + 0.032, y + 0.032), fill=(30, 30, 34))
        d.ellipse(_u(x - 0.015, y - 0.015, x + 0.015, y + 0.015), fill=(80, 90, 110))
    if rng.random() < 0.5:  # a logo ring, or a MagSafe circle
        d.ellipse(_u(0.42, 0.5, 0.58, 0.66), outline=_edge(c), width=int(_S * 0.01))


def cable(d: Draw, c: RGB, rng: random.Random) -> None:
    phase, turns = rng.uniform(0, math.tau), rng.uniform(1.0, 1.8)
    pts = [
        (_S * (0.2 + 0.6 * t), _S * (0.5 + 0.2 * math.sin(t * math.tau * turns + phase)))
        for t in (i / 59 for i in range(60))
    ]
    d.line(pts, fill=c, width=int(_S * 0.03), joint="curve")
    d.line(pts, fill=_edge(c), width=int(_S * 0.006))
    for (x, y), side in ((pts[0], -1), (pts[-1], 1)):
        x0 = x / _S
        y0 = y / _S
        _rr(d, (min(x0, x0 + side * 0.1), y0 - 0.04, max(x0, x0 + side * 0.1), y0 + 0.04), 0.02, c)
        tip = x0 + side * 0.1
        _rr(d, (min(tip, tip + side * 0.06), y0 - 0.025, max(tip, tip + side * 0.06), y0 + 0.025),
            0.01, (196, 198, 204))  # fmt: skip


def charger(d: Draw, c: RGB, rng: random.Random, style: int = -1) -> None:
    style = rng.randrange(2) if style < 0 else style
    if style == 1:  # a wireless pad
        d.ellipse(_u(0.2, 0.3, 0.8, 0.75), fill=_shade(c, -0.15))
        d.ellipse(_u(0.2, 0.25, 0.8, 0.7), fill=c, outline=_edge(c), width=int(_S * 0.008))
        d.ellipse(_u(0.44, 0.42, 0.56, 0.53), outline=_edge(c), width=int(_S * 0.01))
        return
    for x in (0.42, 0.54):
        _rr(d, (x, 0.12, x + 0.04, 0.3), 0.01, (190, 192, 198))
    _rr(d, (0.32, 0.28, 0.68, 0.72), 0.06, c, _edge(c))
    _rr(d, (0.44, 0.58, 0.56, 0.63), 0.01, (40, 40, 46))
    d.ellipse(_u(0.48, 0.36, 0.52, 0.4), fill=(90, 200, 120))


def earphones(d: Draw, c: RGB, rng: random.Random, style: int = -1) -> None:
    style = rng.randrange(2) if style < 0 else style
    if style == 1:  # over-ear headphones
        d.arc(_u(0.22, 0.12, 0.78, 0.72), 180, 360, fill=c, width=int(_S * 0.05))
        for x in (0.16, 0.68):
            _rr(d, (x, 0.38, x + 0.16, 0.68), 0.07, c, _edge(c))
            _rr(d, (x + 0.03, 0.42, x + 0.13, 0.64), 0.05, _shade(c, -0.25))
        return
    _rr(d, (0.28, 0.5, 0.72, 0.82), 0.1, _shade(c, 0.1), _edge(c))  # the case
    d.line(_u(0.28, 0.6, 0.72, 0.6), fill=_edge(c), width=int(_S * 0.006))
    for x, tilt in ((0.34, -1), (0.58, 1)):
        d.ellipse(_u(x, 0.2, x + 0.13, 0.34), fill=c, outline=_edge(c), width=int(_S * 0.006))
        d.ellipse(_u(x + 0.03, 0.24, x + 0.08, 0.29), fill=_shade(c, -0.3))
        stem = x + 0.065 + tilt * 0.02
        d.line(_u(stem, 0.32, stem + tilt * 0.03, 0.46), fill=c, width=int(_S * 0.035))


def speaker(d: Draw, c: RGB, rng: random.Random, style: int = -1) -> None:
    style = rng.randrange(2) if style < 0 else style
    if style == 1:  # a soundbar
        _rr(d, (0.08, 0.42, 0.92, 0.6), 0.06, c, _edge(c))
        for i in range(14):
            x = 0.16 + i * 0.05
            d.ellipse(_u(x, 0.49, x + 0.02, 0.51), fill=_edge(c))
        return
    _rr(d, (0.26, 0.18, 0.74, 0.84), 0.16, c, _edge(c))
    d.ellipse(_u(0.32, 0.34, 0.68, 0.7), fill=_shade(c, -0.3))
    d.ellipse(_u(0.42, 0.44, 0.58, 0.6), fill=_shade(c, -0.5))
    for i in range(3):
        d.ellipse(_u(0.42 + i * 0.06, 0.23, 0.45 + i * 0.06, 0.26), fill=_edge(c))


def tshirt(d: Draw, c: RGB, rng: random.Random, sleeve: float = 0.0, hood: bool = False) -> None:
    s = sleeve
    body = [
        (0.36, 0.16), (0.44, 0.16), (0.5, 0.22), (0.56, 0.16), (0.64, 0.16),
        (0.86, 0.3 + s * 0.1), (0.8 + s * 0.06, 0.42 + s * 0.4), (0.7, 0.36),
        (0.7, 0.86), (0.3, 0.86), (0.3, 0.36), (0.2 - s * 0.06, 0.42 + s * 0.4),
        (0.14, 0.3 + s * 0.1),
    ]  # fmt: skip
    d.polygon([(x * _S, y * _S) for x, y in body], fill=c, outline=_edge(c), width=int(_S * 0.006))
    if hood:
        d.chord(_u(0.38, 0.06, 0.62, 0.3), 180, 360, fill=_shade(c, -0.15))
        d.line(_u(0.47, 0.24, 0.46, 0.42), fill=_edge(c), width=int(_S * 0.008))
        d.line(_u(0.53, 0.24, 0.54, 0.42), fill=_edge(c), width=int(_S * 0.008))
        _rr(d, (0.38, 0.6, 0.62, 0.74), 0.03, _shade(c, -0.1))
    else:
        d.arc(_u(0.43, 0.1, 0.57, 0.26), 20, 160, fill=_edge(c), width=int(_S * 0.01))
        if rng.random() < 0.5:  # a print
            d.ellipse(_u(0.42, 0.42, 0.58, 0.58), fill=_shade(c, 0.45 if sum(c) < 380 else -0.4))


def sweater(d: Draw, c: RGB, rng: random.Random) -> None:
    tshirt(d, c, rng, sleeve=1.0, hood=rng.random() < 0.6)


def dress(d: Draw, c: RGB, rng: random.Random) -> None:
    d.polygon(
        [(x * _S, y * _S) for x, y in ((0.4, 0.14), (0.6, 0.14), (0.58, 0.42), (0.42, 0.42))],
        fill=c,
    )
    hem = [(0.22 + 0.56 * i / 8, 0.88 + (0.02 if i % 2 else 0)) for i in range(9)]
    skirt = [(0.42, 0.42), (0.58, 0.42), *reversed(hem)]
    d.polygon(_u(*(v for xy in skirt for v in xy)), fill=c, outline=_edge(c), width=int(_S * 0.006))
    d.line(_u(0.42, 0.14, 0.4, 0.06), fill=_edge(c), width=int(_S * 0.01))
    d.line(_u(0.58, 0.14, 0.6, 0.06), fill=_edge(c), width=int(_S * 0.01))
    _rr(d, (0.41, 0.4, 0.59, 0.45), 0.01, _shade(c, -0.3))
    if rng.random() < 0.6:  # flowers
        for _ in range(7):
            x, y = rng.uniform(0.33, 0.66), rng.uniform(0.5, 0.82)
            d.ellipse(_u(x - 0.018, y - 0.018, x + 0.018, y + 0.018), fill=_shade(c, 0.55))


def trousers(d: Draw, c: RGB, rng: random.Random) -> None:
    wide = rng.uniform(0.0, 0.06)
    left = [(0.32, 0.12), (0.5, 0.12), (0.49, 0.34), (0.46, 0.9), (0.3 - wide, 0.9)]
    right = [(0.5, 0.12), (0.68, 0.12), (0.7 + wide, 0.9), (0.54, 0.9), (0.51, 0.34)]
    for leg in (left, right):
        d.polygon(
            [(x * _S, y * _S) for x, y in leg], fill=c, outline=_edge(c), width=int(_S * 0.006)
        )
    _rr(d, (0.31, 0.1, 0.69, 0.16), 0.01, _shade(c, -0.2))
    d.line(_u(0.5, 0.16, 0.5, 0.3), fill=_edge(c), width=int(_S * 0.006))


def plush(d: Draw, c: RGB, rng: random.Random) -> None:
    for x in (0.3, 0.62):
        d.ellipse(_u(x, 0.12, x + 0.1, 0.22), fill=c, outline=_edge(c), width=int(_S * 0.006))
    d.ellipse(_u(0.28, 0.5, 0.72, 0.9), fill=c, outline=_edge(c), width=int(_S * 0.006))
    d.ellipse(_u(0.3, 0.15, 0.7, 0.55), fill=c, outline=_edge(c), width=int(_S * 0.006))
    d.ellipse(_u(0.4, 0.34, 0.6, 0.5), fill=_shade(c, 0.5))
    for x in (0.4, 0.56):
        d.ellipse(_u(x, 0.28, x + 0.04, 0.32), fill=(30, 30, 30))
    d.ellipse(_u(0.47, 0.37, 0.53, 0.41), fill=(40, 30, 30))
    d.ellipse(_u(0.4, 0.6, 0.6, 0.82), fill=_shade(c, 0.4))


def doll(d: Draw, c: RGB, rng: random.Random) -> None:
    skin = rng.choice(((240, 200, 170), (200, 150, 110), (150, 100, 70)))
    d.ellipse(_u(0.38, 0.06, 0.62, 0.3), fill=(70, 40, 30))
    d.ellipse(_u(0.41, 0.1, 0.59, 0.3), fill=skin)
    body = _u(0.42, 0.32, 0.58, 0.32, 0.68, 0.72, 0.32, 0.72)
    d.polygon(body, fill=c, outline=_edge(c), width=int(_S * 0.006))
    for x in (0.44, 0.52):
        _rr(d, (x, 0.72, x + 0.04, 0.92), 0.02, skin)
    for x in (0.34, 0.62):
        _rr(d, (x, 0.34, x + 0.04, 0.56), 0.02, skin)


def figure(d: Draw, c: RGB, rng: random.Random) -> None:
    _rr(d, (0.4, 0.08, 0.6, 0.26), 0.04, _shade(c, 0.3), _edge(c))
    _rr(d, (0.44, 0.14, 0.56, 0.18), 0.01, (250, 220, 60))
    _rr(d, (0.34, 0.28, 0.66, 0.58), 0.05, c, _edge(c))
    _rr(d, (0.22, 0.3, 0.32, 0.56), 0.04, c, _edge(c))
    _rr(d, (0.68, 0.3, 0.78, 0.56), 0.04, c, _edge(c))
    _rr(d, (0.37, 0.6, 0.48, 0.9), 0.03, _shade(c, -0.3))
    _rr(d, (0.52, 0.6, 0.63, 0.9), 0.03, _shade(c, -0.3))
    d.ellipse(_u(0.45, 0.36, 0.55, 0.46), fill=(250, 220, 60))


def blocks(d: Draw, c: RGB, rng: random.Random) -> None:
    palette = [c, _shade(c, 0.4), (250, 200, 40), (60, 140, 220), (220, 60, 60)]
    magnetic = rng.random() < 0.3
    for row in range(3):
        for col in range(3 - row):
            x = 0.18 + col * 0.22 + row * 0.11
            y = 0.66 - row * 0.2
            fill = palette[(row * 3 + col + rng.randrange(5)) % 5]
            if magnetic:
                d.polygon(_u(x, y + 0.18, x + 0.2, y + 0.18, x + 0.1, y), fill=fill,
                          outline=(255, 255, 255), width=int(_S * 0.008))  # fmt: skip
                continue
            _rr(d, (x, y, x + 0.2, y + 0.17), 0.01, fill, _edge(fill))
            for k in range(2):
                sx = x + 0.03 + k * 0.09
                _rr(d, (sx, y - 0.03, sx + 0.06, y + 0.01), 0.01, _shade(fill, -0.1))


def board_game(d: Draw, c: RGB, rng: random.Random, style: int = -1) -> None:
    style = rng.randrange(3) if style < 0 else style
    if style == 0:  # a chess board
        _rr(d, (0.16, 0.16, 0.84, 0.84), 0.02, _edge(c))
        step = 0.64 / 8
        for i in range(8):
            for j in range(8):
                fill = c if (i + j) % 2 else (240, 236, 224)
                x, y = 0.18 + i * step, 0.18 + j * step
                d.rectangle(_u(x, y, x + step, y + step), fill=fill)
        return
    if style == 1:  # fanned cards
        for i in range(5):
            layer = Image.new("RGBA", (_S, _S))
            ld = ImageDraw.Draw(layer)
            _rr(ld, (0.4, 0.2, 0.6, 0.62), 0.02, (250, 250, 250), _edge(c))
            _rr(ld, (0.42, 0.22, 0.58, 0.6), 0.015, c)
            layer = layer.rotate(-40 + i * 20, center=(_S * 0.5, _S * 0.75))
            d._image.alpha_composite(layer)  # type: ignore[attr-defined]
        return
    _rr(d, (0.14, 0.26, 0.86, 0.78), 0.03, c, _edge(c))  # a boxed board game
    _rr(d, (0.2, 0.32, 0.8, 0.72), 0.02, _shade(c, 0.5))
    for i in range(6):
        d.ellipse(_u(0.26 + i * 0.09, 0.44, 0.32 + i * 0.09, 0.5), fill=_shade(c, -0.2))
    _rr(d, (0.62, 0.56, 0.74, 0.68), 0.02, (255, 255, 255), (60, 60, 60))
    for x, y in ((0.65, 0.59), (0.7, 0.64)):
        d.ellipse(_u(x - 0.01, y - 0.01, x + 0.01, y + 0.01), fill=(30, 30, 30))


def mug(d: Draw, c: RGB, rng: random.Random, style: int = -1) -> None:
    style = rng.randrange(3) if style < 0 else style
    if style == 0:
        d.ellipse(_u(0.6, 0.38, 0.82, 0.66), outline=c, width=int(_S * 0.04))
        _rr(d, (0.24, 0.28, 0.66, 0.8), 0.05, c, _edge(c))
        d.ellipse(_u(0.24, 0.24, 0.66, 0.33), fill=_shade(c, -0.3), outline=_edge(c))
    elif style == 1:  # plates
        for i, y in enumerate((0.6, 0.52, 0.44)):
            d.ellipse(_u(0.14, y, 0.86, y + 0.26), fill=_shade(c, 0.1 * i), outline=_edge(c),
                      width=int(_S * 0.006))  # fmt: skip
        d.ellipse(_u(0.28, 0.48, 0.72, 0.66), outline=_shade(c, -0.2), width=int(_S * 0.008))
    else:  # a bowl
        d.chord(_u(0.16, 0.2, 0.84, 0.82), 0, 180, fill=c, outline=_edge(c), width=int(_S * 0.006))
        d.ellipse(_u(0.16, 0.44, 0.84, 0.58), fill=_shade(c, 0.45), outline=_edge(c))


def kitchen(d: Draw, c: RGB, rng: random.Random, style: int = -1) -> None:
    style = rng.randrange(3) if style < 0 else style
    if style == 0:  # a flask
        _rr(d, (0.38, 0.1, 0.62, 0.2), 0.03, _shade(c, -0.3))
        _rr(d, (0.34, 0.18, 0.66, 0.88), 0.1, c, _edge(c))
        d.rectangle(_u(0.4, 0.3, 0.44, 0.78), fill=_shade(c, 0.3))
    elif style == 1:  # utensils
        for i, x in enumerate((0.3, 0.46, 0.62)):
            _rr(d, (x + 0.02, 0.36, x + 0.06, 0.9), 0.02, c)
            if i == 0:
                d.ellipse(_u(x - 0.02, 0.1, x + 0.1, 0.38), fill=c, outline=_edge(c))
            elif i == 1:
                _rr(d, (x - 0.02, 0.12, x + 0.1, 0.38), 0.03, c, _edge(c))
            else:
                for k in range(4):
                    _rr(d, (x - 0.01 + k * 0.03, 0.12, x + 0.01 + k * 0.03, 0.38), 0.01, c)
    else:  # a lunch box
        _rr(d, (0.16, 0.36, 0.84, 0.78), 0.05, _shade(c, 0.5), _edge(c))
        _rr(d, (0.14, 0.28, 0.86, 0.4), 0.04, c, _edge(c))
        for x in (0.2, 0.74):
            _rr(d, (x, 0.34, x + 0.06, 0.46), 0.01, _shade(c, -0.3))


def storage(d: Draw, c: RGB, rng: random.Random, style: int = -1) -> None:
    style = rng.randrange(3) if style < 0 else style
    if style == 0:  # a box with a lid
        _rr(d, (0.18, 0.36, 0.82, 0.84), 0.03, c, _edge(c))
        _rr(d, (0.15, 0.28, 0.85, 0.38), 0.02, _shade(c, -0.15), _edge(c))
        _rr(d, (0.42, 0.52, 0.58, 0.58), 0.02, _shade(c, -0.3))
    elif style == 1:  # a drawer organiser, seen from above
        _rr(d, (0.14, 0.2, 0.86, 0.8), 0.03, c, _edge(c))
        for x0, y0, x1, y1 in ((0.18, 0.24, 0.48, 0.5), (0.52, 0.24, 0.82, 0.5),
                               (0.18, 0.54, 0.36, 0.76), (0.4, 0.54, 0.82, 0.76)):  # fmt: skip
            _rr(d, (x0, y0, x1, y1), 0.02, _shade(c, 0.35))
    else:  # a woven basket
        d.polygon(_u(0.16, 0.3, 0.84, 0.3, 0.74, 0.84, 0.26, 0.84), fill=c, outline=_edge(c))
        for i in range(1, 6):
            y = 0.3 + i * 0.09
            d.line(
                _u(0.16 + i * 0.017, y, 0.84 - i * 0.017, y), fill=_edge(c), width=int(_S * 0.005)
            )
        d.arc(_u(0.36, 0.14, 0.64, 0.42), 180, 360, fill=_edge(c), width=int(_S * 0.02))


def lipstick(d: Draw, c: RGB, rng: random.Random) -> None:
    metal = rng.choice(((212, 175, 55), (30, 30, 34), (200, 200, 206)))
    d.polygon(_u(0.42, 0.36, 0.58, 0.36, 0.58, 0.22, 0.42, 0.14), fill=c)
    _rr(d, (0.4, 0.34, 0.6, 0.46), 0.01, _shade(metal, 0.2))
    _rr(d, (0.38, 0.44, 0.62, 0.86), 0.02, metal, _edge(metal))
    d.rectangle(_u(0.42, 0.48, 0.45, 0.82), fill=_shade(metal, 0.4))


def palette(d: Draw, c: RGB, rng: random.Random) -> None:
    _rr(d, (0.14, 0.22, 0.86, 0.78), 0.04, (36, 36, 40))
    for i in range(3):
        for j in range(2):
            x, y = 0.2 + i * 0.22, 0.28 + j * 0.24
            tone = _shade(c, (i + j * 3) * 0.1 - 0.2)
            d.ellipse(_u(x, y, x + 0.16, y + 0.2), fill=tone)


def bottle(d: Draw, c: RGB, rng: random.Random, cap: str = "round") -> None:
    if cap == "dropper":
        d.ellipse(_u(0.44, 0.08, 0.56, 0.2), fill=(40, 40, 40))
        _rr(d, (0.42, 0.18, 0.58, 0.3), 0.01, (200, 170, 90))
    elif cap == "wand":
        _rr(d, (0.45, 0.06, 0.55, 0.42), 0.03, (30, 30, 34))
    else:
        _rr(d, (0.42, 0.14, 0.58, 0.32), 0.02, (30, 30, 34))
    _rr(d, (0.32 if cap != "wand" else 0.43, 0.3, 0.68 if cap != "wand" else 0.57, 0.86),
        0.05, c, _edge(c))  # fmt: skip
    if cap != "wand":
        _rr(d, (0.37, 0.5, 0.63, 0.68), 0.01, (250, 250, 248))
        d.line(_u(0.41, 0.56, 0.59, 0.56), fill=(120, 120, 120), width=int(_S * 0.006))
        d.line(_u(0.41, 0.61, 0.54, 0.61), fill=(160, 160, 160), width=int(_S * 0.006))


def jar(d: Draw, c: RGB, rng: random.Random) -> None:
    _rr(d, (0.22, 0.4, 0.78, 0.78), 0.06, _shade(c, 0.5), _edge(c))
    _rr(d, (0.2, 0.3, 0.8, 0.42), 0.03, c, _edge(c))
    d.line(_u(0.3, 0.58, 0.7, 0.58), fill=_edge(c), width=int(_S * 0.008))


def masks(d: Draw, c: RGB, rng: random.Random) -> None:
    for i in range(3):
        x = 0.16 + i * 0.12
        y = 0.2 + i * 0.06
        _rr(d, (x, y, x + 0.44, y + 0.56), 0.02, _shade(c, 0.1 * i), _edge(c))
        d.ellipse(_u(x + 0.12, y + 0.14, x + 0.32, y + 0.38), fill=_shade(c, 0.6))


def manicure(d: Draw, c: RGB, rng: random.Random) -> None:
    _rr(d, (0.16, 0.24, 0.84, 0.8), 0.05, c, _edge(c))
    _rr(d, (0.2, 0.28, 0.8, 0.76), 0.04, _shade(c, 0.55))
    for i in range(5):
        x = 0.26 + i * 0.11
        _rr(d, (x, 0.34, x + 0.04, 0.7), 0.02, (190, 192, 200))


# The drawer for each kind the seed writes (data/categories.json, English kind names).
KIND_DRAWERS: dict[str, Drawer] = {
    "Silicone phone case": phone_case,
    "Shockproof phone case": phone_case,
    "Clear phone case": phone_case,
    "Leather wallet case": phone_case,
    "MagSafe magnetic case": phone_case,
    "USB-C to USB-C cable": cable,
    "USB-C fast charging cable": cable,
    "Lightning cable": cable,
    "3-in-1 charging cable": cable,
    "USB-C wall charger": partial(charger, style=0),
    "GaN fast charger": partial(charger, style=0),
    "Car charger": partial(charger, style=0),
    "Wireless charger": partial(charger, style=1),
    "Bluetooth earphones": partial(earphones, style=0),
    "TWS wireless earbuds": partial(earphones, style=0),
    "Sport bluetooth earphones": partial(earphones, style=0),
    "Bluetooth headphones": partial(earphones, style=1),
    "Bone conduction headphones": partial(earphones, style=1),
    "Portable bluetooth speaker": partial(speaker, style=0),
    "Mini bluetooth speaker": partial(speaker, style=0),
    "Soundbar": partial(speaker, style=1),
    "Basic T-shirt": tshirt,
    "Oversized T-shirt": tshirt,
    "Graphic T-shirt": tshirt,
    "Hoodie": sweater,
    "Knit sweater": sweater,
    "Cardigan": sweater,
    "Midi dress": dress,
    "Floral dress": dress,
    "Party dress": dress,
    "Denim jeans": trousers,
    "Cargo trousers": trousers,
    "Wide-leg trousers": trousers,
    "Plush toy": plush,
    "Fashion doll": doll,
    "Action figure": figure,
    "Building blocks set": blocks,
    "Magnetic tiles set": blocks,
    "Family board game": partial(board_game, style=2),
    "Card game": partial(board_game, style=1),
    "Magnetic chess set": partial(board_game, style=0),
    "Ceramic mug": partial(mug, style=0),
    "Dinner plate set": partial(mug, style=1),
    "Cereal bowl": partial(mug, style=2),
    "Stainless steel flask": partial(kitchen, style=0),
    "Cooking utensil set": partial(kitchen, style=1),
    "Airtight lunch box": partial(kitchen, style=2),
    "Storage box": partial(storage, style=0),
    "Drawer organiser": partial(storage, style=1),
    "Foldable basket": partial(storage, style=2),
    "Matte lipstick": lipstick,
    "Eyeshadow palette": palette,
    "Liquid foundation": bottle,
    "Mascara": lambda d, c, rng: bottle(d, c, rng, cap="wand"),
    "Gel nail polish": bottle,
    "Manicure kit": manicure,
    "Face serum": lambda d, c, rng: bottle(d, c, rng, cap="dropper"),
    "Moisturising cream": jar,
    "Sheet masks": masks,
}


def drawer_for(kind: str) -> Drawer:
    """The drawer of a kind by its English name; a parcel-like box for a kind not listed."""
    return KIND_DRAWERS.get(kind, storage)


# -- backgrounds and composition -----------------------------------------------------------


def _pastel(rng: random.Random, avoid: RGB) -> RGB:
    h0 = colorsys.rgb_to_hls(*(v / 255 for v in avoid))[0]
    h = (h0 + rng.uniform(0.25, 0.75)) % 1.0  # away from the product's hue
    r, g, b = colorsys.hls_to_rgb(h, rng.uniform(0.86, 0.94), rng.uniform(0.25, 0.6))
    return int(r * 255), int(g * 255), int(b * 255)


def _background(rng: random.Random, colour: RGB) -> Image.Image:
    a, b = _pastel(rng, colour), _pastel(rng, colour)
    style = rng.randrange(4)
    if style == 0:  # a vertical gradient, as a studio sweep
        grad = Image.linear_gradient("L").resize((_S, _S), Image.NEAREST)
        img = Image.merge(
            "RGB", [grad.point(lambda v, i=i: a[i] + (b[i] - a[i]) * v // 255) for i in range(3)]
        )
    else:
        img = Image.new("RGB", (_S, _S), a)
        d = ImageDraw.Draw(img)
        if style == 1:  # a table top
            d.rectangle(_u(0, rng.uniform(0.6, 0.75), 1, 1), fill=b)
        elif style == 2:  # a disc behind the product
            r = rng.uniform(0.32, 0.45)
            cx, cy = rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6)
            d.ellipse(_u(cx - r, cy - r, cx + r, cy + r), fill=b)
        else:  # confetti dots
            for _ in range(18):
                x, y, r = rng.random(), rng.random(), rng.uniform(0.01, 0.03)
                d.ellipse(_u(x - r, y - r, x + r, y + r), fill=b)
    return img


def draw(kind: str, colour: RGB, rng: random.Random, *, detail: bool = False) -> Image.Image:
    """One SIDE x SIDE RGB picture of `kind` in `colour`. `detail` draws a close-up (the
    product bigger, off-centre) for a second picture, where the first is the whole product."""
    canvas = _background(rng, colour)
    layer = Image.new("RGBA", (_S, _S))
    drawer_for(kind)(ImageDraw.Draw(layer), colour, random.Random(rng.random()))
    angle = math.radians(rng.uniform(-18, 18))
    scale = rng.uniform(1.25, 1.5) if detail else rng.uniform(0.78, 0.95)
    dx, dy = _S * rng.uniform(-0.06, 0.06), _S * rng.uniform(-0.04, 0.06)
    # One affine map (rotation, scale, offset about the centre): output pixel -> layer pixel.
    cos, sin, h = math.cos(angle) / scale, math.sin(angle) / scale, _S / 2
    a, b, d_, e = cos, sin, -sin, cos
    c = h - a * (h + dx) - b * (h + dy)
    f = h - d_ * (h + dx) - e * (h + dy)
    obj = layer.transform((_S, _S), Image.AFFINE, (a, b, c, d_, e, f), resample=Image.NEAREST)
    if not detail:  # a floor shadow
        floor = ImageDraw.Draw(canvas, "RGBA")
        cy = h + dy + _S * 0.4 * scale
        floor.ellipse((h + dx - _S * 0.3 * scale, cy - _S * 0.035, h + dx + _S * 0.3 * scale,
                       cy + _S * 0.035), fill=(0, 0, 0, 34))  # fmt: skip
    canvas.paste(obj, (0, 0), obj)
    return canvas.reduce(2)
