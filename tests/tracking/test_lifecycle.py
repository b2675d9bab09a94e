"""A parcel's status follows its life cycle (tracking.lifecycle), in the pure function and in
every path that records events: the Python comparison (PostgreSQL), the SQL judging (SQLite),
the lookup the buyer's page reads, and the merchants' webhooks that the changes feed."""

import datetime as dt
import random
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from caravana.tracking import batch_sql, lifecycle, queries, upu
from caravana.tracking.batch import EventIn
from caravana.tracking.models import ParcelState, TrackingEvent
from caravana.tracking.recording import record_batch
from tests.tracking.test_services import T0, carrier_event, current

# ---------------------------------------------------------------------------------------------
# The pure function


@pytest.mark.parametrize(
    ("code", "details", "status"),
    [
        ("EDX", {}, "return_to_sender"),
        ("EDX", {"decision": "returned"}, "return_to_sender"),
        ("EDX", {"decision": "seized"}, "seized"),
        ("edx", {"decision": "Disposed"}, "disposed"),
        ("EDX", {"decision": "destroyed"}, "disposed"),
        ("EDX", {"decision": "abandoned"}, "abandoned"),
        ("EMH", {"reason": "absent"}, "delivery_failed"),
        ("EMH", {"action": "return_to_sender"}, "return_to_sender"),
        ("EMI", {"decision": "seized"}, "delivered"),  # only EDX reads a decision
        ("EXX", None, "cancelled"),
        ("EDD", None, "in_transit"),
    ],
)
def test_an_event_gives_its_own_status(code, details, status):
    assert lifecycle.event_status(code, details) == status


def test_code_less_steps_name_their_status():
    assert lifecycle.event_status("", None, "returned_to_sender") == "returned_to_sender"
    assert lifecycle.event_status("", None) == "unknown"


def test_terminal_states_are_left_only_as_the_life_cycle_allows():
    delivered = lifecycle.next_state(None, "EMI", 10)
    assert lifecycle.next_state(delivered, "EDD", 11) == delivered  # a scan after EMI
    assert lifecycle.next_state(delivered, "EMH", 12, {"reason": "x"}) == delivered
    back = lifecycle.next_state(delivered, "EDX", 12, {"decision": "returned"})
    assert back.status == "return_to_sender"
    assert lifecycle.next_state(back, "EMC", 13) == back  # the way back keeps it returning
    assert lifecycle.next_state(back, "EMI", 20) == back  # an EMI cannot tell whose it is
    home = lifecycle.next_state(back, None, 21, status="returned_to_sender")
    assert home.status == "returned_to_sender"
    assert lifecycle.next_state(home, "EDX", 30, {"decision": "returned"}) == home
    seized = lifecycle.next_state(None, "EDX", 5, {"decision": "seized"})
    for code in ("EMI", "EDG", "EDX"):
        assert lifecycle.next_state(seized, code, 9).status == "seized"


def test_an_older_scan_never_moves_a_parcel_backwards():
    on_the_road = lifecycle.next_state(None, "EDG", 9)
    assert lifecycle.next_state(on_the_road, "EDB", 3) == on_the_road
    # Same time: the one recorded later wins, as the row id breaks ties in the SQL.
    assert lifecycle.next_state(on_the_road, "EMG", 9).status == "in_transit"


def test_every_status_has_a_stage_and_words():
    from caravana.tracking.models import Status

    assert set(lifecycle.STAGE) == set(upu.STATUSES) == set(Status.values)
    assert {"returned_to_sender", "seized", "disposed", "abandoned"} == lifecycle.FINAL


_EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["EMA", "EDB", "EME", "EDG", "EMH", "EMI", "EXX", "EDX", "EDD"]),
        st.sampled_from([{}, {"decision": "returned"}, {"decision": "seized"}]),
        st.integers(0, 20),
    ),
    max_size=12,
)


