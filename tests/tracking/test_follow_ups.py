"""The follow-up outbox (tracking.follow_ups, docs/decisions/0029): a recorded batch owes its
notifications through a row in its own transaction, drained once by a task (Celery eager
here, as the other tracking tests run it), and left for the sweep when the process died
between the commit and the drain."""

import datetime as dt
import sys

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from caravana.tracking import follow_ups, recording, tasks
from caravana.tracking.models import FollowUp, WebhookDelivery, WebhookEndpoint
from tests.tracking.test_notifications import SECRET, Receiver, event

pytestmark = pytest.mark.django_db


def test_the_follow_up_is_written_with_the_events_and_rolls_back_with_them(make_parcel):
    parcel = make_parcel()
    before = FollowUp.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        recording.record_batch([event(parcel, "EDG", 1)])
        assert FollowUp.objects.count() == before + 1
        raise RuntimeError("the caller's transaction fails")
    assert FollowUp.objects.count() == before
    recording.record_batch([event(parcel, "EDG", 1)])
    row = FollowUp.objects.order_by("pk").last()
    assert row is not None and [c[2] for c in row.changes] == ["EDG"]


def test_a_crash_before_the_drain_leaves_the_row_and_the_sweep_notifies_once(
    make_parcel, merchant, django_capture_on_commit_callbacks
):
    """The batch commits and its process dies before the wake (its commit callbacks never
    run): nothing is sent, the row stays; the beat's drain sends the e-mail and the webhook
    once, and a second drain (a duplicate wake, a second worker) finds nothing to do."""
    parcel = make_parcel()
    with Receiver(fail=0) as receiver:
        WebhookEndpoint.objects.create(merchant=merchant, url=receiver.url, secret=SECRET)
        mail.outbox.clear()
        recording.record_batch([event(parcel, "EDG", 1)])  # no on_commit callbacks here
        assert mail.outbox == [] and not WebhookDelivery.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):  # the webhooks go after it
            assert tasks.drain_follow_ups.apply().get() >= 1
        assert not FollowUp.objects.exists()
        edg = [m for m in mail.outbox if parcel.s10 in m.subject]
        assert len(edg) == 1
        hooked = WebhookDelivery.objects.filter(event_type="parcel.status_changed")
        assert {d.state for d in hooked} == {"delivered"}
        sent, count = len(mail.outbox), hooked.count()
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.drain_follow_ups.apply().get() == 0
        assert (len(mail.outbox), hooked.count()) == (sent, count)
        assert len(receiver.requests) == count


def test_after_commit_the_batch_s_own_row_is_drained(
    make_parcel, django_capture_on_commit_callbacks
):
    parcel = make_parcel()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        recording.record_batch([event(parcel, "EDG", 1)])
    assert len(mail.outbox) == 1
    assert not [
        r
        for r in FollowUp.objects.all()
        if any(c[0] == parcel.pk and c[2] == "EDG" for c in r.changes)
    ]


def test_a_failed_follow_up_rolls_its_work_back_and_waits(make_parcel, merchant):
    """The work fails half-way (its webhook rows written): they roll back with it, the row
    stays with an attempt counted and a time before which it is not tried; the others go on."""
    parcel, other = make_parcel(), make_parcel()
    FollowUp.objects.all().delete()
    WebhookEndpoint.objects.create(merchant=merchant, url="https://example.com/h", secret=SECRET)
    recording.record_batch([event(parcel, "EDG", 1)])
    recording.record_batch([event(other, "EDG", 1)])
    first, second = FollowUp.objects.order_by("pk")
    calls = []

    def work(changes, delivered):
        calls.append(changes)
        tasks.notify_changes(changes)
        if len(calls) == 1:
            raise RuntimeError("worker fails after writing")

    assert follow_ups.drain(work) == 1
    assert list(FollowUp.objects.values_list("pk", "attempts")) == [(first.pk, 1)]
    kept = FollowUp.objects.get()
    assert kept.not_before > timezone.now() + dt.timedelta(seconds=20)
    assert "worker fails after writing" in kept.last_error
    # Only the second batch's webhook row survived.
    assert set(WebhookDelivery.objects.values_list("event_id", flat=True)) == {second.changes[0][1]}
    assert follow_ups.drain(work) == 0  # not due yet
    FollowUp.objects.update(not_before=None)
    assert follow_ups.drain(work) == 1 and not FollowUp.objects.exists()


def test_a_process_that_never_imported_the_tasks_drains_too(
    make_parcel, django_capture_on_commit_callbacks, monkeypatch
):
    """A management command (the twin, the demo's seeds) records batches without having
    imported tracking.tasks: the eager drain finds its task through Celery's autodiscovery."""
    from caravana.celery import app

    app.tasks  # noqa: B018  (finalized, so the registry is the one wake reads)
    monkeypatch.delitem(app.tasks, follow_ups.DRAIN_TASK)
    monkeypatch.delitem(sys.modules, "caravana.tracking.tasks")  # as if never imported
    parcel = make_parcel()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        recording.record_batch([event(parcel, "EDG", 1)])
    assert len(mail.outbox) == 1
    assert follow_ups.DRAIN_TASK in app.tasks


def test_a_large_follow_up_is_kept_compressed_with_lz4_where_postgresql_has_it():
    """PostgreSQL: the changes of a batch (tens of kB) are compressed with lz4, which wrote a
    thousand changes' row in 0.85 ms against pglz's 1.5 (migration tracking 0014); the row
    reads back as written."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's column compression")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if not cur.fetchone()[0]:
            pytest.skip("this server was built without lz4")
        cur.execute(
            "SELECT a.attname, a.attcompression FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attname IN ('changes', 'delivered')",
            [FollowUp._meta.db_table],
        )
        assert dict(cur.fetchall()) == {"changes": "l", "delivered": "l"}
    changes = [[n, 10_000 + n, "EMD", "in_transit", "arrived"] for n in range(1000)]
    row = FollowUp.objects.create(changes=changes, created_at=timezone.now())
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT pg_column_compression(changes) FROM {FollowUp._meta.db_table} WHERE id = %s",
            [row.pk],
        )
        assert cur.fetchone()[0] == "lz4"
    assert FollowUp.objects.get(pk=row.pk).changes == changes


def test_a_wake_for_its_batches_takes_their_rows_and_looks_no_further(
    make_parcel, django_assert_num_queries
):
    """A batch's wake names its row: the drain takes it, does it, deletes it and stops, without
    a last look for more (a query and a transaction each batch). Rows it does not name are left
    to the beat's sweep."""
    parcel = make_parcel()
    for step in (1, 2, 3):
        recording.record_batch([event(parcel, "EDG", step)])
    rows = list(FollowUp.objects.order_by("pk").values_list("pk", flat=True))
    seen = []

    def work(changes, delivered):
        seen.append(changes[0][1])

    # the transaction's savepoint and release, the take and the delete, for each row
    with django_assert_num_queries(8):
        assert follow_ups.drain(work, pks=rows[:2]) == 2
    assert list(FollowUp.objects.values_list("pk", flat=True)) == rows[2:]
    assert len(seen) == 2
    # a row named twice is still taken once, with no look after it
    with django_assert_num_queries(4):
        assert follow_ups.drain(work, pks=[rows[2], rows[2]]) == 1
    assert list(FollowUp.objects.values_list("pk", flat=True)) == rows[3:]
