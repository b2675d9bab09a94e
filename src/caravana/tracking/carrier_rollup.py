"""Carrier performance kept per day (decision 0023): the counts tracking.carrier_queries reads
from the events, stored once per closed UTC day in CarrierDayCount, so the operators' page sums
days for any period up to a year instead of probing every delivered parcel's journey.

* **Filling**: roll_day(D) runs carrier_queries' statement for [D, D+1) and replaces that
  day's rows (one transaction per day). The beat task (tasks.roll_up_carrier_days, hourly)
  rolls the last REFRESH_DAYS closed days again, so late or resent events of a recent day are
  counted, up to CATCH_UP_DAYS days of the last year never rolled, and today up to its last
  whole hour; the management command ``roll_up_carrier_days`` backfills or corrects any range.
* **Reading**: bucket_rows(start, end) sums the rolled days of the period in one grouped
  statement and reads the rest of it live from the events: what today had since its last
  rolled hour, and any day not rolled yet. A whole busy day read live takes about 0.4 s on
  PostgreSQL (bench_carrier_stats.py), an hour of it a small part of that.

Why the sum of days equals the period's statement: the statement counts a parcel in the period
of its first EMI, leaving out one with an EMI in the JOURNEY_DAYS before the period; counted
per day (or part of today), a parcel falls on the day of its first EMI (an EMI earlier within
JOURNEY_DAYS leaves it out of the later day), and every probe of its journey is bounded by its
own delivery less JOURNEY_DAYS either way. The only difference: a parcel with two EMIs more
than JOURNEY_DAYS apart, both in the period, counts once in the statement and twice here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from caravana.network.models import Carrier
from caravana.tracking import carrier_queries
from caravana.tracking.carrier_figures import Bucket
from caravana.tracking.models import CarrierDayCount, CarrierDayRolled

#: Closed days rolled again on every run of the beat task: carriers resend and correct events
#: of recent days (a late EMH, EDC or handover changes a delivered parcel's figures); older
#: corrections need the command (``roll_up_carrier_days --since``).
REFRESH_DAYS = 7
#: Days of the last year never rolled that one run of the task rolls as well (oldest last),
#: so a new installation fills itself without a backfill, a little at a time.
CATCH_UP_DAYS = 31
#: How far back the task looks for days never rolled: the page's longest period.
HORIZON_DAYS = 366


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def roll_day(day: dt.date, until: dt.datetime | None = None) -> int:
    """Replace `day`'s counts with the statement's for [day, until) (UTC; default and at most
    the next midnight: the whole day); rows written. A day is rolled whole once it is over;
    today, up to the last whole hour (roll_today)."""
    start = _midnight(day)
    until = min(until or start + dt.timedelta(days=1), start + dt.timedelta(days=1))
    buckets = carrier_queries.bucket_rows(start, until) if until > start else []
    with transaction.atomic():
        # The day's CarrierDayRolled row, made if need be and locked before the delete: the
        # beat task and the command rolling the same day at once then take turns, where each
        # would otherwise delete only what the other had committed and both insert (doubled
        # counts). The later one's counts stand.
        CarrierDayRolled.objects.get_or_create(
            day=day, defaults={"rolled_at": timezone.now(), "until": start}
        )
        CarrierDayRolled.objects.select_for_update().get(day=day)
        CarrierDayCount.objects.filter(day=day).delete()
        CarrierDayCount.objects.bulk_create(
            CarrierDayCount(
                day=day,
                country=b.country,
                carrier_id=b.carrier_id,
                hours=b.hours,
                parcels=b.parcels,
                first_attempt=b.first_attempt,
                within_promise=b.within_promise,
            )  # fmt: skip
            for b in buckets
        )
        CarrierDayRolled.objects.filter(day=day).update(rolled_at=timezone.now(), until=until)
    return len(buckets)


def roll_today() -> int:
    """Today's deliveries up to the last whole hour, so the page reads at most the hour since
    (and the task's lag) live; rows written."""
    now = timezone.now().astimezone(dt.UTC)
    return roll_day(now.date(), now.replace(minute=0, second=0, microsecond=0))


def closed_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """The days from `first` to `last` inclusive that are over in UTC (today never is)."""
    today = timezone.now().astimezone(dt.UTC).date()
    last = min(last, today - dt.timedelta(days=1))
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def roll_days(days: Iterable[dt.date], *, today: bool = False) -> dict[str, int]:
    """roll_day for each closed day given (today is skipped), then, if `today`, roll_today."""
    current = timezone.now().astimezone(dt.UTC).date()
    done = rows = 0
    for day in days:
        if day >= current:
            continue
        rows += roll_day(day)
        done += 1
    if today:
        rows += roll_today()
        done += 1
    return {"days": done, "rows": rows}


def due_days() -> list[dt.date]:
    """What one run of the beat task rolls: the last REFRESH_DAYS closed days, then up to
    CATCH_UP_DAYS of the last HORIZON_DAYS never rolled, newest first."""
    today = timezone.now().astimezone(dt.UTC).date()
    recent = [today - dt.timedelta(days=n) for n in range(1, REFRESH_DAYS + 1)]
    first = today - dt.timedelta(days=HORIZON_DAYS)
    rolled = set(CarrierDayRolled.objects.filter(day__gte=first).values_list("day", flat=True))
    missing = [
        today - dt.timedelta(days=n)
        for n in range(REFRESH_DAYS + 1, HORIZON_DAYS + 1)
        if today - dt.timedelta(days=n) not in rolled
    ]
    return recent + missing[:CATCH_UP_DAYS]


def bucket_rows(start: dt.datetime, end: dt.datetime, country: str = "") -> list[Bucket]:
    """carrier_queries.bucket_rows(start, end, country) for a period of whole UTC days: the
    rolled days summed from CarrierDayCount, the rest (what today has had since its last whole
    hour rolled, days not rolled yet) read live from the events, each run of consecutive such
    time in one statement."""
    first, stop = start.astimezone(dt.UTC).date(), end.astimezone(dt.UTC).date()
    if _midnight(first) != start or _midnight(stop) != end:
        return carrier_queries.bucket_rows(start, end, country)  # not whole days
    rolled = dict(
        CarrierDayRolled.objects.filter(day__gte=first, day__lt=stop).values_list("day", "until")
    )
    counts = CarrierDayCount.objects.filter(day__gte=first, day__lt=stop)
    if country:
        counts = counts.filter(country=country)
    summed = (
        counts.values_list("country", "carrier_id", "hours")
        .annotate(Sum("parcels"), Sum("first_attempt"), Sum("within_promise"))
        .order_by()
    )
    rows = list(summed) if rolled else []
    names = dict(
        Carrier.objects.filter(pk__in={r[1] for r in rows if r[1] is not None}).values_list(
            "pk", "name"
        )
    )
    merged: dict[tuple[str, int | None, int | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    carrier_names: dict[int | None, str] = {}
    for c, cid, hours, n, first_attempt, within in rows:
        cell = merged[(c, cid, hours)]
        cell[0] += int(n)
        cell[1] += int(first_attempt)
        cell[2] += int(within)
        carrier_names[cid] = names.get(cid, "") if cid is not None else ""
    for lo, hi in _live(first, stop, rolled):
        for b in carrier_queries.bucket_rows(lo, hi, country):
            cell = merged[(b.country, b.carrier_id, b.hours)]
            cell[0] += b.parcels
            cell[1] += b.first_attempt
            cell[2] += b.within_promise
            carrier_names[b.carrier_id] = b.carrier
    return [
        Bucket(c, cid, carrier_names[cid], hours, n, fa, w)
        for (c, cid, hours), (n, fa, w) in merged.items()
    ]


def _live(
    first: dt.date, stop: dt.date, rolled: dict[dt.date, dt.datetime]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The time of [first, stop) the roll-up does not hold, as [lo, hi) ranges, adjacent ones
    joined: whole days not rolled, and the end of a day rolled only in part (today)."""
    out: list[tuple[dt.datetime, dt.datetime]] = []
    for n in range((stop - first).days):
        day = first + dt.timedelta(days=n)
        lo, hi = rolled.get(day, _midnight(day)), _midnight(day) + dt.timedelta(days=1)
        if lo >= hi:
            continue
        if out and out[-1][1] == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


#: How long a period's counts are kept (seconds) unless CARRIER_STATS_CACHE_SECONDS says
#: otherwise; 0 reads them every time. What is not rolled is read live from the events, and
#: the country filter and a reload ask for the same counts again.
CACHE_SECONDS = 300


def cached_bucket_rows(start: dt.datetime, end: dt.datetime, country: str = "") -> list[Bucket]:
    """The period's counts of every country (bucket_rows: the daily roll-up's,
    today's live), kept in Django's cache for CACHE_SECONDS (shared by the processes when the
    cache is Redis), then filtered to `country`: figures at most that old."""
    seconds = int(getattr(settings, "CARRIER_STATS_CACHE_SECONDS", CACHE_SECONDS))
    if seconds <= 0:
        return bucket_rows(start, end, country)
    key = f"carrier-stats:{start.isoformat()}:{end.isoformat()}"
    rows = django_cache.get(key)
    if rows is None:
        rows = bucket_rows(start, end)
        django_cache.set(key, rows, seconds)
    return [b for b in rows if not country or b.country == country]
