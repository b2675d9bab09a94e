"""Carrier performance figures from counted buckets: pure, no Django, no database.

The SQL (tracking.carrier_queries) does the set-wise part over millions of events and returns
one row per (country, carrier, whole hours from handover to delivery) with how many parcels
fell there, how many of them were delivered at the first attempt and how many within their
promise. This module turns those rows into what an operator reads per country and carrier:

* **volume**: parcels delivered (their first EMI) in the period;
* **first attempt**: the share of them with no failed attempt (EMH) before that EMI;
* **days from handover to delivery**: median and 90th percentile, over the parcels whose
  handover is known (tracking.carrier_queries.handover_sql says how it is found);
* **within promise**: the share delivered on or before the last day the network promised
  (network.promise.window, counted from the label: carrier_queries says how).

Percentiles interpolate linearly between the two nearest parcels, as numpy's default and
``statistics.quantiles(method="inclusive")`` do, over durations kept to the whole hour: the
hour is the only rounding.

>>> rows = [Bucket("BR", 1, "Correios", 24, 2, 2, 2), Bucket("BR", 1, "Correios", 72, 2, 1, 1)]
>>> f = summarise(rows)[0]
>>> f.volume, f.first_attempt_share, f.median_days, f.p90_days
(4, 0.75, 2.0, 3.0)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bucket:
    """Delivered parcels of one carrier in one country that took `hours` (whole hours, rounded
    down) from handover to delivery; `hours` is None for those without a known handover."""

    country: str
    carrier_id: int | None
    carrier: str
    hours: int | None
    parcels: int
    first_attempt: int
    within_promise: int


@dataclass(frozen=True)
class Figures:
    """One carrier's (or a country's, `carrier_id` None) figures for the period."""

    country: str
    carrier_id: int | None
    carrier: str
    volume: int
    first_attempt: int
    within_promise: int
    timed: int  # parcels whose handover is known: the days figures are over these
    median_days: float | None
    p90_days: float | None

    @property
    def first_attempt_share(self) -> float | None:
        return share(self.first_attempt, self.volume)

    @property
    def within_promise_share(self) -> float | None:
        return share(self.within_promise, self.volume)

    @property
    def first_attempt_pct(self) -> int | None:
        return percent(self.first_attempt_share)

    @property
    def within_promise_pct(self) -> int | None:
        return percent(self.within_promise_share)


@dataclass(frozen=True)
class Country:
    """A country's carriers, busiest first, and the country's total over all of them."""

    code: str
    total: Figures
    carriers: list[Figures] = field(default_factory=list)


def share(part: int, whole: int) -> float | None:
    """part / whole, None when there is nothing to divide (no parcels: no figure, not 0 %)."""
    return part / whole if whole > 0 else None


def percent(value: float | None) -> int | None:
    """A share as a whole percent, rounded half up (0.995 → 100)."""
    return None if value is None else math.floor(value * 100 + 0.5)


def quantile(histogram: Sequence[tuple[int, int]], q: float) -> float | None:
    """The q-quantile (0 ≤ q ≤ 1) of values given as (value, how many) pairs, interpolated
    linearly between the two nearest values (numpy's default; statistics.quantiles with
    method="inclusive"). None for no values."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be between 0 and 1, not {q}")
    pairs = sorted((v, n) for v, n in histogram if n > 0)
    total = sum(n for _v, n in pairs)
    if total == 0:
        return None
    position = q * (total - 1)
    rank = int(position)

    def at(wanted: int) -> int:
        seen = 0
        for value, n in pairs:
            seen += n
            if wanted < seen:
                return value
        return pairs[-1][0]

    low, high = at(rank), at(min(rank + 1, total - 1))
    return low + (high - low) * (position - rank)


def days(hours: float | None) -> float | None:
    """Hours as days, to a tenth."""
    return None if hours is None else round(hours / 24, 1)


def _figures(country: str, carrier_id: int | None, carrier: str, rows: list[Bucket]) -> Figures:
    histogram = [(r.hours, r.parcels) for r in rows if r.hours is not None]
    return Figures(
        country=country,
        carrier_id=carrier_id,
        carrier=carrier,
        volume=sum(r.parcels for r in rows),
        first_attempt=sum(r.first_attempt for r in rows),
        within_promise=sum(r.within_promise for r in rows),
        timed=sum(n for _h, n in histogram),
        median_days=days(quantile(histogram, 0.5)),
        p90_days=days(quantile(histogram, 0.9)),
    )


def summarise(buckets: Iterable[Bucket]) -> list[Figures]:
    """Figures per (country, carrier), by country then busiest carrier first."""
    groups: dict[tuple[str, int | None], list[Bucket]] = defaultdict(list)
    for b in buckets:
        groups[(b.country, b.carrier_id)].append(b)
    out = [_figures(c, cid, rows[0].carrier, rows) for (c, cid), rows in groups.items()]
    return sorted(out, key=lambda f: (f.country, -f.volume, f.carrier))


def by_country(buckets: Iterable[Bucket], order: Sequence[str] = ()) -> list[Country]:
    """Each country's carriers and its total; countries in `order` first, then by code."""
    buckets = list(buckets)
    carriers = summarise(buckets)
    rank = {code: i for i, code in enumerate(order)}
    codes = sorted({b.country for b in buckets}, key=lambda c: (rank.get(c, len(rank)), c))
    return [
        Country(
            code,
            _figures(code, None, "", [b for b in buckets if b.country == code]),
            [f for f in carriers if f.country == code],
        )
        for code in codes
    ]


@dataclass(frozen=True)
class ChartRow:
    """One row of the comparison chart: a carrier (or a country) with its figures and the
    lengths of its days bars, the median's and the 90th percentile's, as a share of the bar's
    width (0–100) on one scale for every row, so rows compare."""

    label: str
    figures: Figures
    median_width: float
    p90_width: float


def chart_rows(rows: Iterable[tuple[str, Figures]]) -> tuple[list[ChartRow], float]:
    """The chart's rows in the given order, and its days scale's end (the longest 90th
    percentile, at least 1 day). A row without a days figure has bars of length 0.

    >>> a = Figures("BR", 1, "A", 3, 3, 3, 3, 2.0, 4.0)
    >>> rows, end = chart_rows([("A", a)])
    >>> end, rows[0].median_width, rows[0].p90_width
    (4.0, 50.0, 100.0)
    """
    rows = list(rows)
    end = max([f.p90_days or 0.0 for _l, f in rows] + [1.0])
    return [
        ChartRow(label, f, _width(f.median_days, end), _width(f.p90_days, end)) for label, f in rows
    ], end


def _width(value: float | None, end: float) -> float:
    return 0.0 if value is None else round(min(100.0, 100 * value / end), 1)
