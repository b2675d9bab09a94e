"""The carrier performance roll-up (tracking.carrier_rollup): the figures summed from the days
are the statement's over the whole period, on a seeded set of journeys; today and days not
rolled are read live; the beat task and the command fill it; the page takes a year."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.tracking import carrier_figures, carrier_queries, carrier_rollup, tasks
from caravana.tracking.models import CarrierDayCount, CarrierDayRolled
from tests import factories as f
from tests.tracking.test_carrier_performance import NOW, journey

pytestmark = pytest.mark.django_db
UTC = dt.UTC
TODAY = NOW.astimezone(UTC).date()
MX = {"recipient_country": "MX", "recipient_city": "Ciudad de México",
      "recipient_state": "CDMX", "recipient_postal_code": "06600"}  # fmt: skip


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=UTC)


def seed(make_parcel, n: int = 48, seed_value: int = 15) -> None:
    """n journeys delivered over the last 40 days: two countries, two service levels, a
    handover or none, failed attempts, a second EMI days later, labels days before."""
    rng = random.Random(seed_value)
    for _ in range(n):
        kind = rng.choice(["br", "br", "premium", "mx"])
        parcel = (
            make_parcel(**MX)
            if kind == "mx"
            else make_parcel(service_level="premium")
            if kind == "premium"
            else make_parcel()
        )
        delivered = NOW - dt.timedelta(minutes=rng.randrange(0, 40 * 24 * 60))
        released = delivered - dt.timedelta(minutes=rng.randrange(60, 12 * 24 * 60))
        steps = []
        if rng.random() < 0.8:
            steps.append(("EDC", released))
            steps.append((rng.choice(["EDD", "EMF"]), released + dt.timedelta(hours=3)))
        if rng.random() < 0.3:
            steps.append(("EMH", delivered - dt.timedelta(hours=rng.randrange(1, 30))))
        steps.append(("EMI", delivered))
        if rng.random() < 0.15:  # a second delivery event, resent or corrected
            steps.append(("EMI", delivered + dt.timedelta(days=rng.randrange(1, 5))))
        label = released - dt.timedelta(days=rng.randrange(1, 25))
        journey(parcel, steps, label)


def both(start: dt.datetime, end: dt.datetime, country: str = ""):
    raw = sorted(carrier_queries.bucket_rows(start, end, country), key=repr)
    rolled = sorted(carrier_rollup.bucket_rows(start, end, country), key=repr)
    return raw, rolled


def test_the_days_sum_to_the_statements_figures_for_any_period(make_parcel):
    seed(make_parcel)
    call_command("roll_up_carrier_days", "--since", (TODAY - dt.timedelta(days=45)).isoformat())
    assert CarrierDayRolled.objects.count() == 46 and CarrierDayCount.objects.exists()
    today = CarrierDayRolled.objects.get(day=TODAY)  # to its last whole hour, the rest live
    assert today.until == dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    periods = [
        (TODAY - dt.timedelta(days=d), TODAY + dt.timedelta(days=1)) for d in (0, 1, 7, 30, 44)
    ]
    periods += [(TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=5))]
    for first, stop in periods:
        for country in ("", "BR", "MX"):
            raw, rolled = both(midnight(first), midnight(stop), country)
            assert rolled == raw, (first, stop, country)
            assert carrier_figures.summarise(rolled) == carrier_figures.summarise(raw)
    total = carrier_figures.summarise(
        carrier_rollup.bucket_rows(
            midnight(TODAY - dt.timedelta(days=44)), midnight(TODAY) + dt.timedelta(days=1)
        )
    )
    assert sum(x.volume for x in total) == 48


def test_days_not_rolled_are_read_live_and_a_rolled_day_is_read_from_its_counts(make_parcel):
    seed(make_parcel, n=24, seed_value=7)
    first, stop = midnight(TODAY - dt.timedelta(days=30)), midnight(TODAY + dt.timedelta(days=1))
    raw, nothing_rolled = both(first, stop)
    assert nothing_rolled == raw
    # Every other day rolled: the rest in runs of one day, live.
    carrier_rollup.roll_days(TODAY - dt.timedelta(days=d) for d in range(1, 31, 2))
    assert sorted(carrier_rollup.bucket_rows(first, stop), key=repr) == raw
    # A rolled day's counts are what the page reads: a stale day stays stale until rolled again.
    day = TODAY - dt.timedelta(days=1)
    journey(make_parcel(), [("EMI", midnight(day) + dt.timedelta(hours=5))])
    raw_now, rolled = both(first, stop)
    assert sum(b.parcels for b in raw_now) == sum(b.parcels for b in rolled) + 1
    carrier_rollup.roll_days([day])
    assert both(first, stop)[1] == raw_now


def test_the_beat_task_rolls_recent_days_again_and_catches_up(make_parcel):
    seed(make_parcel, n=12, seed_value=3)
    done = tasks.roll_up_carrier_days()
    assert done["days"] == carrier_rollup.REFRESH_DAYS + carrier_rollup.CATCH_UP_DAYS + 1
    rolled = set(CarrierDayRolled.objects.values_list("day", flat=True))
    assert TODAY - dt.timedelta(days=1) in rolled and TODAY in rolled
    assert (
        len(carrier_rollup.due_days()) == carrier_rollup.REFRESH_DAYS + carrier_rollup.CATCH_UP_DAYS
    )
    assert carrier_rollup.due_days()[carrier_rollup.REFRESH_DAYS] == TODAY - dt.timedelta(
        days=carrier_rollup.REFRESH_DAYS + carrier_rollup.CATCH_UP_DAYS + 1
    )
    tasks.roll_up_carrier_days()  # again: each day replaced, nothing doubled
    first, stop = midnight(TODAY - dt.timedelta(days=38)), midnight(TODAY + dt.timedelta(days=1))
    raw, rolled_rows = both(first, stop)
    assert rolled_rows == raw


def test_a_partly_rolled_today_reads_only_the_rest_live(make_parcel):
    hour = dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    # Rolled: before the last whole hour, but today (from 00:00 to 01:00 nothing is rolled yet).
    journey(make_parcel(), [("EMI", max(hour - dt.timedelta(minutes=5), midnight(TODAY)))])
    journey(make_parcel(), [("EMI", dt.datetime.now(UTC))])  # since the last whole hour: live
    carrier_rollup.roll_today()
    day = CarrierDayRolled.objects.get(day=TODAY)
    assert day.until == hour
    if hour.date() == TODAY and hour > midnight(TODAY):
        assert CarrierDayCount.objects.get(day=TODAY).parcels == 1
    first, stop = midnight(TODAY), midnight(TODAY + dt.timedelta(days=1))
    raw, rolled = both(first, stop)
    assert rolled == raw and sum(b.parcels for b in rolled) == 2


def test_the_command_names_a_bad_day():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--since"):
        call_command("roll_up_carrier_days", "--since", "yesterday")
    with pytest.raises(CommandError, match="--until"):
        call_command("roll_up_carrier_days", "--since", "2026-05-02", "--until", "2026-05-01")


def test_the_page_takes_a_year(make_parcel):
    journey(make_parcel(), [("EMI", NOW - dt.timedelta(days=200))])
    carrier_rollup.roll_days([(NOW - dt.timedelta(days=200)).date()])
    client = Client()
    client.force_login(f.user(Role.OPERATOR))
    page = client.get(
        reverse("carrier_performance:index"),
        {"start": (TODAY - dt.timedelta(days=365)).isoformat(), "end": TODAY.isoformat()},
    )
    assert page.context["form"].is_valid()
    assert 'data-figure="volume">1<' in page.content.decode()


def test_a_bucket_is_held_once_a_day_unknown_carrier_and_hours_included():
    """The database refuses a second row of a day's bucket, NULL carrier and hours compared
    as values (roll_day's lock keeps two rolls from trying)."""
    from django.db import IntegrityError, transaction

    day = TODAY - dt.timedelta(days=3)
    for carrier_id, hours in ((None, None), (7, None), (None, 12), (7, 12)):
        row = {"day": day, "country": "BR", "carrier_id": carrier_id, "hours": hours}
        CarrierDayCount.objects.create(**row, parcels=1, first_attempt=1, within_promise=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            CarrierDayCount.objects.create(**row, parcels=1, first_attempt=0, within_promise=0)
    assert CarrierDayCount.objects.count() == 4


def test_a_delivery_at_the_first_second_of_a_day_counts_in_that_day(make_parcel):
    """SQLite compares times as text; an aware bound once sorted after the stored midnight."""
    day = TODAY - dt.timedelta(days=2)
    journey(make_parcel(), [("EMI", midnight(day))])
    carrier_rollup.roll_days([day])
    raw, rolled = both(midnight(day), midnight(day + dt.timedelta(days=1)))
    assert rolled == raw and sum(b.parcels for b in raw) == 1
    before, _ = both(midnight(day - dt.timedelta(days=1)), midnight(day))
    assert sum(b.parcels for b in before) == 0
