"""One real-mode twin run at a time on a database (twin.run_lock): a second is refused before it
writes anything, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from caravana.fulfillment.models import Parcel
from caravana.orders.models import Order
from caravana.twin import run_lock
from caravana.twin.models import SimulationRun


def test_the_lock_is_one_holders_at_a_time_and_let_go_after(db):
    held = run_lock.one_run_at_a_time()
    with held, pytest.raises(run_lock.Busy), run_lock.one_run_at_a_time():
        pass  # pragma: no cover (refused on entry)
    with run_lock.one_run_at_a_time():  # let go: taken again
        pass


@pytest.mark.django_db
def test_a_real_run_is_refused_while_another_holds_the_database(tmp_path):
    with run_lock.one_run_at_a_time():  # another run, as far as this database can tell
        with pytest.raises(CommandError, match="another twin run is writing to this database"):
            call_command("simulate", days=1, parcels_per_day=20, seed=3, warmup_days=0,
                         from_date="2026-06-01", mode="real", orders="api",
                         out=str(tmp_path), no_progress=True)  # fmt: skip
        with pytest.raises(CommandError, match="another twin run is writing to this database"):
            call_command("demo_history", days=1, parcels_per_day=5)
    assert not Parcel.objects.exists() and not Order.objects.exists()
    assert not SimulationRun.objects.exists()


@pytest.mark.django_db
def test_a_fast_run_needs_no_lock(tmp_path):
    with run_lock.one_run_at_a_time():
        call_command("simulate", days=1, parcels_per_day=100, out=str(tmp_path),
                     no_progress=True, no_record=True)  # fmt: skip
    assert (tmp_path / "summary.json").exists()


def test_a_lock_whose_connection_ended_is_told_and_free_again(db):
    if connection.vendor != "postgresql":
        pytest.skip("on SQLite the lock is a file's, held by the process itself")
    with run_lock.one_run_at_a_time() as held:
        held.check()
        # the server's idle-transaction timeout is off for the lock's transaction
        timeout = held._conn.execute("SHOW idle_in_transaction_session_timeout").fetchone()
        assert timeout == ("0",)
        # the server process's own pid (behind a pooler, the client's backend_pid is not it)
        (server_pid,) = held._conn.execute("SELECT pg_backend_pid()").fetchone()
        with connection.cursor() as cursor:  # a server restart, as it were
            cursor.execute("SELECT pg_terminate_backend(%s)", [server_pid])
        with pytest.raises(run_lock.Lost):
            held.check()
        with run_lock.one_run_at_a_time():  # its lock ended with it
            pass


@pytest.mark.django_db
def test_a_run_whose_lock_ended_stops(tmp_path, monkeypatch):
    def lost(self):
        raise run_lock.Lost("terminated")

    monkeypatch.setattr(run_lock.Held, "check", lost)
    with pytest.raises(CommandError, match="lock on the database ended mid-run"):
        call_command("simulate", days=1, parcels_per_day=20, seed=3, warmup_days=0,
                     from_date="2026-06-01", mode="real", orders="api",
                     out=str(tmp_path), no_progress=True)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "path"),
    [
        (":memory:", None),
        ("file:memorydb_default?mode=memory&cache=shared", None),  # pytest-django's in memory
        ("/srv/caravana/var/caravana.sqlite3", Path("/srv/caravana/var/caravana.sqlite3")),
        ("file:/srv/db.sqlite3?mode=rwc", Path("/srv/db.sqlite3")),
    ],
)
def test_the_sqlite_lock_knows_a_file_from_memory(name, path):
    assert run_lock._file_of(name) == path
