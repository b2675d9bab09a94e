"""Two flight plans committed at the same moment, each booking cargo on the same flight: they
run one after the other (the second waits for the first's transaction), so the flight gets
one master waybill per gateway and no AWB serial is drawn twice; the older plan, if it comes
second, is refused as stale (the page answers 409), never with a server error.

Real threads with their own connections: on PostgreSQL the commits queue on an advisory lock
and the flights' row locks; on SQLite (the test database is a file, see settings) its
IMMEDIATE transactions let one writer in at a time, so the race is as real there."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from caravana.planning import services as planning
from caravana.planning.error_codes import PlanningErrorCode
from caravana.planning.models import PlanRun
from caravana.waybills import services as waybills
from caravana.waybills.models import AwbStock, HouseWaybill, MasterWaybill
from tests.planning.test_commit import fl, make_run


@pytest.fixture
def two_runs(world, airline, planner_user):
    """Two runs, made one after the other, each putting a different loose bag on 5Y8301."""
    b1, b2, _b3 = world["bags"]
    first = make_run(planner_user, world, {f"bag-{b1.pk}": fl(world["f1"])})
    second = make_run(planner_user, world, {f"bag-{b2.pk}": fl(world["f1"])})
    return first, second


def _commit_together(runs: list[PlanRun], user, monkeypatch) -> dict[int, BaseException | int]:
    """Commit `runs` from one thread each, started together; each build lingers a moment after
    reading the flight's masters, which is when two unqueued commits would both find none."""
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads share Django's in-memory SQLite database: needs a file or PostgreSQL")
    real_known = waybills._known

    def slow_known(flights):
        known = real_known(flights)
        time.sleep(0.5)
        return known

    monkeypatch.setattr(waybills, "_known", slow_known)
    outcome: dict[int, BaseException | int] = {}
    barrier = threading.Barrier(len(runs))

    def work(run: PlanRun) -> None:
        try:
            barrier.wait()
            outcome[run.pk] = planning.commit(user, run)
        except BaseException as exc:  # reported by the test
            outcome[run.pk] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(r,)) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcome


@pytest.mark.django_db(transaction=True)
def test_two_plans_committed_at_once_draw_one_master_and_distinct_awbs(
    two_runs, planner_user, world, monkeypatch
):
    first, second = two_runs
    stock_before = {s.pk: s.next_serial for s in AwbStock.objects.all()}
    outcome = _commit_together([first, second], planner_user, monkeypatch)
    assert set(outcome) == {first.pk, second.pk}
    for pk, result in outcome.items():
        if isinstance(result, BaseException):
            # Only the older run may lose, and only as stale: the later one committed first.
            assert pk == first.pk, result
            assert isinstance(result, ValidationError), repr(result)
            codes = [e.code for e in result.error_dict["run"]]
            assert codes == [PlanningErrorCode.PLAN_SUPERSEDED]
        else:
            assert result == 1
    assert PlanRun.objects.get(pk=second.pk).committed_at is not None
    masters = list(MasterWaybill.objects.filter(flight=world["f1"]))
    assert len(masters) == 1  # one master for 5Y8301 and GRU
    numbers = list(MasterWaybill.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    drawn = sum(s.next_serial - stock_before[s.pk] for s in AwbStock.objects.all())
    assert drawn == len(numbers) == 1  # no serial drawn and lost, none drawn twice
    houses = list(HouseWaybill.objects.values_list("number", flat=True))
    assert len(houses) == len(set(houses))


@pytest.mark.django_db(transaction=True)
def test_the_same_flight_built_twice_at_once_keeps_one_master(world, airline, planner_user,
                                                              monkeypatch):  # fmt: skip
    """Two builds of one flight outside any plan (the hub loading a ULD, an operator's
    button): the second waits for the first's master instead of drawing its own."""
    b1 = world["bags"][0]
    run = make_run(planner_user, world, {f"bag-{b1.pk}": fl(world["f1"])})
    # The plan's bag is planned onto the flight without building (as if a build had failed).
    monkeypatch.setattr(waybills, "build_for_flights", lambda *a, **k: waybills.Built())
    planning.commit(planner_user, run)
    monkeypatch.undo()
    assert not MasterWaybill.objects.exists()
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads share Django's in-memory SQLite database: needs a file or PostgreSQL")
    real_known = waybills._known

    def slow_known(flights):
        known = real_known(flights)
        time.sleep(0.5)
        return known

    monkeypatch.setattr(waybills, "_known", slow_known)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work() -> None:
        try:
            barrier.wait()
            waybills.build_for_flights([world["f1"].pk], reason="test")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert MasterWaybill.objects.filter(flight=world["f1"]).count() == 1
