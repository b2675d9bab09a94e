"""What a batch changed, judged set-wise (on SQLite after the insert, inside the transaction;
on PostgreSQL against the parcels' newest events read under their locks), the one follow-up
task per batch that carries the changes and first deliveries to the other apps, and the
batch-wide validation that spares the event-by-event loop."""

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from caravana.tracking import recording
from caravana.tracking.batch import Delivered, StatusChange
from caravana.tracking.events import parcels_delivered
from caravana.tracking.models import FollowUp, TrackingEvent
from caravana.tracking.recording import record_batch
from tests.tracking.test_services import T0, carrier_event, current

pytestmark = pytest.mark.django_db


def pk_of(parcel, event_id: str) -> int:
    return TrackingEvent.objects.get(parcel=parcel, event_id=f"{parcel.pk}-{event_id}").pk


def test_a_change_names_the_new_event_and_the_status_before(make_parcel):
    parcel = make_parcel()
    before = current(parcel).status
    first = record_batch([carrier_event(parcel, "EDB", 1, "b")])
    assert first.changes == [
        StatusChange(parcel.pk, pk_of(parcel, "b"), "EDB", before, "in_transit")
    ]
    # Newer and older events, and a repeat of one recorded: one change, to the newest.
    second = record_batch(
        [carrier_event(parcel, "EMF", 3, "f"), carrier_event(parcel, "EDG", 5, "g"),
         carrier_event(parcel, "EDB", 1, "b")]
    )  # fmt: skip
    assert (second.created, second.duplicates) == (2, 1)
    assert second.changes == [
        StatusChange(parcel.pk, pk_of(parcel, "g"), "EDG", "in_transit", "out_for_delivery")
    ]
    # Only older than what is recorded: no change.
    assert record_batch([carrier_event(parcel, "EDD", 4, "d")]).changes == []
    assert current(parcel).code == "EDG"


def test_one_batch_judges_each_of_its_parcels(make_parcel):
    a, b, c = make_parcel(), make_parcel(), make_parcel()
    record_batch([carrier_event(a, "EDG", 5, "g")])
    result = record_batch(
        [carrier_event(a, "EDB", 1, "old"), carrier_event(b, "EDB", 1, "b1"),
         carrier_event(c, "EMF", 2, "c2"), carrier_event(c, "EDB", 1, "c1")]
    )  # fmt: skip
    assert [(ch.parcel_id, ch.code) for ch in result.changes] == sorted(
        [(b.pk, "EDB"), (c.pk, "EMF")]
    )
    assert {ch.event_pk for ch in result.changes} == {pk_of(b, "b1"), pk_of(c, "c2")}


def test_batches_in_one_transaction_judge_against_the_one_before(make_parcel):
    """A hub records several batches inside its own transaction: the second is judged
    against the first, though neither has committed."""
    parcel = make_parcel()
    with transaction.atomic():
        record_batch([carrier_event(parcel, "EDB", 1, "b")])
        second = record_batch([carrier_event(parcel, "EDG", 5, "g")])
        third = record_batch([carrier_event(parcel, "EMF", 3, "f")])
    assert [(c.old_status, c.new_status) for c in second.changes] == [
        ("in_transit", "out_for_delivery")
    ]
    assert third.changes == []


@pytest.fixture
def deliveries_heard():
    heard = []

    def on_delivered(sender, deliveries, **kwargs):
        heard.append(list(deliveries))

    parcels_delivered.connect(on_delivered, weak=False)
    yield heard
    parcels_delivered.disconnect(on_delivered)


def test_first_deliveries_reach_listeners_after_commit_once(
    make_parcel, deliveries_heard, django_capture_on_commit_callbacks
):
    """The follow-up task (Celery runs eager here, as in the demo) tells parcels_delivered of
    each parcel's first EMI, with the EMI's row, once; and only once the batch committed."""
    a, b = make_parcel(), make_parcel()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = record_batch(
            [carrier_event(a, "EMI", 8, "late"), carrier_event(a, "EMI", 6, "early"),
             carrier_event(b, "EMI", 7, "only"), carrier_event(b, "EDG", 5, "g")]
        )  # fmt: skip
    assert deliveries_heard == []
    assert len(callbacks) == 1  # one task for the changes and the deliveries
    callbacks[0]()
    assert sorted(result.delivered) == sorted([a.s10, b.s10])
    [heard] = deliveries_heard
    assert sorted((d.identifier, d.at, d.event_id) for d in heard) == sorted(
        [(a.s10, T0 + dt.timedelta(hours=6), pk_of(a, "early")),
         (b.s10, T0 + dt.timedelta(hours=7), pk_of(b, "only"))]
    )  # fmt: skip
    assert all(d.at.utcoffset() == dt.timedelta(0) for d in heard)
    with django_capture_on_commit_callbacks(execute=True):
        again = record_batch([carrier_event(a, "EMI", 9, "third"), carrier_event(b, "EMH", 9)])
    assert again.delivered == []
    assert len(deliveries_heard) == 1


