"""record_batch: idempotent by (source, event_id), status by occurred_at whatever the arrival
order, the delivered event published once, hub and flight movements recorded."""

import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from caravana.tracking import queries
from caravana.tracking.batch import EventIn
from caravana.tracking.events import parcel_delivered
from caravana.tracking.models import TrackingEvent
from caravana.tracking.recording import record_batch

pytestmark = pytest.mark.django_db

#: After the parcel's own label and hub events (stamped with the real clock); the service layer
#: takes future times from trusted sources, so the hours below need not have passed.
T0 = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)


def carrier_event(parcel, code, hours, event_id=None, **extra):
    return EventIn(
        parcel_id=parcel.pk,
        identifier=parcel.s10,
        source="carrier:br-correios",
        event_id=f"{parcel.pk}-{event_id or f'{code}-{hours}'}",
        code=code,
        occurred_at=T0 + dt.timedelta(hours=hours),
        carrier_id=parcel.carrier_id,
        **extra,
    )


@pytest.fixture
def delivered_log():
    seen = []

    def on_delivered(sender, parcel, at, event, **kw):
        seen.append((parcel.s10, at, event.code, event.pk))

    parcel_delivered.connect(on_delivered, weak=False)
    yield seen
    parcel_delivered.disconnect(on_delivered)


def current(parcel):
    """Where the parcel stands, as the public lookup reads it from its events."""
    view = queries.tracking_view(parcel.s10)
    return SimpleNamespace(status=view.status, code=view.code, occurred_at=view.last_event_at,
                           delivered_at=view.delivered_at)  # fmt: skip


def test_label_and_receive_are_recorded_by_the_hub_receivers(make_parcel, hub_user):
    from caravana.fulfillment.services import hub_steps

    parcel = make_parcel()
    hub_steps.receive(hub_user, parcel.s10, 480, 20, 15, 10)
    hub_steps.sort_into_bag(hub_user, parcel.s10)
    rows = list(
        TrackingEvent.objects.filter(parcel=parcel)
        .order_by("occurred_at", "id")
        .values_list("code", "status", "location_code", "tz")
    )
    assert rows == [
        ("", "pending", "SZX-HUB", "Asia/Shanghai"),  # label created: not yet posted
        ("EMA", "pending", "SZX-HUB", "Asia/Shanghai"),  # posted at the hub's first scan
        ("EMB", "in_transit", "SZX-HUB", "Asia/Shanghai"),
        ("", "in_transit", "SZX-HUB", "Asia/Shanghai"),
    ]
    assert current(parcel).status == "in_transit"
    assert TrackingEvent.objects.filter(parcel=parcel, code="EMB").get().latitude == pytest.approx(
        22.64, abs=0.1
    )


def test_a_flight_fans_out_in_a_fixed_number_of_queries(make_parcel, hub_user):
    """EMC / EMD for every parcel on board: one batch per movement, whatever the load."""
    from django.test.utils import CaptureQueriesContext

    from caravana.fulfillment.services import hub_steps, loading
    from caravana.network import services as network
    from caravana.network.models import Flight
    from tests.fulfillment.conftest import TODAY

    parcels = [make_parcel() for _ in range(6)]
    for p in parcels:
        hub_steps.receive(hub_user, p.s10, 480, 20, 15, 10)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
    hub_steps.close_bag(hub_user, bag.identifier)
    loading.build_uld(hub_user, "PMC12345CV", bag.identifier)
    loading.close_uld(hub_user, "PMC12345CV")
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    loading.load_uld_onto_flight(hub_user, "PMC12345CV", flight)
    at = timezone.now() + dt.timedelta(minutes=1)
    with CaptureQueriesContext(connection) as q:
        network.mark_departed(flight, at)
    assert len(q) <= 14, [x["sql"][:60] for x in q]
    assert TrackingEvent.objects.filter(code="EMC", occurred_at=at).count() == 6
    assert {current(p).code for p in parcels} == {"EMC"}


