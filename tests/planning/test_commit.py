"""Committing a plan: the bags and ULDs themselves get their planned flight (through
fulfillment.services.flight_plan.plan_flights), bookings follow, and the load sheet shows the
planned load beside what is loaded. Idempotent, re-plannable, never moves what is loaded,
planners only.

Plans here are written by hand (the commit reads only the assignments and the consignments'
sizes), so every case is exact; test_planner_pages.py commits one the solver made."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from caravana.accounts import services as accounts
from caravana.accounts.models import Role
from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.services import flight_plan, hub_steps, load_sheets, loading
from caravana.network.models import Flight
from caravana.planning import services
from caravana.planning.models import BellyOffer, Booking, PlanRun
from tests import factories as f

pytestmark = pytest.mark.django_db


def bearer(user):
    _token, secret = accounts.create_token(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def closed_bag(make_parcel, hub_user, n=2, weight=5_000):
    for _ in range(n):
        p = make_parcel(declared_weight_g=weight)
        hub_steps.receive(hub_user, p.s10, weight, 40, 30, 20)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
    return hub_steps.close_bag(hub_user, bag.identifier)


@pytest.fixture
def planner_user(db):
    return f.user(Role.PLANNER)


@pytest.fixture
def planner(planner_user):
    c = Client()
    c.force_login(planner_user)
    return c


@pytest.fixture
def world(make_parcel, hub_user):
    """Two SZX→GRU charters, a belly offer, loose closed bags and a closed ULD of one bag."""
    f1 = Flight.objects.filter(number="5Y8301").order_by("scheduled_departure").first()
    f2 = Flight.objects.filter(number="5Y8303").order_by("scheduled_departure").first()
    belly = BellyOffer.objects.create(
        carrier="LATAM Cargo",
        number="LA8075",
        origin="SZX",
        destination="GRU",
        departs_at=f1.scheduled_departure,
        arrives_at=f1.scheduled_arrival,
        capacity_kg=5_000,
        capacity_m3=Decimal("30"),
        price_per_kg_usd=Decimal("3.40"),
    )
    loose = [closed_bag(make_parcel, hub_user) for _ in range(3)]
    inner = closed_bag(make_parcel, hub_user)
    loading.build_uld(hub_user, "PMC12345CV", inner.identifier)
    uld = loading.close_uld(hub_user, "PMC12345CV")
    return {"f1": f1, "f2": f2, "belly": belly, "bags": loose, "inner": inner, "uld": uld}


def make_run(user, world, assignments):
    """A run as services.run would store it, with the assignments given (None: waits)."""
    sizes = {f"bag-{b.pk}": (b.weight_g / 1000, b.volume_cm3 / 1e6) for b in world["bags"]}
    u = world["uld"]
    sizes[f"uld-{u.pk}"] = (float(u.gross_kg), u.volume_cm3 / 1e6)
    problem = {
        "consignments": [
            {"id": cid, "weight_kg": kg, "volume_m3": m3}
            for cid, (kg, m3) in sizes.items()
            if cid in assignments
        ],
        "flights": [],
        "belly": [],
        "penalties": services.DEFAULT_PENALTIES,
    }
    now = timezone.now()
    return PlanRun.objects.create(
        window_start=now,
        window_end=now + dt.timedelta(days=7),
        problem=problem,
        result={"assignments": assignments},
        created_by=user,
    )


def fl(flight):
    return f"flight-{flight.pk}"


def state(world):
    """Every planned flight and booking, to compare before and after."""
    bags = [*world["bags"], world["inner"]]
    planned = {
        b.identifier: b.planned_flight_id for b in Bag.objects.filter(pk__in=[b.pk for b in bags])
    }
    planned["uld"] = Uld.objects.get(pk=world["uld"].pk).planned_flight_id
    bookings = sorted(
        Booking.objects.values_list("pk", "run_id", "bag_id", "uld_id", "flight_id", "belly_id")
    )
    return planned, bookings


def test_commit_plans_bags_and_ulds_and_the_load_sheet_shows_them(
    world, planner_user, planner, hub_user
):
    f1, belly, uld = world["f1"], world["belly"], world["uld"]
    b1, b2, b3 = world["bags"]
    run = make_run(
        planner_user,
        world,
        {
            f"bag-{b1.pk}": fl(f1),
            f"bag-{b2.pk}": f"belly-{belly.pk}",
            f"bag-{b3.pk}": None,
            f"uld-{uld.pk}": fl(f1),
        },
    )
    assert services.commit(planner_user, run) == 3
    run.refresh_from_db()
    assert run.committed_at and run.committed_by == planner_user

    b1.refresh_from_db(), b2.refresh_from_db(), b3.refresh_from_db(), uld.refresh_from_db()
    assert b1.planned_flight == f1 and uld.planned_flight == f1
    assert Bag.objects.get(pk=world["inner"].pk).planned_flight == f1  # a ULD's bags follow it
    assert b2.planned_flight is None and Booking.objects.get(bag=b2).belly == belly
    label = services.belly_label(belly)  # what the hub reads for a belly booking
    assert (b2.planned_belly, b1.planned_belly, b3.planned_belly) == (label, "", "")
    assert label.startswith("LA8075 ") and label.endswith("UTC → GRU")
    assert b3.planned_flight is None and not Booking.objects.filter(bag=b3).exists()
    assert {bk.flight_id for bk in Booking.objects.filter(flight__isnull=False)} == {f1.pk}

    sheet = load_sheets.load_sheet(f1)
    assert sheet.rows == []  # nothing loaded yet
    (row,) = sheet.planned
    assert (row.identifier, row.status, row.bags) == (uld.identifier, "hub", 1)
    assert row.gross_kg == uld.gross_kg
    assert sheet.planned_bags.count == 1
    assert sheet.planned_bags.weight_kg == Decimal(b1.weight_g) / 1000
    assert sheet.planned_gross_kg == uld.gross_kg + Decimal(b1.weight_g) / 1000

    page = planner.get(f"/planning/flights/{f1.pk}/").content.decode()
    assert 'data-testid="planned-load"' in page
    assert f'data-planned="{uld.identifier}"' in page and 'data-planned="bags"' in page
    assert f'data-booking="{b1.identifier}"' in page and "At the hub" in page
    assert b2.identifier not in page  # by belly: not on this charter

    api = Client().get(f"/api/v1/hub/flights/{f1.pk}/load-sheet", **bearer(hub_user)).json()
    assert api["rows"] == [] and [r["identifier"] for r in api["planned"]] == [uld.identifier]
    assert api["planned"][0]["status"] == "hub" and api["planned_bags"]["count"] == 1
    assert Decimal(api["planned_gross_kg"]) == sheet.planned_gross_kg

    staff = Client()
    staff.force_login(hub_user)
    handover = staff.get(f"/hub/flights/{f1.pk}/").content.decode()
    assert f'data-planned="{uld.identifier}"' in handover and "Nothing loaded yet." in handover
    bags = staff.get("/hub/bags/", {"state": "closed"}).content.decode()
    assert "5Y8301" in bags  # the planned flight column
    assert f"Belly: {label}" in bags  # and the belly booking beside it
    closed = Client().post(f"/api/v1/hub/bags/{b2.identifier}/close", **bearer(hub_user)).json()
    assert (closed["planned_flight"], closed["planned_belly"]) == (None, label)
    only_f1 = staff.get("/hub/bags/", {"state": "closed", "flight": f1.pk}).content.decode()
    assert b1.identifier in only_f1
    assert b2.identifier not in only_f1 and b3.identifier not in only_f1


def test_committing_the_same_run_twice_changes_nothing(world, planner_user):
    f1, f2, uld = world["f1"], world["f2"], world["uld"]
    b1, b2, b3 = world["bags"]
    assignments = {
        f"bag-{b1.pk}": fl(f1),
        f"bag-{b2.pk}": fl(f2),
        f"bag-{b3.pk}": None,
        f"uld-{uld.pk}": fl(f2),
    }
    run = make_run(planner_user, world, assignments)
    assert services.commit(planner_user, run) == 3
    before = state(world)
    committed_at = PlanRun.objects.get(pk=run.pk).committed_at
    assert services.commit(planner_user, run) == 3
    assert state(world) == before
    assert PlanRun.objects.get(pk=run.pk).committed_at == committed_at
    # and the fulfillment service alone is idempotent too: nothing left to change
    done = flight_plan.plan_flights({b1.pk: f1.pk, b2.pk: f2.pk, b3.pk: None}, {uld.pk: f2.pk})
    assert done.changed == 0 and not done.skipped_bags and not done.skipped_ulds
    assert state(world) == before


def test_a_new_run_replans_and_an_older_one_is_refused(world, planner_user, planner):
    f1, f2, uld, belly = world["f1"], world["f2"], world["uld"], world["belly"]
    b1, b2, b3 = world["bags"]
    first = make_run(
        planner_user,
        world,
        {f"bag-{b1.pk}": fl(f1), f"bag-{b2.pk}": fl(f1), f"uld-{uld.pk}": fl(f1)},
    )
    stale = make_run(planner_user, world, {f"bag-{b1.pk}": fl(f1), f"uld-{uld.pk}": fl(f1)})
    services.commit(planner_user, first)
    second = make_run(
        planner_user,
        world,
        {
            f"bag-{b1.pk}": fl(f2),
            f"bag-{b2.pk}": f"belly-{belly.pk}",
            f"bag-{b3.pk}": fl(f2),
            f"uld-{uld.pk}": None,
        },
    )
    assert services.commit(planner_user, second) == 3
    planned, _ = state(world)
    assert planned == {
        b1.identifier: f2.pk,
        b2.identifier: None,
        b3.identifier: f2.pk,
        world["inner"].identifier: None,
        "uld": None,
    }
    assert Booking.objects.get(bag=b1).flight == f2
    assert Booking.objects.get(bag=b2).belly == belly
    assert not Booking.objects.filter(uld=uld).exists()  # it waits: the old booking is gone
    assert set(Booking.objects.values_list("run_id", flat=True)) == {second.pk}
    assert (
        load_sheets.load_sheet(f1).planned == []
        and load_sheets.load_sheet(f1).planned_bags.count == 0
    )
    assert load_sheets.load_sheet(f2).planned_bags.count == 2

    before = state(world)
    with pytest.raises(ValidationError, match="committed since"):
        services.commit(planner_user, stale)
    page = planner.post(f"/planning/runs/{stale.pk}/commit/")
    assert page.status_code == 409 and "committed since" in page.content.decode()  # a conflict
    assert state(world) == before
    assert PlanRun.objects.get(pk=stale.pk).committed_at is None


def test_nothing_loaded_is_moved(world, planner_user, hub_user, make_parcel):
    f1, f2, uld, inner = world["f1"], world["f2"], world["uld"], world["inner"]
    b1, b2, _ = world["bags"]
    services.commit(planner_user, make_run(planner_user, world, {f"uld-{uld.pk}": fl(f1)}))
    # a plan made before the hub loaded the ULD onto f1, committed after
    moving = make_run(planner_user, world, {f"bag-{b1.pk}": fl(f2), f"uld-{uld.pk}": fl(f2)})
    loading.load_uld_onto_flight(hub_user, uld.identifier, f1)
    before = state(world)
    with pytest.raises(ValidationError, match=f"ULD {uld.identifier} is already loaded"):
        services.commit(planner_user, moving)
    assert state(world) == before  # all or nothing: b1 was not planned either
    uld.refresh_from_db()
    assert uld.flight == f1 and uld.planned_flight == f1 and uld.state == Uld.State.LOADED
    waiting = make_run(planner_user, world, {f"uld-{uld.pk}": None})
    with pytest.raises(ValidationError, match="already loaded"):
        services.commit(planner_user, waiting)
    # a bag inside a loaded ULD cannot be planned elsewhere either
    with pytest.raises(ValidationError, match=f"Bag {inner.identifier} is already loaded"):
        flight_plan.plan_flights({inner.pk: f2.pk}, {})
    assert state(world) == before

    # planning a loaded ULD onto the flight it is on is no move: allowed
    same = make_run(planner_user, world, {f"bag-{b1.pk}": fl(f1), f"uld-{uld.pk}": fl(f1)})
    assert services.commit(planner_user, same) == 2
    sheet = load_sheets.load_sheet(f1)
    # planned on f1 (a B747-400F with balance data), it was loaded where the load plan put it
    assert uld.position.startswith("M")
    assert [(r.identifier, r.position) for r in sheet.rows] == [(uld.identifier, uld.position)]
    (row,) = sheet.planned
    assert (row.status, row.position) == ("loaded", uld.position)

    # a bag built into a ULD after the plan ran goes with its ULD: the commit leaves it alone
    later = make_run(planner_user, world, {f"bag-{b2.pk}": fl(f2)})
    loading.build_uld(hub_user, "PMC54321CV", b2.identifier)
    assert services.commit(planner_user, later) == 0
    b2.refresh_from_db()
    assert b2.planned_flight is None and not Booking.objects.filter(bag=b2).exists()


def test_a_plan_onto_the_wrong_lane_or_a_gone_flight_is_refused(world):
    b1 = world["bags"][0]
    scl = Flight.objects.filter(number="5Y8305").first()
    with pytest.raises(ValidationError, match="goes from SZX to GRU"):
        flight_plan.plan_flights({b1.pk: scl.pk}, {})
    Flight.objects.filter(pk=world["f1"].pk).update(state=Flight.State.CANCELLED)
    with pytest.raises(ValidationError, match="no longer scheduled"):
        flight_plan.plan_flights({b1.pk: world["f1"].pk}, {})
    b1.refresh_from_db()
    assert b1.planned_flight is None


def test_only_planners_and_operators_commit(world, planner_user, hub_user):
    f1, uld = world["f1"], world["uld"]
    run = make_run(planner_user, world, {f"uld-{uld.pk}": fl(f1)})
    assert Client().post(f"/planning/runs/{run.pk}/commit/").status_code == 302  # to log in
    for role in (Role.BUYER, Role.MERCHANT, Role.HUB):
        c = Client()
        user = hub_user if role == Role.HUB else f.user(role)
        c.force_login(user)
        assert c.post(f"/planning/runs/{run.pk}/commit/").status_code == 403
        with pytest.raises(PermissionDenied):
            services.commit(user, run)
    run.refresh_from_db()
    assert run.committed_at is None and not Booking.objects.exists()
    assert Uld.objects.get(pk=uld.pk).planned_flight is None

    operator = Client()
    operator.force_login(f.user(Role.OPERATOR))
    assert operator.post(f"/planning/runs/{run.pk}/commit/").status_code == 302
    assert Uld.objects.get(pk=uld.pk).planned_flight == f1


def test_hub_staff_see_the_planned_flight_while_building(world, planner_user, hub_user):
    f1, f2 = world["f1"], world["f2"]
    b1, b2, _ = world["bags"]
    run = make_run(planner_user, world, {f"bag-{b1.pk}": fl(f1), f"bag-{b2.pk}": fl(f2)})
    services.commit(planner_user, run)
    staff = Client()
    staff.force_login(hub_user)
    staff.post("/hub/ulds/", {"scan": "PMC11111CV"})
    r = staff.post("/hub/ulds/", {"scan": b1.identifier})
    assert r.status_code == 200 and "Planned for flight 5Y8301" in r.content.decode()
    r = staff.post("/hub/ulds/", {"scan": b2.identifier})
    page = r.content.decode()
    assert "Planned for flight 5Y8303" in page
    assert "Bags on this ULD are planned for different flights." in page


def test_hub_staff_see_a_belly_booking_while_building(world, planner_user, hub_user):
    f1, belly = world["f1"], world["belly"]
    b1, b2, _ = world["bags"]
    run = make_run(planner_user, world, {f"bag-{b1.pk}": f"belly-{belly.pk}",
                                         f"bag-{b2.pk}": fl(f1)})  # fmt: skip
    services.commit(planner_user, run)
    staff = Client()
    staff.force_login(hub_user)
    staff.post("/hub/ulds/", {"scan": "PMC22222CV"})
    page = staff.post("/hub/ulds/", {"scan": b1.identifier}).content.decode()
    assert f"Belly: {services.belly_label(belly)}" in page
    assert "planned for different flights" not in page
    page = staff.post("/hub/ulds/", {"scan": b2.identifier}).content.decode()
    assert "Planned for flight 5Y8301" in page
    assert "Bags on this ULD are planned for different flights." in page


def test_only_a_twins_cycle_over_this_database_is_booked_by_the_twin(world, planner_user, hub_user):
    """book_twin_cycle keeps and commits a twin's cycle whose consignments and legs are this
    database's bags, ULDs, charters and offers (as the twin flying its legs writes them); a
    cycle over the simulation's own ids, or a user who may not plan, is refused and nothing is
    kept or booked. A planner still cannot commit a twin's run by hand, told why."""
    f1, bag = world["f1"], world["bags"][0]
    base = make_run(planner_user, world, {f"bag-{bag.pk}": fl(f1)})
    problem = {**base.problem, "flights": [{"id": fl(f1)}]}
    start, end, result = base.window_start, base.window_end, base.result
    base.delete()
    simulated = {**problem, "consignments": [*problem["consignments"], {"id": "17"}]}
    with pytest.raises(ValueError, match="simulation's own ids"):
        services.book_twin_cycle(planner_user, start, end, simulated, result)
    with pytest.raises(PermissionDenied):
        services.book_twin_cycle(hub_user, start, end, problem, result)
    assert not PlanRun.objects.exists() and not Booking.objects.exists()
    assert Bag.objects.get(pk=bag.pk).planned_flight is None
    run = services.book_twin_cycle(planner_user, start, end, problem, result)
    assert run.source == PlanRun.Source.TWIN and run.committed_at is not None
    assert Bag.objects.get(pk=bag.pk).planned_flight == f1
    assert Booking.objects.get().run == run
    with pytest.raises(ValidationError, match="the twin books it itself"):
        services.commit(planner_user, run)