def test_an_order_hears_of_its_delivery_through_the_task(
    make_parcel, deliveries_heard, django_capture_on_commit_callbacks
):
    """Status reaches the parcel and the listeners in the demo's eager mode: the lookup reads
    the EMI, and the delivery was published by the task."""
    parcel = make_parcel()
    with django_capture_on_commit_callbacks(execute=True):
        record_batch([carrier_event(parcel, "EMI", 4, "d")])
    assert current(parcel).status == "delivered"
    assert [[d.parcel_id for d in batch] for batch in deliveries_heard] == [[parcel.pk]]


def test_lower_case_codes_are_stored_as_upu_codes_with_their_status(make_parcel):
    parcel = make_parcel()
    record_batch([carrier_event(parcel, "edb", 1, "b"), carrier_event(parcel, " emf", 2, "f")])
    rows = set(
        TrackingEvent.objects.filter(parcel=parcel, source__startswith="carrier").values_list(
            "code", "status"
        )
    )
    assert rows == {("EDB", "in_transit"), ("EMF", "in_transit")}


@pytest.mark.parametrize(
    "spoil, key",
    [
        (lambda ev: setattr(ev, "code", "ZZZ"), "code"),
        (lambda ev: setattr(ev, "event_id", ""), "event_id"),
        (lambda ev: setattr(ev, "event_id", "x" * 65), "event_id"),
        (lambda ev: setattr(ev, "source", ""), "source"),
        (lambda ev: setattr(ev, "occurred_at", ev.occurred_at.replace(tzinfo=None)), "occurred_at"),
        (lambda ev: setattr(ev, "occurred_at", "2026-01-01"), "occurred_at"),
        (lambda ev: setattr(ev, "occurred_at", dt.datetime(1999, 1, 1, tzinfo=dt.UTC)),
         "occurred_at"),
        (lambda ev: (setattr(ev, "code", ""), setattr(ev, "status", "")), "status"),
    ],
)  # fmt: skip
def test_a_bad_event_is_named_as_the_loop_names_it(make_parcel, monkeypatch, spoil, key):
    """The batch-wide check lets no bad event through, and the error is the loop's."""
    parcel = make_parcel()
    batch = [carrier_event(parcel, "EDB", 1, "a"), carrier_event(parcel, "EMF", 2, "b")]
    spoil(batch[1])
    before = TrackingEvent.objects.count()
    with pytest.raises(ValidationError) as err:
        record_batch(batch)
    assert list(err.value.message_dict) == [f"events.1.{key}"]
    assert TrackingEvent.objects.count() == before
    assert recording._all_good(batch, None) is False


def test_future_times_are_refused_only_when_asked(make_parcel):
    parcel = make_parcel()
    now = T0
    far = carrier_event(parcel, "EDB", 24 * 30, "far")
    assert recording._all_good([far], None) is True
    assert recording._all_good([far], now + recording.FUTURE_TOLERANCE) is False
    assert list(recording._check([far], now, future=True)) == ["events.0.occurred_at"]


def test_one_batch_gives_each_event_its_own_status_where_details_decide(make_parcel):
    """The batch-wide check works out each code's status once, except EDX and EMH, whose
    details decide it event by event (tracking.lifecycle)."""
    a, b, c = make_parcel(), make_parcel(), make_parcel()
    batch = [
        carrier_event(a, "edx", 1, "x1", details={"decision": "seized"}),
        carrier_event(b, "EDX", 1, "x2"),
        carrier_event(c, "EMH", 1, "h1", details={"action": "return", "reason": "absent"}),
        carrier_event(c, "emh", 2, "h2", details={"reason": "absent"}),
        carrier_event(a, "EDD", 0, "d1"),
        carrier_event(b, "EDD", 0, "d2", status="on_hold"),  # a status given is kept
    ]
    assert recording._all_good(batch, None) is True
    assert [(ev.code, ev.status) for ev in batch] == [
        ("EDX", "seized"),
        ("EDX", "return_to_sender"),
        ("EMH", "return_to_sender"),
        ("EMH", "delivery_failed"),
        ("EDD", "in_transit"),
        ("EDD", "on_hold"),
    ]