@given(_EVENTS, st.randoms())
def test_the_order_of_arrival_does_not_matter(events, rnd):
    """Folded in any arrival order, the events give the state of the event with the highest
    (stage, time, recording order): what the SQL's ORDER BY … LIMIT 1 picks."""
    numbered = list(enumerate(events))
    rnd.shuffle(numbered)
    state = None
    for _seq, (code, details, at) in numbered:
        state = lifecycle.next_state(state, code, at, details)
    if not events:
        assert state is None
        return
    ranked = [
        (lifecycle.stage(lifecycle.event_status(c, d)), at, arrival, lifecycle.event_status(c, d))
        for arrival, (_seq, (c, d, at)) in enumerate(numbered)
    ]
    top = max(ranked)
    assert (state.status, state.at) == (top[3], top[1])


# ---------------------------------------------------------------------------------------------
# Recording: the judged changes and the buyer's lookup


@pytest.mark.django_db
def test_a_scan_after_delivery_leaves_it_delivered(make_parcel):
    parcel = make_parcel()
    first = record_batch([carrier_event(parcel, "EMI", 10)])
    assert [c.new_status for c in first.changes] == ["delivered"]
    late = record_batch([carrier_event(parcel, "EDD", 12), carrier_event(parcel, "EMG", 13)])
    assert (late.created, late.changes, late.delivered) == (2, [], [])
    view = queries.tracking_view(parcel.s10)
    assert (view.status, view.code, view.eta) == ("delivered", "EMI", T0 + dt.timedelta(hours=10))
    # The timeline marks the delivery as current, not the newest scan.
    assert [(e.event.code, e.current) for e in view.timeline[:3]] == [
        ("EMG", False), ("EDD", False), ("EMI", True)
    ]  # fmt: skip


@pytest.mark.django_db
def test_delivered_then_a_return_event_is_returning(make_parcel):
    parcel = make_parcel()
    record_batch([carrier_event(parcel, "EMI", 10)])
    back = record_batch([carrier_event(parcel, "EMH", 14, details={"action": "return"})])
    assert [(c.old_status, c.new_status) for c in back.changes] == [
        ("delivered", "return_to_sender")
    ]
    # The way back: scans, even an EMI, keep it returning until the sender has it.
    way_back = record_batch([carrier_event(parcel, "EMC", 20), carrier_event(parcel, "EMI", 30)])
    assert (way_back.changes, way_back.delivered) == ([], [])
    assert current(parcel).status == "return_to_sender"
    home = record_batch([_step(parcel, "returned_to_sender", 40)])
    assert [c.new_status for c in home.changes] == ["returned_to_sender"]
    assert record_batch([carrier_event(parcel, "EDD", 50)]).changes == []
    assert current(parcel).status == "returned_to_sender"


def _step(parcel, status, hours):
    """A returns point's own step: no UPU code, its status given."""
    at = T0 + dt.timedelta(hours=hours)
    return EventIn(parcel_id=parcel.pk, identifier=parcel.s10, source="hub",
                   event_id=f"{parcel.pk}-{status}-{hours}", code="", status=status,
                   occurred_at=at, details={"step": status})  # fmt: skip


@pytest.mark.django_db
def test_an_out_of_order_batch_is_judged_by_the_life_cycle(make_parcel):
    a, b = make_parcel(), make_parcel()
    batch = [
        carrier_event(a, "EDD", 12), carrier_event(a, "EMI", 10), carrier_event(a, "EDB", 2),
        carrier_event(b, "EDX", 5, details={"decision": "seized"}), carrier_event(b, "EDG", 9),
    ]  # fmt: skip
    result = record_batch(batch)
    assert sorted((c.parcel_id, c.code, c.new_status) for c in result.changes) == sorted(
        [(a.pk, "EMI", "delivered"), (b.pk, "EDX", "seized")]
    )
    # Sent again, whole: nothing new, nothing changes.
    again = record_batch(batch)
    assert (again.created, again.duplicates, again.changes, again.delivered) == (0, 5, [], [])
    # Duplicates inside one batch count once.
    twice = record_batch([carrier_event(b, "EMI", 11), carrier_event(b, "EMI", 11)])
    assert (twice.created, twice.changes) == (1, [])
    assert (current(a).status, current(b).status) == ("delivered", "seized")


