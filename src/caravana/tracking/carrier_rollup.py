"""Carrier performance kept per day (decision 0023): the counts tracking.carrier_queries reads
from the events, stored once per closed UTC day in CarrierDayCount, so the operators' page sums
days for any period up to a year instead of probing every delivered parcel's journey.

* **Filling**: roll_days(days) runs carrier_queries' statement for each day [D, D+1) and
  replaces that day's rows (one transaction per day). The beat task (tasks.roll_up_carrier_days)
  rolls the last REFRESH_DAYS closed days again every run, so late or resent events of a recent
  day are counted, plus up to CATCH_UP_DAYS days of the last year never rolled; the management
  command ``roll_up_carrier_days`` backfills or corrects any range.
* **Reading**: bucket_rows(start, end) sums the rolled days of the period in one grouped
  statement and reads every other day of it (today, a day not rolled yet) live from the events;
  the figures (carrier_figures) are the same as the statement's over the whole period.

Why the sum of days equals the period's statement: the statement counts a parcel in the period
of its first EMI, leaving out one with an EMI in the JOURNEY_DAYS before the period; counted
per day, a parcel falls on the day of its first EMI (an EMI on an earlier day within
JOURNEY_DAYS leaves it out of the later day), and every probe of its journey is bounded by its
own delivery less JOURNEY_DAYS either way. The only difference: a parcel with two EMIs more
than JOURNEY_DAYS apart, both in the period, counts once in the statement and twice here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

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


def roll_day(day: dt.date) -> int:
    """Replace `day`'s counts with the statement's for [day, day + 1) (UTC); rows written."""
    start = _midnight(day)
    buckets = carrier_queries.bucket_rows(start, start + dt.timedelta(days=1))
    with transaction.atomic():
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
        CarrierDayRolled.objects.update_or_create(day=day, defaults={"rolled_at": timezone.now()})
    return len(buckets)


def closed_days(first: dt.date, last: dt.date) -> list[dt.date]:
    """The days from `first` to `last` inclusive that are over in UTC (today never is)."""
    today = timezone.now().astimezone(dt.UTC).date()
    last = min(last, today - dt.timedelta(days=1))
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def roll_days(days: Iterable[dt.date]) -> dict[str, int]:
    """roll_day for each closed day given (today is skipped: it is read live)."""
    today = timezone.now().astimezone(dt.UTC).date()
    done = rows = 0
    for day in days:
        if day >= today:
            continue
        rows += roll_day(day)
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


def _ranges(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as [first, last + 1) ranges."""
    out: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if out and out[-1][1] == day:
            out[-1] = (out[-1][0], day + dt.timedelta(days=1))
        else:
            out.append((day, day + dt.timedelta(days=1)))
    return out


def bucket_rows(start: dt.datetime, end: dt.datetime, country: str = "") -> list[Bucket]:
    """carrier_queries.bucket_rows(start, end, country) for a period of whole UTC days: the
    rolled days summed from CarrierDayCount, the others (today, days not rolled yet) read
    live from the events, each run of consecutive such days in one statement."""
    first, stop = start.astimezone(dt.UTC).date(), end.astimezone(dt.UTC).date()
    if _midnight(first) != start or _midnight(stop) != end:
        return carrier_queries.bucket_rows(start, end, country)  # not whole days
    rolled = set(
        CarrierDayRolled.objects.filter(day__gte=first, day__lt=stop).values_list("day", flat=True)
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
    todo = [first + dt.timedelta(days=n) for n in range((stop - first).days)]
    for lo, hi in _ranges([d for d in todo if d not in rolled]):
        for b in carrier_queries.bucket_rows(_midnight(lo), _midnight(hi), country):
            cell = merged[(b.country, b.carrier_id, b.hours)]
            cell[0] += b.parcels
            cell[1] += b.first_attempt
            cell[2] += b.within_promise
            carrier_names[b.carrier_id] = b.carrier
    return [
        Bucket(c, cid, carrier_names[cid], hours, n, fa, w)
        for (c, cid, hours), (n, fa, w) in merged.items()
    ]