def test_details_text_is_the_json_of_the_details_remembered_or_not(monkeypatch):
    """batch_sql.details_text remembers only all-string details, so a remembered text is
    never handed to details that merely compare equal (1 and True, 1 and 1.0)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    from caravana.tracking import batch_sql

    monkeypatch.setattr(batch_sql, "_DETAILS_TEXT", {})
    cases = [
        {"carrier_status": "4002"},
        {"carrier_status": "4002"},
        {"reason": "absent", "reason_code": "other"},
        {"n": 1},
        {"n": True},
        {"n": 1.0},
        {"when": dt.date(2026, 12, 3)},
        {"list": ["a", 1]},
        {"nested": {"a": "b"}},
        {"ascii": "São Paulo"},
    ]
    for details in cases:
        assert batch_sql.details_text(details) == json.dumps(details, cls=DjangoJSONEncoder)
    assert batch_sql.details_text({}) == batch_sql.details_text(None) == "{}"
    assert set(batch_sql._DETAILS_TEXT) == {
        (("carrier_status", "4002"),),
        (("reason", "absent"), ("reason_code", "other")),
        (("ascii", "São Paulo"),),
    }


def test_a_repeat_inside_a_new_batch_is_recorded_once_its_first_copy_kept(make_parcel):
    """SQLite inserts row by row and lets the unique key drop a repeat (PostgreSQL drops it
    before its one INSERT): either way one row, the first copy's, and one change."""
    parcel = make_parcel()
    first = carrier_event(parcel, "EDB", 1, "b", location_name="first")
    repeat = carrier_event(parcel, "EDB", 1, "b", location_name="repeat")
    result = record_batch([first, repeat])
    assert (result.received, result.created, result.duplicates) == (2, 1, 1)
    assert [c.event_pk for c in result.changes] == [pk_of(parcel, "b")]
    row = TrackingEvent.objects.get(parcel=parcel, event_id=f"{parcel.pk}-b")
    assert row.location_name == "first"


def test_a_first_delivery_travels_with_its_time_in_utc_to_the_microsecond(make_parcel):
    """The batch's follow-up row (the outbox) carries the EMI's time as ISO 8601 in UTC (read
    back from the stored row on SQLite), whatever offset the carrier gave, microseconds kept;
    and the S10 of the parcel. (The commit's callbacks do not run here: the row stays.)"""
    a, b = make_parcel(), make_parcel()
    plus3 = dt.timezone(dt.timedelta(hours=3))
    at_a = (T0 + dt.timedelta(hours=2, microseconds=250)).astimezone(plus3)
    at_b = T0 + dt.timedelta(hours=2)
    record_batch(
        [replace(carrier_event(a, "EMI", 0, "d"), occurred_at=at_a),
         replace(carrier_event(b, "EMI", 0, "d"), occurred_at=at_b)]
    )  # fmt: skip
    row = FollowUp.objects.order_by("pk").last()  # making the parcels owes some too
    assert row is not None
    rows = [Delivered(*r) for r in row.delivered]
    assert sorted((r.identifier, r.at) for r in rows) == sorted(
        [(a.s10, at_a.astimezone(dt.UTC).isoformat()), (b.s10, at_b.isoformat())]
    )
    assert {r.event_pk for r in rows} == {pk_of(a, "d"), pk_of(b, "d")}


def test_the_postgresql_rows_parameter_keeps_times_and_odd_details():
    """batch_sql.rows_json: times with their offset to the microsecond, details as given;
    a value orjson cannot write (an integer past 64 bits) goes the old way, same result."""
    import json
    from decimal import Decimal

    from caravana.tracking.batch_sql import rows_json

    at = dt.datetime(2026, 12, 5, 10, 0, 0, 250, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    rows = [(1, "carrier:x", "e1", "EDB", "in_transit", at, at, "", "", None, 1.5, "", None, 7),
            (2, "hub", "e2", "", "in_transit", at, at, "", "", None, None, "",
             {"step": "bagged", "amount": Decimal("1.20")}, None)]  # fmt: skip
    back = json.loads(rows_json(rows))
    assert [dt.datetime.fromisoformat(r[5]) for r in back] == [at, at]
    assert back[0][5] == "2026-12-05T10:00:00.000250-03:00"
    assert back[1][12] == {"step": "bagged", "amount": "1.20"}
    huge = [(*rows[0][:12], {"n": 2**70}, 7)]
    (row,) = json.loads(rows_json(huge))
    assert row[12] == {"n": 2**70} and dt.datetime.fromisoformat(row[5]) == at
