"""Currency conversion over the FxRate table: the latest rate on or before a date, directly,
inverted, or through a pivot currency. A missing rate is an error, never a silent 1.0.

"The latest rate on or before the date" means exactly that (customs.md, FX): however old, the
rate is used and its date travels with it (a quote records it in `fx[].date`). An operator who
wants a look-back limit sets PRICING_FX_MAX_AGE_DAYS; a rate older than that is then refused
with an error naming the pair and the rate's date, never skipped silently."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Subquery

from caravana.pricing.models import FxRate

MAX_HOPS = 3
_CACHE_SECONDS = 300


class MissingRate(LookupError):
    def __init__(self, base: str, quote: str, on: dt.date, detail: str = "") -> None:
        message = f"no FX rate {base}/{quote} on or before {on.isoformat()}"
        super().__init__(f"{message}{detail}")
        self.base, self.quote, self.on = base, quote, on


def max_age_days() -> int | None:
    """The operator's look-back limit in days (PRICING_FX_MAX_AGE_DAYS), or None: no limit."""
    value = getattr(settings, "PRICING_FX_MAX_AGE_DAYS", None)
    return None if value in (None, "") else int(value)


def _latest(on: dt.date) -> dict[tuple[str, str], tuple[Decimal, dt.date, str]]:
    """Latest rate per pair on or before `on`, however old: one query (a correlated subquery
    on the (base, quote, -date) index, so the rows read are one per pair, not the history),
    cached a few minutes per date."""
    key = f"fx:latest:{on.isoformat()}"
    found = cache.get(key)
    if found is not None:
        return found
    latest_date = (
        FxRate.objects.filter(base=OuterRef("base"), quote=OuterRef("quote"), date__lte=on)
        .order_by("-date")
        .values("date")[:1]
    )
    rows = FxRate.objects.filter(date=Subquery(latest_date)).values_list(
        "base", "quote", "rate", "date", "source"
    )
    found = {(base, quote): (value, when, source) for base, quote, value, when, source in rows}
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
    limit = max_age_days()
    if limit is not None and (on - found[1]).days > limit:
        raise MissingRate(
            base,
            quote,
            on,
            f" within {limit} days (PRICING_FX_MAX_AGE_DAYS): the latest is from "
            f"{found[1].isoformat()}",
        )
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
