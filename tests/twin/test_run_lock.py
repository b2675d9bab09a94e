"""One real-mode twin run at a time on a database (twin.run_lock): a second is refused before it
writes anything, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

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