def test_status_follows_the_life_cycle_not_arrival(make_parcel):
    parcel = make_parcel()
    # Delivered first, then the older events straggle in: the status stays delivered.
    record_batch([carrier_event(parcel, "EMI", 10)])
    hold = carrier_event(parcel, "EME", 2, details={"reason": "x"})
    record_batch([carrier_event(parcel, "EDG", 8), hold])
    record_batch([carrier_event(parcel, "EDB", 1)])
    s = current(parcel)
    assert (s.status, s.code, s.occurred_at) == ("delivered", "EMI", T0 + dt.timedelta(hours=10))
    # A later failed attempt does not take it back (tracking.lifecycle: only a return event).
    record_batch([carrier_event(parcel, "EMH", 12)])
    assert current(parcel).status == "delivered"
    timeline = list(
        TrackingEvent.objects.filter(parcel=parcel, source__startswith="carrier")
        .order_by("occurred_at", "id")
        .values_list("code", flat=True)
    )
    assert timeline == ["EDB", "EME", "EDG", "EMI", "EMH"]


def test_a_batch_in_any_order_gives_the_same_status(make_parcel):
    a, b = make_parcel(), make_parcel()
    codes = [("EDB", 1), ("EMF", 3), ("EDG", 5), ("EME", 2)]
    record_batch([carrier_event(a, c, h, details={"reason": "r"}) for c, h in codes])
    record_batch([carrier_event(b, c, h, details={"reason": "r"}) for c, h in reversed(codes)])
    assert current(a).code == current(b).code == "EDG"
    assert current(a).status == "out_for_delivery"


def test_equal_times_are_broken_by_arrival(make_parcel):
    parcel = make_parcel()
    record_batch([carrier_event(parcel, "EDD", 4, "first")])
    record_batch([carrier_event(parcel, "EDE", 4, "second")])
    assert current(parcel).code == "EDE"


def test_microseconds_count(make_parcel):
    """Order is kept to the microsecond on both databases (nothing rounds times on the way)."""
    parcel = make_parcel()
    a = carrier_event(parcel, "EDD", 3, "a")
    b = carrier_event(parcel, "EDE", 3, "b")
    b.occurred_at = a.occurred_at + dt.timedelta(microseconds=1)
    record_batch([b, a])
    assert (current(parcel).code, current(parcel).occurred_at) == ("EDE", b.occurred_at)
    record_batch([carrier_event(parcel, "EMG", 3, "c")])  # equal to a: older than b
    assert current(parcel).code == "EDE"


def test_same_batch_twice_writes_nothing_twice(make_parcel):
    parcel = make_parcel()
    batch = [carrier_event(parcel, c, h) for c, h in (("EDB", 1), ("EMF", 2), ("EDG", 3))]
    first = record_batch(batch)
    before = TrackingEvent.objects.count()
    again = record_batch(batch + batch)
    assert (first.created, first.duplicates) == (3, 0)
    assert (again.received, again.created, again.duplicates, again.changes) == (6, 0, 6, [])
    assert TrackingEvent.objects.count() == before


def test_a_bad_event_writes_nothing(make_parcel):
    parcel = make_parcel()
    before = TrackingEvent.objects.count()
    with pytest.raises(ValidationError) as err:
        record_batch([carrier_event(parcel, "EDB", 1), carrier_event(parcel, "ZZZ", 2)])
    assert list(err.value.message_dict) == ["events.1.code"]
    assert TrackingEvent.objects.count() == before


def test_delivered_is_published_once_after_commit(
    make_parcel, delivered_log, django_capture_on_commit_callbacks
):
    parcel = make_parcel()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_batch([carrier_event(parcel, "EMI", 9, "d1")])
        assert delivered_log == []  # nothing before commit
    for cb in callbacks:
        cb()
    assert delivered_log == [(parcel.s10, T0 + dt.timedelta(hours=9), "EMI", delivered_log[0][3])]
    with django_capture_on_commit_callbacks(execute=True):
        record_batch([carrier_event(parcel, "EMI", 9, "d1")])  # the same event again
        record_batch([carrier_event(parcel, "EMI", 11, "d2")])  # a second EMI
        record_batch([carrier_event(parcel, "EMH", 12), carrier_event(parcel, "EMI", 13,
                                                                                "d3")])  # fmt: skip
    assert len(delivered_log) == 1
    assert current(parcel).delivered_at == T0 + dt.timedelta(hours=9)