@pytest.mark.django_db
def test_judged_changes_match_the_pure_fold_whatever_the_order(make_parcel):
    """Random histories, sent in random batches and orders: after each batch, the last change
    reported per parcel and the lookup both agree with lifecycle.next_state folded over the
    events recorded so far; and at the end (on PostgreSQL, which keeps them), the state rows
    recording kept batch by batch are the ones rebuilt from all the events at once, as are
    those migration 0013 fills."""
    rnd = random.Random(15)
    parcels = [make_parcel() for _ in range(4)]
    codes = ["EDB", "EME", "EDG", "EMH", "EMI", "EDD", "EXX", "EDX", "EDX"]
    pool = []
    for p in parcels:
        # Distinct times per parcel: a tie in time goes to the higher row id, and PostgreSQL
        # numbers a batch's rows in (source, event id) order, not in the order sent.
        for i, hours in enumerate(rnd.sample(range(1, 40), 9)):
            code = rnd.choice(codes)
            details = {"reason": "x"}
            if code == "EDX":
                details = {"decision": rnd.choice(["returned", "seized", "disposed"])}
            pool.append(carrier_event(p, code, hours, f"{code}-{i}", details=details))
    rnd.shuffle(pool)
    sent: list[EventIn] = []
    folded: dict[int, lifecycle.State | None] = {p.pk: None for p in parcels}
    reported: dict[int, str] = {}
    while pool:
        n = min(rnd.randint(1, 6), len(pool))
        # Each batch also resends one event already recorded: a duplicate changes nothing.
        batch, pool = pool[:n] + rnd.sample(sent, min(1, len(sent))), pool[n:]
        result = record_batch(batch)
        assert result.duplicates == len(batch) - n
        for ev in batch[:n]:
            folded[ev.parcel_id] = lifecycle.next_state(
                folded[ev.parcel_id], ev.code, ev.occurred_at, ev.details
            )
        sent += batch[:n]
        for change in result.changes:
            reported[change.parcel_id] = change.new_status
        for p in parcels:
            want = folded[p.pk]
            if want is not None:
                assert current(p).status == want.status, p.pk
                assert reported[p.pk] == want.status, p.pk
    if connection.vendor != "postgresql":
        assert not ParcelState.objects.exists()
        return
    # Whether delivered, not which EMI: the rows kept name the first EMI *recorded* (the one
    # announced), a rebuild the earliest in time, which a later batch may have brought.
    fields = ("parcel_id", "event_pk", "stage", "occurred_at", "code", "status")

    def rows():
        stored = ParcelState.objects.order_by("parcel_id").values_list(*fields, "delivered_pk")
        return [(*row[:-1], row[-1] is not None) for row in stored]

    kept = rows()
    assert [row[5] for row in kept] == [
        folded[p.pk].status for p in sorted(parcels, key=lambda p: p.pk)
    ]
    assert batch_sql.rebuild_state() == 0  # the rows kept are up to date: nothing written
    ParcelState.objects.all().delete()
    assert batch_sql.rebuild_state() == len(parcels)
    assert rows() == kept
    ParcelState.objects.all().delete()
    migration = __import__("caravana.tracking.migrations.0013_parcel_state", fromlist=["fill"])
    with connection.cursor() as cursor:  # the schema editor's execute, in this transaction
        migration.fill(django_apps, SimpleNamespace(execute=cursor.execute, connection=connection))
    assert rows() == kept


@pytest.mark.django_db
def test_old_edx_rows_are_split_by_their_decision(make_parcel):
    """Migration 0008 on rows recorded before it: EDX seized / disposed read as such."""
    migration = __import__(
        "caravana.tracking.migrations.0008_lifecycle_outcomes", fromlist=["split_outcomes"]
    )
    parcel = make_parcel()
    for i, decision in enumerate(["seized", "disposed", "returned"]):
        TrackingEvent.objects.create(
            parcel=parcel, source="customs", event_id=f"old-{i}", code="EDX",
            status="return_to_sender", occurred_at=T0 + dt.timedelta(hours=i),
            details={"decision": decision},
        )  # fmt: skip
    migration.split_outcomes(django_apps, None)
    got = TrackingEvent.objects.filter(code="EDX").order_by("occurred_at")
    assert list(got.values_list("status", flat=True)) == ["seized", "disposed", "return_to_sender"]
    migration.merge_outcomes(django_apps, None)
    assert set(got.values_list("status", flat=True)) == {"return_to_sender"}
