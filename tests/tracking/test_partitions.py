"""The event table's monthly partitions (docs/decisions/0008): made by the migration on
PostgreSQL, created ahead and archived by `tracking_partitions`, pruned by a parcel's
lookup to index scans; idempotency holds across partitions on both databases."""

import datetime as dt
import gzip
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from caravana.tracking import partitions, queries
from caravana.tracking.batch import EventIn
from caravana.tracking.models import ParcelState, TrackingEvent
from caravana.tracking.recording import record_batch

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"
)

#: The test database's current month, and months before it that the migration made no
#: partition for (it makes this month and 3 ahead on an empty table).
THIS_MONTH = partitions.month_start(dt.datetime.now(dt.UTC).date())
OLD_A = partitions.add_months(THIS_MONTH, -3)
OLD_B = partitions.add_months(THIS_MONTH, -2)


def event(parcel, code, at: dt.datetime, event_id: str) -> EventIn:
    return EventIn(
        parcel_id=parcel.pk,
        identifier=parcel.s10,
        source="carrier:br-correios",
        event_id=f"{parcel.pk}-{event_id}",
        code=code,
        occurred_at=at,
        carrier_id=parcel.carrier_id,
    )


def at(month: dt.date, day: int = 10) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, 12, tzinfo=dt.UTC)


def carriers(parcel):
    """The parcel's carrier events (make_parcel records the hub's own label event too)."""
    return TrackingEvent.objects.filter(parcel_id=parcel.pk, source="carrier:br-correios")


def where_stored() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text, count(*) FROM tracking_trackingevent GROUP BY 1"
        )
        return dict(cursor.fetchall())


@postgres_only
def test_the_migration_partitions_the_table_by_month():
    assert partitions.is_partitioned()
    names = [p.name for p in partitions.partitions()]
    assert partitions.month_name(THIS_MONTH) in names
    assert partitions.month_name(partitions.add_months(THIS_MONTH, 3)) in names
    assert set(names[-2:]) == {partitions.FUTURE, partitions.OLD}


@postgres_only
def test_an_event_with_no_month_of_its_own_lands_in_a_catch_all(make_parcel):
    parcel = make_parcel()
    far = partitions.add_months(THIS_MONTH, 24)
    record_batch([event(parcel, "EDB", at(OLD_A), "old"), event(parcel, "EDD", at(far), "far")])
    stored = where_stored()  # (the parcel's own label event is in this month's partition)
    assert (stored[partitions.OLD], stored[partitions.FUTURE]) == (1, 1)


@postgres_only
def test_create_ahead_and_archive_before(make_parcel, tmp_path):
    parcel = make_parcel()
    # Two old events stored before their months had partitions: they sit in _old.
    record_batch([event(parcel, "EDB", at(OLD_A), "a"), event(parcel, "EMF", at(OLD_B), "b")])
    record_batch([event(parcel, "EDD", at(THIS_MONTH, 1), "c")])
    assert where_stored()[partitions.OLD] == 2

    # Months created for them take their rows out of _old; the month between them and this
    # one is made too, so that no range is left without a partition.
    made = partitions.create_months(OLD_A, OLD_B)
    between = partitions.add_months(OLD_B, 1)
    assert made == [partitions.month_name(m) for m in (OLD_A, OLD_B, between)]
    stored = where_stored()
    assert stored[partitions.month_name(OLD_A)] == 1
    assert stored[partitions.month_name(OLD_B)] == 1
    assert partitions.OLD not in stored

    out = StringIO()
    call_command(
        "tracking_partitions",
        "--create-ahead", "5",
        "--archive-before", f"{OLD_B:%Y-%m}",
        "--to", str(tmp_path),
        stdout=out,
    )  # fmt: skip
    names = [p.name for p in partitions.partitions()]
    assert partitions.month_name(partitions.add_months(THIS_MONTH, 5)) in names
    assert partitions.month_name(OLD_A) not in names  # archived and dropped
    assert partitions.month_name(OLD_B) in names  # the first month kept
    archive = tmp_path / f"{partitions.month_name(OLD_A)}.tsv.gz"
    lines = gzip.decompress(archive.read_bytes()).decode().splitlines()
    assert lines[0].split("\t")[:3] == ["id", "source", "event_id"]
    assert len(lines) == 2 and f"{parcel.pk}-a" in lines[1]
    assert f"archived {partitions.month_name(OLD_A)}: 1 rows" in out.getvalue()
    assert sorted(carriers(parcel).values_list("event_id", flat=True)) == [
        f"{parcel.pk}-b",
        f"{parcel.pk}-c",
    ]
    # A late event for the archived month still has a place (the catch-all covers it now).
    assert record_batch([event(parcel, "EDB", at(OLD_A, 11), "late")]).created == 1
    assert where_stored()[partitions.OLD] == 1


@postgres_only
def test_archive_needs_a_directory_and_a_month():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--to"):
        call_command("tracking_partitions", "--archive-before", "2026-01")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("tracking_partitions", "--archive-before", "Jan 2026", "--to", "/tmp")


@postgres_only
def test_a_parcels_timeline_reads_each_partition_through_its_index(make_parcel):
    """The lookup (tracking.queries) and the newest-event probe of recording touch every
    partition through trk_event_parcel_time, never by scanning one. Sequential scans are
    priced out so that the test asks whether an index path exists, which the planner of a
    nearly empty table would otherwise not bother to take."""
    parcel = make_parcel()
    partitions.create_months(OLD_A, THIS_MONTH)
    record_batch([event(parcel, "EDB", at(OLD_A), "a"), event(parcel, "EDD", at(THIS_MONTH), "b")])
    _parcel_sql, events_sql = queries._sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + events_sql, [parcel.pk])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    scans = [line for line in plan.splitlines() if "Scan" in line]
    assert scans and all("Index" in line for line in scans), plan