def test_two_emis_in_one_batch_publish_the_earlier(
    make_parcel, delivered_log, django_capture_on_commit_callbacks
):
    parcel = make_parcel()
    with django_capture_on_commit_callbacks(execute=True):
        record_batch(
            [carrier_event(parcel, "EMI", 7, "late"), carrier_event(parcel, "EMI", 6, "early")]
        )
    assert [d[1] for d in delivered_log] == [T0 + dt.timedelta(hours=6)]


def test_a_batch_past_a_thousand_events_is_judged_whole(
    make_parcel, delivered_log, django_capture_on_commit_callbacks
):
    """1,102 events of one parcel (a flight's movement is as big): the later EMI sorts first
    and the earlier one last, 1,100 scans between them. The batch is judged as one, whatever
    the statements it takes: one change, and the delivery published is the earlier EMI."""
    parcel = make_parcel()
    scans = [carrier_event(parcel, "EDD", 1, f"m-{i:04d}") for i in range(1100)]
    with django_capture_on_commit_callbacks(execute=True):
        result = record_batch(
            [carrier_event(parcel, "EMI", 7, "a-late"), *scans,
             carrier_event(parcel, "EMI", 6, "z-early")]
        )  # fmt: skip
    assert result.created == 1102
    assert [(c.code, c.new_status) for c in result.changes] == [("EMI", "delivered")]
    assert result.delivered == [parcel.s10]
    assert [d[1] for d in delivered_log] == [T0 + dt.timedelta(hours=6)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_for_one_parcel_end_at_the_latest(network, merchant):
    """Two writers post interleaved halves of a parcel's history, each in its own transaction
    and connection; whoever commits last, the status is the latest event by time, and each
    batch judged its change against the other's committed events (they took turns on the
    parcel's state row), so only the first change of all starts from the parcel's label. One
    writer's batches carry a second parcel."""
    from caravana.fulfillment.services import parcels as parcel_services
    from tests.fulfillment.conftest import parcel_data

    parcel = parcel_services.create_parcel(merchant, parcel_data())
    other = parcel_services.create_parcel(merchant, parcel_data())
    codes = ["EDB", "EDD", "EDE", "EMG", "EDG", "EMF", "EDD", "EMG"]
    batches = {
        0: [[carrier_event(parcel, c, h, f"a{h}"), carrier_event(other, c, h, f"o{h}")]
            for h, c in enumerate(codes) if h % 2 == 0],
        1: [[carrier_event(parcel, c, h, f"b{h}")] for h, c in enumerate(codes) if h % 2 == 1],
    }  # fmt: skip
    errors, changes = [], []
    barrier = threading.Barrier(2)

    def run(i):
        try:
            barrier.wait(5)
            for batch in reversed(batches[i]):
                changes.extend(record_batch(batch).changes)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    s = current(parcel)
    assert (s.code, s.occurred_at) == ("EMG", T0 + dt.timedelta(hours=7))
    olds = [c.old_status for c in changes if c.parcel_id == parcel.pk]
    assert olds.count("pending") == 1  # from the label, once
    assert TrackingEvent.objects.filter(parcel=parcel, source="carrier:br-correios").count() == 8


@pytest.mark.django_db(transaction=True)
def test_writers_racing_over_shared_parcels_announce_one_story_each(network, merchant):
    """Adversarial: three writers, each in its own connection, send overlapping random subsets
    of one pool of 1,500 events (30 parcels, scans, failed attempts, several EMIs each) in
    random orders and batch sizes, one batch past a thousand events, so that they resend each
    other's events and race on every parcel. Nothing fails (no deadlock); each parcel with an
    EMI is announced delivered exactly once; each parcel's announced changes chain from its
    status before to its status after (as many leave each status as enter it, but for the
    ends); and on PostgreSQL the state rows kept are the ones rebuilt from the events."""
    import random

    from caravana.fulfillment.services import parcels as parcel_services
    from caravana.tracking import batch_sql
    from caravana.tracking.models import ParcelState
    from tests.fulfillment.conftest import parcel_data

    rnd = random.Random(19)
    parcels = [parcel_services.create_parcel(merchant, parcel_data()) for _ in range(30)]
    before = {p.pk: current(p).status for p in parcels}
    codes = ["EDB", "EDD", "EMF", "EDG", "EMH", "EMI"]
    pool = [
        carrier_event(p, code, rnd.randrange(1, 200), f"x{k}",
                      **({"details": {"reason": "absent"}} if code == "EMH" else {}))
        for p in parcels
        for k, code in enumerate(rnd.choices(codes, weights=[4, 4, 4, 3, 2, 1], k=50))
    ]  # fmt: skip
    plans = []
    for w in range(3):
        mine = rnd.sample(pool, 1100 if w == 0 else 700)
        sizes = [1100] if w == 0 else []
        while sum(sizes) < len(mine):
            sizes.append(rnd.randint(1, 150))
        batches, i = [], 0
        for n in sizes:
            batches.append(mine[i : i + n])
            i += n
        plans.append([b for b in batches if b])
    results, errors = [], []
    barrier = threading.Barrier(3)

    def run(w):
        try:
            barrier.wait(10)
            for batch in plans[w]:
                results.append(record_batch(batch))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    sent = {(ev.parcel_id, ev.event_id) for plan in plans for b in plan for ev in b}
    assert sum(r.created for r in results) == len(sent)
    emis = {ev.parcel_id for plan in plans for b in plan for ev in b if ev.code == "EMI"}
    with_emi = {p.s10 for p in parcels if p.pk in emis}
    announced = [s10 for r in results for s10 in r.delivered]
    assert sorted(announced) == sorted(with_emi)
    for p in parcels:
        flow: dict[str, int] = {}
        for r in results:
            for c in r.changes:
                if c.parcel_id == p.pk:
                    flow[c.old_status] = flow.get(c.old_status, 0) + 1
                    flow[c.new_status] = flow.get(c.new_status, 0) - 1
        after = current(p).status
        if before[p.pk] != after:
            assert (flow.pop(before[p.pk], 0), flow.pop(after, 0)) == (1, -1), p.pk
        assert not any(flow.values()), (p.pk, flow)
    if connection.vendor == "postgresql":
        fields = ("parcel_id", "event_pk", "status")
        kept = list(ParcelState.objects.order_by("parcel_id").values_list(*fields))
        assert [row[2] for row in kept] == [current(p).status for p in parcels]
        ParcelState.objects.all().delete()
        batch_sql.rebuild_state()
        assert list(ParcelState.objects.order_by("parcel_id").values_list(*fields)) == kept


def test_internal_times_in_the_future_are_accepted_but_not_from_carriers(make_parcel):
    parcel = make_parcel()
    later = timezone.now() + dt.timedelta(hours=2)
    ev = carrier_event(parcel, "EMC", 0)
    ev.occurred_at, ev.source = later, "flight"
    assert record_batch([ev]).created == 1


def test_a_database_isolation_level_other_than_read_committed_fails_the_checks():
    from psycopg import IsolationLevel

    from caravana.tracking.checks import isolation_errors, read_committed

    assert read_committed() == []  # this run's own settings
    pg = {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}
    assert isolation_errors({"default": {**pg, "OPTIONS": {}}}) == []
    errors = isolation_errors(
        {
            "default": {**pg, "OPTIONS": {"isolation_level": IsolationLevel.READ_COMMITTED}},
            "other": {**pg, "OPTIONS": {"isolation_level": IsolationLevel.REPEATABLE_READ}},
        }
    )
    assert [(e.id, "'other'" in e.msg) for e in errors] == [("tracking.E001", True)]


def test_a_server_default_other_than_read_committed_fails_the_database_checks():
    from caravana.tracking.checks import server_read_committed

    assert server_read_committed(databases=["default"]) == []
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL default_transaction_isolation = 'repeatable read'")
    assert [e.id for e in server_read_committed(databases=["default"])] == ["tracking.E002"]
