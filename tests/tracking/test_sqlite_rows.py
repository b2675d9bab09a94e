"""SQLite reads a batch's rows from one JSON parameter (tracking.batch_sql.event_insert): what it
stores must be, value for value, what the executemany of a tuple per event stores, and a batch
it would read back wrong must go to the executemany."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caravana.tracking import batch_sql
from caravana.tracking.batch import EventIn
from caravana.tracking.recording import _check, record_batch

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's insert"),
]

T0 = timezone.now().replace(microsecond=0)

#: Values each column can hold, the awkward ones included.
TIMES = [
    T0,  # no microseconds: Django's text has no fraction
    T0 + dt.timedelta(microseconds=1),
    T0 + dt.timedelta(microseconds=120_000),  # trailing zeros kept
    T0.astimezone(dt.timezone(dt.timedelta(hours=-3))),
    T0.astimezone(ZoneInfo("America/Sao_Paulo")) + dt.timedelta(microseconds=654_321),
    T0.astimezone(ZoneInfo("Asia/Shanghai")),
    T0.astimezone(dt.timezone(dt.timedelta(0))),  # UTC, but not dt.UTC
]
NAMES = ["", "São Paulo", 'CDD "Vila Mariana" \\ sul', "深圳 🚚", "x" * 200, "a\u2028b\x1fc"]
DETAILS = [{}, {"reason": "Endereço incompleto"}, {"attempt": 2, "ok": True}, {"nested": [1.5]}]
POINTS = [(None, None), (-23.5505, -46.6333), (10, -70), (0.1 + 0.2, 1e-7)]


def events(parcel, source: str) -> list[EventIn]:
    return [
        EventIn(
            parcel_id=parcel.pk,
            identifier=parcel.s10,
            source=source,
            event_id=f"e{i}",
            code=code,
            occurred_at=TIMES[i % len(TIMES)],
            location_code=("SAO" * 7) if i % 5 == 0 else "SAO",  # cut to 16
            location_name=NAMES[i % len(NAMES)],
            latitude=POINTS[i % len(POINTS)][0],
            longitude=POINTS[i % len(POINTS)][1],
            tz=("America/Sao_Paulo" * 5) if i % 3 == 0 else "America/Sao_Paulo",
            details=DETAILS[i % len(DETAILS)],
            carrier_id=parcel.carrier_id if i % 2 else None,
        )
        for i, code in enumerate(["EDB", "EMF", "EDD", "EDE", "EMG", "EDG", "EMH", "EDH"] * 4)
    ]


def stored(source: str) -> list[tuple]:
    """The rows as SQLite holds them: each value with its storage class, the times as their
    text (the driver would turn them into datetimes, hiding a difference of form)."""
    columns = ["parcel_id", "event_id", "code", "status", "occurred_at", "received_at",
               "location_code", "location_name", "latitude", "longitude", "tz", "details",
               "carrier_id"]  # fmt: skip
    select = ", ".join(
        f"{c} || '', typeof({c})" if c.endswith("_at") else f"{c}, typeof({c})" for c in columns
    )
    with batch_sql.raw_cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM tracking_trackingevent WHERE source = ? ORDER BY id", (source,)
        )
        return cursor.fetchall()


def insert(build, batch: list[EventIn], now: dt.datetime) -> batch_sql.Judged:
    assert _check(batch, now) == {}  # fills each event's status, as record_batch does
    with transaction.atomic():
        return batch_sql.sqlite_record(build(batch, now), batch)


def test_the_json_rows_store_what_executemany_stores(make_parcel):
    parcel = make_parcel()
    now = timezone.now()
    by_json, by_tuples = events(parcel, "carrier:json"), events(parcel, "carrier:tuples")
    assert not batch_sql.event_insert(by_json, now).many  # every value above goes as JSON
    judged_json = insert(batch_sql.event_insert, by_json, now)
    judged_tuples = insert(batch_sql.sqlite_many_insert, by_tuples, now)
    assert judged_json.created == judged_tuples.created == len(by_json)
    rows = stored("carrier:json")
    assert rows == stored("carrier:tuples")
    # Spot checks of what "the same" means: Django's naive UTC text, the cut columns.
    assert rows[0][8] == str(T0.replace(tzinfo=None))
    assert rows[2][8] == str((T0 + dt.timedelta(microseconds=120_000)).replace(tzinfo=None))
    assert rows[0][12] == "SAO" * 5 + "S" and rows[4][14] == "x" * 120
    assert rows[2][16:18] == (10.0, "real")  # an integer latitude stored as REAL, as bound


def test_a_batch_sqlite_would_read_back_wrong_goes_to_executemany(make_parcel):
    """SQLite's JSON cuts a string at NUL, orjson writes an infinite float as null and no
    Decimal (Django's adapter binds it as text): all go to the driver instead, stored whole."""
    parcel = make_parcel()
    nul = events(parcel, "carrier:nul")[:3]
    nul[1].location_name = "before\x00after"
    assert batch_sql.event_insert(nul, timezone.now()).many
    assert record_batch(nul).created == 3
    assert stored("carrier:nul")[1][14] == "before\x00after"

    far = events(parcel, "carrier:far")[:2]
    far[0].latitude = float("inf")  # orjson would write null
    assert batch_sql.event_insert(far, timezone.now()).many
    assert record_batch(far).created == 2
    assert stored("carrier:far")[0][16] == float("inf")

    odd = events(parcel, "carrier:odd")[:2]
    odd[0].latitude = Decimal("-23.5505")
    assert batch_sql.event_insert(odd, timezone.now()).many
    assert record_batch(odd).created == 2
    assert stored("carrier:odd")[0][16:18] == (-23.5505, "real")


def test_a_repeat_inside_a_batch_keeps_its_first_row(make_parcel):
    parcel = make_parcel()
    batch = events(parcel, "carrier:repeat")[:4]
    batch[3].event_id = batch[1].event_id  # a later row with a taken key: dropped
    result = record_batch(batch)
    assert (result.received, result.created) == (4, 3)
    codes = [row[4] for row in stored("carrier:repeat")]
    assert codes == ["EDB", "EMF", "EDD"]


_example = iter(range(1_000_000))
_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=140)
_points = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-180, 180)
)
_times = st.datetimes(
    min_value=dt.datetime(2000, 1, 2),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [dt.UTC, dt.timezone(dt.timedelta(hours=-3)), ZoneInfo("Asia/Shanghai"),
         ZoneInfo("America/Santiago"), dt.timezone(dt.timedelta(hours=5, minutes=45))]
    ),
)  # fmt: skip
_event = st.fixed_dictionaries(
    {
        "at": _times,
        "location_code": _texts,
        "location_name": _texts,
        "latitude": _points,
        "longitude": _points,
        "tz": _texts,
        "details": st.dictionaries(_texts, st.one_of(_texts, st.integers(), st.booleans())),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(batch=st.lists(_event, min_size=1, max_size=12))
def test_any_batch_is_stored_as_executemany_stores_it(make_parcel, batch):
    """Generated values, not chosen ones: whatever path event_insert takes (JSON, or
    executemany for what JSON would change), the stored values equal executemany's."""
    parcel = make_parcel()
    n = next(_example)
    now = timezone.now()

    def build(source: str) -> list[EventIn]:
        return [
            EventIn(parcel_id=parcel.pk, identifier=parcel.s10, source=source,
                    event_id=f"e{i}", code="EDB", occurred_at=e["at"],
                    location_code=e["location_code"], location_name=e["location_name"],
                    latitude=e["latitude"], longitude=e["longitude"], tz=e["tz"],
                    details=e["details"], carrier_id=parcel.carrier_id)
            for i, e in enumerate(batch)
        ]  # fmt: skip

    insert(batch_sql.event_insert, build(f"gen:{n}:a"), now)
    insert(batch_sql.sqlite_many_insert, build(f"gen:{n}:b"), now)
    a, b = stored(f"gen:{n}:a"), stored(f"gen:{n}:b")
    assert len(a) == len(b) == len(batch)
    assert a == b  # NaN is stored as NULL either way