def test_a_cancelled_flight_takes_its_plan_and_waybills_with_it(world, planner_user, hub_user):
    """Cancelling a flight (network.services.cancel_flight: the back office's action, the
    twin's legs) leaves nothing planned or booked on it and voids its masters, as a commit that
    empties a flight does, also for a bag built since into a ULD not yet loaded: a master never
    lists cargo that will not fly on it. A flight with a ULD on board is refused, unchanged."""
    from caravana.network import services as network_services
    from caravana.waybills.models import MasterWaybill
    from caravana.waybills.seed import seed_airlines

    seed_airlines()
    f1, f2, bags = world["f1"], world["f2"], world["bags"]
    run = make_run(planner_user, world, {f"bag-{b.pk}": fl(f1) for b in bags})
    services.commit(planner_user, run)
    live = MasterWaybill.objects.filter(flight=f1, is_void=False)
    assert live.exists() and Booking.objects.filter(flight=f1).count() == len(bags)
    loading.build_uld(hub_user, "PMC22222CV", bags[0].identifier)  # built, not yet loaded
    network_services.cancel_flight(f1)
    f1.refresh_from_db()
    assert f1.state == Flight.State.CANCELLED
    assert not Bag.objects.filter(planned_flight=f1).exists()
    assert not Booking.objects.filter(flight=f1).exists()
    assert not live.exists()
    # a flight with a ULD loaded is refused, its plan left as it was
    uld = world["uld"]
    services.commit(planner_user, make_run(planner_user, world, {f"uld-{uld.pk}": fl(f2)}))
    loading.load_uld_onto_flight(hub_user, uld.identifier, f2)
    with pytest.raises(ValidationError):
        network_services.cancel_flight(f2)
    f2.refresh_from_db()
    assert f2.state == Flight.State.SCHEDULED
    assert Uld.objects.get(pk=uld.pk).planned_flight == f2
