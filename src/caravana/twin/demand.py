"""Orders a day per country: weekly shape, month shape, sale days and the Chinese New Year.

Pure date arithmetic over params.py; the model multiplies --parcels-per-day (a mean day) by it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from . import params as P


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based) `weekday` (Monday 0) of a month."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def sale_start(name: str, year: int) -> dt.date:
    """First day of a sale event in a year, by the rule the event follows."""
    if name == "11.11":
        return dt.date(year, 11, 11)
    if name == "black-friday":  # Thursday before the Friday after the 4th Thursday of November
        return _nth_weekday(year, 11, 3, 4)
    if name == "buen-fin":  # Thursday before the 3rd Monday of November, to that Monday
        return _nth_weekday(year, 11, 0, 3) - dt.timedelta(days=4)
    if name == "hot-sale":  # the last Monday of May, for nine days
        return _last_weekday(year, 5, 0)
    if name == "cyberday":
        return _nth_weekday(year, 6, 0, 1)
    if name == "cyber-monday":
        return _nth_weekday(year, 10, 0, 1)
    raise ValueError(f"unknown sale event {name!r}")


@cache
def sales_on(day: dt.date, country: str) -> tuple[str, ...]:
    """The sale events running on `day` in `country`."""
    names = []
    for sale in P.SALES:
        if country not in sale.countries:
            continue
        start = sale_start(sale.name, day.year)
        if start <= day < start + dt.timedelta(days=sale.days):
            names.append(sale.name)
    return tuple(names)


def factor(day: dt.date, country: str) -> float:
    """Orders on `day` in `country` as a multiple of a mean day (before the daily noise)."""
    weekday = P.WEEKDAY[day.weekday()] / (sum(P.WEEKDAY) / 7)
    value = weekday * P.MONTH[day.month - 1] / (sum(P.MONTH) / 12)
    for sale in P.SALES:
        if sale.name in sales_on(day, country):
            value *= sale.factor
    cny = P.CHINESE_NEW_YEAR.get(day.year)
    if cny is not None and cny <= day < cny + dt.timedelta(days=P.CNY_DAYS):
        value *= P.CNY_FACTOR
    return value
