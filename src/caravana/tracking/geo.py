"""Places and the route map, with no database and no tile server.

Airports (hubs feed one, gateways are one) come from airportsdata: name, city, coordinates and
IANA time zone. A buyer's city comes from its market's table of capitals and large cities
(caravana.markets, with its source); a city not in it is drawn at the gateway rather than
guessed.

The map is an inline SVG: great-circle legs sampled every few degrees, longitudes unwrapped so
a leg never jumps across the antimeridian, then an equirectangular projection fitted to the
route's bounding box, with a graticule for scale. No coastlines: the route, its stops and the
parcel's position say what a buyer needs.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airportsdata import Airport

from caravana.markets import market as markets


def _norm(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in ascii_only).split())


@lru_cache(maxsize=64)  # keyed on the Market object: a market registered later gets its own
def _city_index(market: markets.Market) -> dict[str, tuple[str, float, float]]:
    index = {_norm(name): (name, lat, lon) for name, (lat, lon) in market.cities.items()}
    for alias, name in market.city_aliases.items():
        if name in market.cities:
            lat, lon = market.cities[name]
            index[_norm(alias)] = (name, lat, lon)
    return index


def city(country: str, name: str) -> tuple[str, float, float] | None:
    """(name as in the market's table, lat, lon) of a destination city, or None when not in
    the table."""
    market = markets.get(country)
    if market is None:
        return None
    return _city_index(market).get(_norm(name or ""))


@cache
def _airports() -> dict[str, Airport]:
    import airportsdata

    return airportsdata.load("IATA")


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    latitude: float | None
    longitude: float | None
    tz: str


def airport(iata: str) -> Place | None:
    """An airport's name, coordinates and time zone from airportsdata, or None."""
    ap = _airports().get((iata or "").upper())
    if ap is None:
        return None
    return Place(iata.upper(), f"{ap['city']} ({iata.upper()})", ap["lat"], ap["lon"], ap["tz"])


# ---------------------------------------------------------------------------------------------
# Route map


@dataclass(frozen=True)
class Stop:
    label: str
    sublabel: str
    latitude: float
    longitude: float
    kind: str  # origin / gateway / destination


@dataclass
class MapPoint:
    label: str
    sublabel: str
    kind: str
    x: float
    y: float
    reached: bool
    anchor: str = "middle"  # SVG text-anchor of the labels
    dx: int = 0
    dy: int = -14  # the label above the point, the sublabel below
    sub_dy: int = 22


@dataclass(eq=False)  # compared and hashed by identity: cached_route_map hands out one per route
class RouteMap:
    width: int
    height: int
    path: str  # the SVG path "d" of the whole route
    done_path: str  # the part already travelled
    points: list[MapPoint] = field(default_factory=list)
    position: tuple[float, float] | None = None
    graticule: list[str] = field(default_factory=list)  # path "d"s


def _to_xyz(lat: float, lon: float) -> tuple[float, float, float]:
    la, lo = math.radians(lat), math.radians(lon)
    return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))


def great_circle(
    a: tuple[float, float], b: tuple[float, float], step_deg: float = 3.0
) -> list[tuple[float, float]]:
    """Points (lat, lon) along the great circle from a to b, about every `step_deg` degrees."""
    p, q = _to_xyz(*a), _to_xyz(*b)
    dot = max(-1.0, min(1.0, sum(x * y for x, y in zip(p, q, strict=True))))
    omega = math.acos(dot)
    if omega < 1e-9:
        return [a, b]
    n = max(2, int(math.degrees(omega) / step_deg) + 1)
    out = []
    for i in range(n + 1):
        t = i / n
        s1 = math.sin((1 - t) * omega) / math.sin(omega)
        s2 = math.sin(t * omega) / math.sin(omega)
        x, y, z = (s1 * u + s2 * v for u, v in zip(p, q, strict=True))
        out.append((math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))))
    return out


