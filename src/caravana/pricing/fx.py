"""Currency conversion over the FxRate table: the latest rate on or before a date, directly,
inverted, or through a pivot currency. A missing rate is an error, never a silent 1.0."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.cache import cache

from caravana.pricing.models import FxRate

MAX_HOPS = 3
_CACHE_SECONDS = 300


class MissingRate(LookupError):
    def __init__(self, base: str, quote: str, on: dt.date) -> None:
        super().__init__(f"no FX rate {base}/{quote} on or before {on.isoformat()}")
        self.base, self.quote, self.on = base, quote, on


def _latest(on: dt.date) -> dict[tuple[str, str], tuple[Decimal, dt.date, str]]:
    """Latest rate per pair on or before `on`: one query, cached a few minutes per date."""
    key = f"fx:latest:{on.isoformat()}"
    found = cache.get(key)
    if found is not None:
        return found
    found = {}
    rows = (
        FxRate.objects.filter(date__lte=on, date__gte=on - dt.timedelta(days=31))
        .order_by("base", "quote", "-date")
        .values_list("base", "quote", "rate", "date", "source")
    )
    for base, quote, value, when, source in rows:
        found.setdefault((base, quote), (value, when, source))
    cache.set(key, found, _CACHE_SECONDS)
    return found


def invalidate() -> None:
    cache.clear()


def rate(base: str, quote: str, on: dt.date | None = None) -> Decimal:
    """Units of `quote` per unit of `base`."""
    return rate_info(base, quote, on)[0]


def rate_info(base: str, quote: str, on: dt.date | None = None) -> tuple[Decimal, dt.date, str]:
    """The rate with the date of its oldest leg and its sources: a stored pair, its inverse, or
    the shortest chain through other currencies (ECB rates are per EUR, central banks' per
    USD). A quote records all three."""
    on = on or dt.date.today()
    if base == quote:
        return Decimal(1), on, "identity"
    found = _chain(_latest(on), base, quote)
    if found is None:
        raise MissingRate(base, quote, on)
    return found


Leg = tuple[Decimal, dt.date, str]


def _chain(table: dict[tuple[str, str], Leg], base: str, quote: str) -> Leg | None:
    edges: dict[str, list[tuple[str, Leg, bool]]] = {}
    for (a, b), leg in table.items():
        edges.setdefault(a, []).append((b, leg, False))
        edges.setdefault(b, []).append((a, leg, True))
    # Breadth-first, so a direct pair always wins over a chain.
    frontier: list[tuple[str, Decimal, dt.date, list[str]]] = [(base, Decimal(1), dt.date.max, [])]
    seen = {base}
    for _hop in range(MAX_HOPS):
        nxt = []
        for cur, acc, oldest, sources in frontier:
            for other, (r, when, source), inverted in edges.get(cur, ()):
                if other in seen:
                    continue
                value = acc / r if inverted else acc * r
                path = [*sources, source]
                if other == quote:
                    return value, min(oldest, when), " × ".join(dict.fromkeys(path))
                seen.add(other)
                nxt.append((other, value, min(oldest, when), path))
        frontier = nxt
    return None


def rates_into(
    currency: str, sources: tuple[str, ...] = ("CNY", "USD"), on: dt.date | None = None
) -> tuple[tuple[str, Decimal], ...]:
    """How many `currency` one unit of each listing currency buys, for listings and filters."""
    return tuple((src, rate(src, currency, on)) for src in sources)
