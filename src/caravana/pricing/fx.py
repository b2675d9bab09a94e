"""Currency conversion over the FxRate table: the latest rate on or before a date, directly,
inverted, or through a pivot currency. A missing rate is an error, never a silent 1.0."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.cache import cache

from caravana.pricing.models import FxRate

PIVOTS = ("USD", "EUR")
_CACHE_SECONDS = 300


class MissingRate(LookupError):
    def __init__(self, base: str, quote: str, on: dt.date) -> None:
        super().__init__(f"no FX rate {base}/{quote} on or before {on.isoformat()}")
        self.base, self.quote, self.on = base, quote, on


def _latest(on: dt.date) -> dict[tuple[str, str], Decimal]:
    """Latest rate per pair on or before `on`: one query, cached a few minutes per date."""
    key = f"fx:latest:{on.isoformat()}"
    found = cache.get(key)
    if found is not None:
        return found
    found = {}
    rows = (
        FxRate.objects.filter(date__lte=on, date__gte=on - dt.timedelta(days=31))
        .order_by("base", "quote", "-date")
        .values_list("base", "quote", "rate")
    )
    for base, quote, rate in rows:
        found.setdefault((base, quote), rate)
    cache.set(key, found, _CACHE_SECONDS)
    return found


def invalidate() -> None:
    cache.clear()


def rate(base: str, quote: str, on: dt.date | None = None) -> Decimal:
    """Units of `quote` per unit of `base`."""
    on = on or dt.date.today()
    if base == quote:
        return Decimal(1)
    table = _latest(on)
    direct = _pair(table, base, quote)
    if direct is not None:
        return direct
    for pivot in PIVOTS:
        a, b = _pair(table, base, pivot), _pair(table, pivot, quote)
        if a is not None and b is not None:
            return a * b
    raise MissingRate(base, quote, on)


def _pair(table: dict[tuple[str, str], Decimal], base: str, quote: str) -> Decimal | None:
    if base == quote:
        return Decimal(1)
    if (base, quote) in table:
        return table[(base, quote)]
    if (quote, base) in table:
        return Decimal(1) / table[(quote, base)]
    return None


def rates_into(currency: str, sources: tuple[str, ...] = ("CNY", "USD"), on: dt.date | None = None
               ) -> tuple[tuple[str, Decimal], ...]:
    """How many `currency` one unit of each listing currency buys, for listings and filters."""
    return tuple((src, rate(src, currency, on)) for src in sources)