def _unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Make longitudes continuous (a leg crossing ±180° keeps going instead of jumping)."""
    out: list[tuple[float, float]] = []
    for lat, lon in points:
        if out:
            prev = out[-1][1]
            while lon - prev > 180:
                lon -= 360
            while lon - prev < -180:
                lon += 360
        out.append((lat, lon))
    return out


@lru_cache(maxsize=4096)  # bounded: an unknown city's name is part of the key
def cached_route_map(stops: tuple[Stop, ...], reached: int, progress: float) -> RouteMap:
    """route_map for the few routes there are (hubs × gateways × cities × positions), drawn
    once per process: pages only read the result."""
    return route_map(list(stops), reached, progress)


def route_map(
    stops: list[Stop],
    reached: int,
    progress: float = 0.0,
    width: int = 800,
    height: int = 400,
    pad: int = 48,
    pad_x: int = 120,
) -> RouteMap:
    """Project `stops` (origin → gateway → destination) into a width × height SVG box.

    `reached` is the index of the last stop the parcel has reached; `progress` (0–1) how far it
    is along the next leg. Equirectangular: x ∝ longitude, y ∝ −latitude, scaled uniformly to
    fit the route's bounding box, so shapes stay as on a plate carrée world map."""
    legs = [great_circle((a.latitude, a.longitude), (b.latitude, b.longitude)) for a, b in
            zip(stops, stops[1:], strict=False)]  # fmt: skip
    flat: list[tuple[float, float]] = [(stops[0].latitude, stops[0].longitude)]
    leg_bounds = [0]
    for leg in legs:
        flat.extend(leg[1:])
        leg_bounds.append(len(flat) - 1)
    flat = _unwrap(flat)
    lats = [p[0] for p in flat]
    lons = [p[1] for p in flat]
    lat0, lat1 = min(lats) - 5, max(lats) + 5
    lon0, lon1 = min(lons) - 5, max(lons) + 5
    # Wider margins left and right: labels of stops at the ends extend sideways.
    scale = min((width - 2 * pad_x) / max(lon1 - lon0, 1), (height - 2 * pad) / max(lat1 - lat0, 1))
    ox = (width - (lon1 - lon0) * scale) / 2
    oy = (height - (lat1 - lat0) * scale) / 2

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (round(ox + (lon - lon0) * scale, 1), round(oy + (lat1 - lat) * scale, 1))

    projected = [xy(lat, lon) for lat, lon in flat]

    def d(points: list[tuple[float, float]]) -> str:
        return "M" + " L".join(f"{x},{y}" for x, y in points) if points else ""

    reached = max(0, min(reached, len(stops) - 1))
    end = leg_bounds[reached]
    position = projected[end]
    if reached < len(stops) - 1 and progress > 0:
        a, b = leg_bounds[reached], leg_bounds[reached + 1]
        end = a + round(max(0.0, min(1.0, progress)) * (b - a))
        position = projected[end]
    rm = RouteMap(width, height, d(projected), d(projected[: end + 1]), position=position)
    for i, stop in enumerate(stops):
        x, y = projected[leg_bounds[i]]
        point = MapPoint(stop.label, stop.sublabel, stop.kind, x, y, i <= reached)
        if rm.points and math.dist((x, y), (rm.points[-1].x, rm.points[-1].y)) < 80:
            # Two stops close together (a gateway near the buyer's city): labels go left of
            # the earlier one and right of the later one instead of on top of each other.
            prev = rm.points[-1]
            left, right = (prev, point) if prev.x <= x else (point, prev)
            left.anchor, left.dx, left.dy, left.sub_dy = "end", -12, -2, 13
            right.anchor, right.dx, right.dy, right.sub_dy = "start", 12, -2, 13
        rm.points.append(point)
    # Graticule every 15° inside the box, for a sense of scale and direction.
    step = 15
    for lat in range(math.ceil(lat0 / step) * step, math.floor(lat1) + 1, step):
        (x0, y), (x1, _) = xy(lat, lon0), xy(lat, lon1)
        rm.graticule.append(f"M{x0},{y} L{x1},{y}")
    for lon in range(math.ceil(lon0 / step) * step, math.floor(lon1) + 1, step):
        (x, y0), (_, y1) = xy(lat1, lon), xy(lat0, lon)
        rm.graticule.append(f"M{x},{y0} L{x},{y1}")
    return rm
