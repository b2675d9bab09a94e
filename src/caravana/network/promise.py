"""The delivery promise: pure date arithmetic and its wording, no database, no Django.

What the network promises a buyer is decided here and read everywhere (cards, product page,
checkout, the order): the earliest and latest delivery dates for a service level, counted in
whole calendar days from the buyer's "today".

    earliest = today + handling days + the service level's transit_min_days
    latest   = today + handling days + the service level's transit_max_days

* "today" is the order moment's date in the destination's time zone (its market's time_zone): a
  buyer in São Paulo ordering at 23:00 orders "today", although it is tomorrow in UTC.
* Handling days are the merchant's time to hand the parcel to a hub. network-twin.md (§2,
  source [30]: freightcourse.com/aliexpress-processing-time, chinaparcel.net/en/posts/87) gives
  1–5 days typically, with a median handover of about 2 days: PROMISE_HANDLING_DAYS, default 2.
* The service level (ServiceLevel.transit_min_days / transit_max_days, edited by operators in
  the admin) is the one figure the buyer is promised. A Lane's transit_target_days is not used:
  which lane carries a parcel depends on the hub the merchant drops it at, unknown when the
  buyer orders; the lane's target is the network's own deadline counted from the label
  (tracking.eta.promised_date), which the seed sets to the level's maximum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval

#: A CLDR locale whose day-range pattern is wrong, and the one written instead. CLDR's es_AR
#: "MMMd" interval for two days of one month is "dd – dd 'de' MM": "09 – 12 de 12"; Latin
#: American Spanish (es_419) writes "9 – 12 de dic".
_DATE_LOCALE = {"es_AR": "es_419"}


@dataclass(frozen=True)
class Window:
    """The first and the last day the parcel may arrive, both included."""

    earliest: dt.date
    latest: dt.date

    @property
    def iso(self) -> str:
        """For machines (data attributes, tests): 2026-12-09/2026-12-12 (ISO 8601 interval)."""
        return f"{self.earliest.isoformat()}/{self.latest.isoformat()}"


def window(
    at: dt.datetime,
    tz: dt.tzinfo,
    transit_min_days: int,
    transit_max_days: int,
    handling_days: int = 0,
) -> Window:
    """The promise for an order placed at `at` (aware) by a buyer whose "today" is in `tz`."""
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    if not 0 <= transit_min_days <= transit_max_days:
        raise ValueError(f"transit days {transit_min_days}–{transit_max_days} are not a range")
    if handling_days < 0:
        raise ValueError("handling days cannot be negative")
    today = at.astimezone(tz).date()
    return Window(
        today + dt.timedelta(days=handling_days + transit_min_days),
        today + dt.timedelta(days=handling_days + transit_max_days),
    )


def format_window(w: Window, locale: str) -> str:
    """The dates as a reader of `locale` writes a range of days: "Dec 9 – 12" (en),
    "9 – 12 de dez." (pt_BR), "9–12 de dic" (es_MX); months named, years left out."""
    return format_interval(w.earliest, w.latest, "MMMd", locale=_locale(locale))


@cache
def _locale(name: str) -> Locale:
    """The locale to write dates in: `name` ("pt_BR"), else its language ("en"), else English."""
    name = _DATE_LOCALE.get(name, name).replace("-", "_")
    for candidate in (name, name.split("_")[0]):
        try:
            return Locale.parse(candidate)
        except (ValueError, UnknownLocaleError):
            continue
    return Locale("en")
