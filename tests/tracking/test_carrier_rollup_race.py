"""The beat task and the command rolling the same day at once (PostgreSQL, two connections):
roll_day locks the day's CarrierDayRolled row before deleting its counts, so the second waits
for the first and replaces its rows; unlocked, each deleted only what was committed and both
inserted (doubled counts, now refused by the bucket's unique constraint)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from caravana.tracking import carrier_queries, carrier_rollup
from caravana.tracking.models import CarrierDayCount
from tests.tracking.test_carrier_performance import NOW, journey

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between two connections: SQLite serialises whole transactions",
    ),
]


def test_two_rolls_of_one_day_at_once_count_it_once(make_parcel):
    day = (NOW - dt.timedelta(days=2)).astimezone(dt.UTC).date()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    for hour in (3, 9, 15):
        journey(make_parcel(), [("EMI", start + dt.timedelta(hours=hour))])
    expected = sum(
        b.parcels for b in carrier_queries.bucket_rows(start, start + dt.timedelta(days=1))
    )
    assert expected == 3
    carrier_rollup.roll_day(day)  # rolled before: the hourly refresh of a recent day
    rolled = threading.Event()
    failures: list[BaseException] = []

    def roll_and_hold() -> None:
        """The task's roll, its transaction held open a second after writing."""
        try:
            with transaction.atomic():
                carrier_rollup.roll_day(day)
                rolled.set()
                time.sleep(1.0)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
            rolled.set()
        finally:
            connection.close()

    task = threading.Thread(target=roll_and_hold)
    task.start()
    assert rolled.wait(10)
    started = time.monotonic()
    carrier_rollup.roll_day(day)  # the command's, on this connection
    waited = time.monotonic() - started
    task.join(10)
    assert not failures, failures
    total = sum(CarrierDayCount.objects.filter(day=day).values_list("parcels", flat=True))
    assert total == expected, "the day was counted twice"
    assert waited > 0.5  # it waited for the day's lock