def test_idempotency_holds_across_partitions(make_parcel):
    """A batch whose events fall in two months (two partitions on PostgreSQL), sent again:
    nothing new. A replay carries the same occurred_at, which is part of the unique key."""
    parcel = make_parcel()
    partitions.create_months(OLD_B, THIS_MONTH)
    batch = [event(parcel, "EDB", at(OLD_B), "x"), event(parcel, "EDD", at(THIS_MONTH, 1), "y")]
    assert record_batch(batch).created == 2
    again = record_batch(list(reversed(batch)))
    assert (again.created, again.duplicates, again.changes) == (0, 2, [])
    assert carriers(parcel).count() == 2
    if partitions.is_partitioned():
        stored = where_stored()
        assert stored[partitions.month_name(OLD_B)] == 1
        assert stored[partitions.month_name(THIS_MONTH)] == 2  # with the label event


def test_a_resend_with_another_time_is_a_second_event_on_postgresql_only(make_parcel):
    """docs/decisions/0008: PostgreSQL's key holds occurred_at, so an id resent with another
    time is a correction recorded beside the first; SQLite keeps its older (source, event_id)
    key and drops it. Either way the status follows the latest time."""
    parcel = make_parcel()
    record_batch([event(parcel, "EDB", at(THIS_MONTH, 1), "same")])
    later = record_batch([event(parcel, "EDB", at(THIS_MONTH, 2), "same")])
    expected = 1 if connection.vendor == "postgresql" else 0
    assert later.created == expected
    assert carriers(parcel).count() == 1 + expected


@postgres_only
def test_a_delivery_archived_with_its_month_is_still_known(make_parcel, tmp_path):
    """A batch is judged against the parcels' state rows, not their earlier events: once the
    month of a delivery is archived (its partition detached and dropped), a late scan leaves
    the parcel delivered and a second EMI is not announced as its delivery again."""
    parcel = make_parcel()
    partitions.create_months(OLD_B, THIS_MONTH)
    first = record_batch([event(parcel, "EMI", at(OLD_B), "d")])
    assert first.delivered == [parcel.s10]
    partitions.archive_before(partitions.add_months(OLD_B, 1), tmp_path)
    assert not carriers(parcel).filter(code="EMI").exists()
    call_command("rebuild_tracking_state", stdout=StringIO())  # moves no row back
    assert ParcelState.objects.get(parcel=parcel).delivered_pk is not None
    late = record_batch([event(parcel, "EDD", at(THIS_MONTH, 1), "late")])
    again = record_batch([event(parcel, "EMI", at(THIS_MONTH, 2), "again")])
    assert (late.changes, late.delivered) == ([], [])
    assert again.delivered == []
    assert [(c.old_status, c.new_status) for c in again.changes] == [("delivered", "delivered")]


def test_the_rebuild_command_brings_missing_state_rows_back(make_parcel):
    """Events written around recording (here: state rows lost) are caught up by the command
    on PostgreSQL; SQLite keeps no state rows and says so."""
    parcel = make_parcel()
    record_batch([event(parcel, "EMI", at(THIS_MONTH, 1), "d")])
    ParcelState.objects.all().delete()
    out = StringIO()
    call_command("rebuild_tracking_state", stdout=out)
    if connection.vendor == "postgresql":
        state = ParcelState.objects.get(parcel=parcel)
        assert (state.code, state.delivered_pk is not None) == ("EMI", True)
        assert "state rows written" in out.getvalue()
    else:
        assert not ParcelState.objects.exists()
        assert "nothing to rebuild" in out.getvalue()


@postgres_only
def test_a_batch_reads_no_earlier_event_from_any_partition(make_parcel, monkeypatch):
    """Decision 0039: on PostgreSQL a batch is one statement that writes the events and the
    state rows, and the follow-up row; neither reads the event table (the read of earlier
    events it replaced probed every monthly partition). Every statement recording runs is
    caught and explained, with the months of a year in place: the event table appears only
    as the insert's target."""
    from caravana.tracking import batch_sql

    parcel = make_parcel()
    partitions.create_months(partitions.add_months(THIS_MONTH, -12), THIS_MONTH)
    seen: list[tuple[str, list]] = []
    real = batch_sql.raw_cursor

    class Recording:
        def __init__(self):
            self.cursor = real()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.cursor.close()

        def execute(self, sql, params=None, prepare=None):
            seen.append((sql, params))
            return self.cursor.execute(sql, params)

        def fetchall(self):
            return self.cursor.fetchall()

        def fetchone(self):
            return self.cursor.fetchone()

    monkeypatch.setattr(batch_sql, "raw_cursor", Recording)
    result = record_batch([event(parcel, "EMI", at(THIS_MONTH, 1), "d")])
    assert (result.created, result.delivered) == (1, [parcel.s10])
    assert len(seen) == 2  # the batch's statement, the follow-up row
    for sql, params in seen:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert not [
            line for line in plan.splitlines() if "Scan" in line and "trackingevent" in line
        ], plan
    assert "tracking_parcelstate" in seen[0][0]
