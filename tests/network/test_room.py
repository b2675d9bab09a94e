"""An aircraft type's room for parcels (network/room.py): what the hub's load plan builds into
ULDs and places on the type's positions, the one figure the planner books a freighter to and
the twin sizes its charters by. Until 2026-12-06 the planner booked a 747-400F to its hold's
736 m³, whose bags the load plan could not place (about 44 pallets' worth on 30 positions)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.codes import uld as uld_codes
from caravana.fulfillment.models import Bag
from caravana.fulfillment.services import load_plans, load_sheets
from caravana.loadplan import aircraft as balance
from caravana.network import hubs as hubs_of
from caravana.network import room
from caravana.network.models import AircraftType, Flight, Hub
from caravana.planning import charters
from caravana.planning import services as planning
from caravana.twin import params as twin_params
from tests import factories as f
from tests.fulfillment.conftest import TODAY
from tests.fulfillment.test_load_plan import _bag

#: A bag of parcels as the hub closes them: at most 30 kg (fulfillment rules).
BAG_KG = 30


def test_a_747_400f_carries_25_pallets_of_parcels_not_its_hold():
    pmc = room.bag_room_cm3(uld_codes.TYPES["PMC"]) / 1_000_000  # 16.83 m³ of soft bags
    assert room.ulds_taken("B744F") == 27  # its nose pair shares 4,540 kg, its tail 2,040
    # two kept back: the last part-full pallet of general cargo, and one of battery bags
    assert room.parcel_m3("B744F") == 420.0 == math.floor(25 * pmc)


def test_the_room_is_the_lesser_at_the_two_densities():
    """Pallets of the lightest parcels fit where the densest do not (a 747-400F's nose pair
    and tail take 2 t pallets, not 2.9 t): the room is what the densest leave."""
    ac = balance.aircraft("B744F")
    names = [p.name for p in ac.positions if p.deck == "main"]
    pmc = room.bag_room_cm3(uld_codes.TYPES["PMC"]) / 1_000_000
    light, dense = (ac.ulds_taken(names, pmc * rho) for rho in room.PARCEL_DENSITY_KG_M3)
    assert dense == room.ulds_taken("B744F") < light


def test_a_b777f_is_built_on_its_main_deck_as_the_load_plan_builds_it():
    """The load plan builds loose bags into pallets on a type with a main deck; the lower
    deck's containers are not counted (they were, at first: 26 pallets and 9 AKEs)."""
    assert room.build_deck(balance.aircraft("B77F")) == "main"
    assert room.parcel_m3("B77F") == room.parcel_m3("B744F")  # 27 main-deck pallets too


@pytest.mark.parametrize("code", sorted(balance.table()))
def test_every_type_with_balance_data_has_room_below_its_hold(code):
    from caravana.network.seed import AIRCRAFT

    hold = {row[0]: float(row[3]) for row in AIRCRAFT}[code]
    assert 0 < room.parcel_m3(code) < hold


def test_next_free_keeps_every_zone():
    ac = balance.aircraft("B744F")
    names = ["M1", "M2", "M3"]
    assert ac.next_free(names, {}, 3000.0) == "M1"
    # M1 and M2 share the nose's 4,540 kg: with 3 t on M1, a 3 t pallet goes to M3
    assert ac.next_free(names, {"M1": 3000.0}, 3000.0) == "M3"
    assert ac.next_free(names, {"M1": 3000.0}, 1500.0) == "M2"
    assert ac.next_free(names, {"M1": 1.0, "M2": 1.0, "M3": 1.0}, 10.0) is None
    assert ac.next_free(names, {}, 6801.0) is None  # no position takes it
    # the hub counts in Decimal, exact at a zone's limit: ULDs forward of the wing (the nose
    # pair included) that come to its 45,000 kg to the gram are taken, where floats sum them a
    # hair over
    loaded = dict(zip([f"M{n}" for n in range(3, 12)], (
        "4523.276", "4541.813", "4544.082", "4524.873", "4504.106", "4567.527", "4439.483",
        "4460.796", "4566.424"), strict=True))  # fmt: skip
    loaded |= {"M1": "1", "M2": "1"}
    exact = {k: Decimal(v) for k, v in loaded.items()}
    assert sum(exact[f"M{n}"] for n in range(1, 12)) + Decimal("4325.620") == 45_000
    assert ac.next_free(["M12"], exact, Decimal("4325.620")) == "M12"
    assert ac.next_free(["M12"], {k: float(v) for k, v in loaded.items()}, 4325.620) is None


def test_the_planner_and_the_twin_share_the_figure():
    assert twin_params.DEFAULT.charter_volume_m3 == room.parcel_m3("B744F")
    assert room.parcel_m3("B744F") == charters.CHARTER_M3
    assert twin_params.DENSITY_KG_M3 == room.PARCEL_DENSITY_KG_M3


def _fill(flight, m3: float, density: float, bag, dg: int = 0, hub=None, first: int = 0) -> int:
    """Loose bags planned on `flight` (copies of `bag`, which stays unplanned) of `m3` in all
    at `density` kg/m³, the first `dg` of them battery bags; at `hub` if given, else at the
    bag's; numbered from `first`."""
    bag_m3 = BAG_KG / density
    n = math.ceil(m3 / bag_m3)
    template = {f.attname: getattr(bag, f.attname) for f in Bag._meta.concrete_fields}
    del template["id"]
    if hub is not None:
        template["hub_id"] = hub.pk
    Bag.objects.bulk_create(
        Bag(**{**template, "identifier": f"RB{first + i:09d}", "planned_flight_id": flight.pk,
               "weight_g": BAG_KG * 1000, "volume_cm3": int(bag_m3 * 1_000_000),
               "dangerous_goods": i < dg})
        for i in range(n)
    )  # fmt: skip
    return n


@pytest.mark.parametrize("density", room.PARCEL_DENSITY_KG_M3)
def test_a_747_booked_to_its_room_has_a_load_plan_and_a_pallet_more_has_none(
    make_parcel, hub_user, density
):
    """The planner books a 747-400F to its room for parcels (flight_json); the hub's load plan
    builds those bags into pallets and places them within every limit. Booked to its hold, as
    before, it cannot, nor, with the densest parcels, to its room and three pallets more."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    assert flight.aircraft_type.code == "B744F"
    assert planning.flight_json(flight)["volume_m3"] == 420.0
    assert float(flight.aircraft_type.volume_m3) == 736.0  # the hold's, a fact kept as it is
    _fill(flight, 420.0, density, _bag(make_parcel, hub_user, n=1))
    plan = load_plans.flight_load_plan(flight)
    assert plan is not None and not plan.error, plan.error
    assert sum(r.status == "build" for r in plan.rows) <= 27
    # three pallets more: too many for the densest parcels (the lightest fit the nose and tail)
    pmc = room.bag_room_cm3(uld_codes.TYPES["PMC"]) / 1_000_000
    too_much = [736.0] + ([420.0 + 3 * pmc] if density == max(room.PARCEL_DENSITY_KG_M3) else [])
    for m3 in too_much:
        Bag.objects.filter(identifier__startswith="RB").delete()
        _fill(flight, m3, density, _bag(make_parcel, hub_user, n=1))
        assert load_plans.flight_load_plan(flight).error, m3


@pytest.mark.django_db
def test_the_figure_is_never_above_the_hold_nor_of_positions_the_type_lacks():
    from caravana.network.seed import seed_network

    seed_network(TODAY)
    t = AircraftType.objects.get(code="B744F")
    assert t.parcel_volume_m3 == Decimal("420")
    t.volume_m3 = Decimal("300.0")  # an operator's smaller figure for the hold
    assert t.parcel_volume_m3 == Decimal("300.0")
    t.volume_m3, t.main_deck_positions = Decimal("736.0"), 20  # and fewer positions
    assert t.parcel_volume_m3 < Decimal("420")
    t.main_deck_positions = 2  # too few to keep two back: no room, and the planner's page
    assert t.parcel_volume_m3 == 0  # shows a fill of 0 (planning/views.py)


@pytest.mark.django_db
def test_a_type_without_balance_data_falls_back_to_its_hold():
    t = AircraftType.objects.create(
        code="A332F", name="A330-200F", max_payload_kg=65_000, volume_m3="475.0",
        main_deck_positions=23,
    )  # fmt: skip
    assert room.parcel_m3("A332F") is None
    assert t.parcel_volume_m3 == Decimal("475.0")


@pytest.mark.parametrize("density", [120.0, 145.0, 170.0])
@pytest.mark.parametrize("dg", [1, 3, 40])
def test_a_b777f_booked_to_its_room_with_battery_bags_has_a_load_plan(
    make_parcel, hub_user, density, dg
):
    """A B777F's 27 main-deck positions take 27 pallets of any of the parcels: its room keeps
    two back, for the last pallet of general cargo and for battery bags packed apart (with one
    kept back, 2 or 3 battery bags made a 28th pallet: review, 2026-12-06)."""
    flight = Flight.objects.get(number="QR8151", date=TODAY + dt.timedelta(days=1))
    assert flight.aircraft_type.code == "B77F"
    assert planning.flight_json(flight)["volume_m3"] == 420.0
    _fill(flight, 420.0, density, _bag(make_parcel, hub_user, n=1), dg=dg)
    plan = load_plans.flight_load_plan(flight)
    assert plan is not None and not plan.error, plan.error
    assert any(r.dg for r in plan.rows if r.status == "build")


def _two_hubs(flight, m3: float, density: float, bag, dg: int):
    """`m3` of loose bags planned on `flight`, half at the bag's hub and half at Yiwu's (which
    builds for HGH), `dg` battery bags at each; the flight's load plan."""
    n = _fill(flight, m3 / 2, density, bag, dg=dg)
    _fill(flight, m3 / 2, density, bag, dg=dg, hub=Hub.objects.get(code="YIW-HUB"), first=n)
    return load_plans.flight_load_plan(flight)


def test_each_hub_that_builds_for_an_airport_keeps_its_own_part_full_ulds_back():
    """Two hubs build for HGH (Yiwu trucks its pallets over): four part-full ULDs, not two. A
    747-400F's 30 positions hold them beside its 25 full pallets; a 777F's 27 do not."""
    assert room.parcel_m3("B744F", hubs=2) == room.parcel_m3("B744F") == 420.0
    pmc = room.bag_room_cm3(uld_codes.TYPES["PMC"]) / 1_000_000
    assert room.parcel_m3("B77F") == 420.0
    assert room.parcel_m3("B77F", hubs=2) == math.floor(23 * pmc) == 387.0
    # a 747-8F's 34 positions take its 29 full pallets and four part-full; a 767-300F's 24
    # positions take 20 full pallets and four part-full, where one hub's two left it 21
    assert room.parcel_m3("B748F", hubs=2) == room.parcel_m3("B748F") == math.floor(29 * pmc)
    assert room.parcel_m3("B763F") == math.floor(21 * pmc)
    assert room.parcel_m3("B763F", hubs=2) == math.floor(20 * pmc)


def test_the_twin_s_charters_have_the_room_of_their_airports_hubs():
    """The twin sizes every charter at one figure (Params.charter_volume_m3) and its real mode
    books each through flight_json: the two agree only while each origin's hubs leave a
    747-400F its one-hub room."""
    for airport in set(twin_params.ORIGINS.values()):
        hubs = len(hubs_of.feeding(airport))
        assert room.parcel_m3("B744F", hubs=hubs) == twin_params.DEFAULT.charter_volume_m3, airport


@pytest.mark.parametrize("density", [120.0, 145.0, 170.0])
@pytest.mark.parametrize("dg", [0, 1, 3])
def test_a_flight_fed_by_two_hubs_builds_each_hubs_bags_apart(make_parcel, hub_user, density, dg):
    """A feeder hub builds its own bags and trucks the pallets to the airport (decision 0046):
    the load plan packs each hub's bags apart, so no pallet to build mixes two hubs' bags, and
    says which hub each is at. Booked to its room from HGH, half from each hub, battery bags at
    both, a 747-400F has a plan: its 30 positions take the 25 full pallets and four part-full."""
    flight = Flight.objects.get(number="5Y8309", date=TODAY + dt.timedelta(days=5))
    assert (flight.origin, flight.aircraft_type.code) == ("HGH", "B744F")
    assert planning.flight_json(flight)["volume_m3"] == 420.0
    bag = _bag(make_parcel, hub_user, n=1)
    Bag.objects.filter(pk=bag.pk).update(hub=Hub.objects.get(code="HGH-HUB"))
    bag.refresh_from_db()
    plan = _two_hubs(flight, 420.0, density, bag, dg)
    assert plan is not None and not plan.error, plan.error
    hub_of = dict(Bag.objects.filter(planned_flight=flight).values_list("identifier", "hub__code"))
    builds = [r for r in plan.rows if r.status == "build"]
    for r in builds:
        assert {hub_of[b] for b in r.bags} == {r.hub}, r.label
    assert {r.hub for r in builds} == {"HGH-HUB", "YIW-HUB"}
    assert load_sheets.load_sheet(flight, with_plan=True).many_hubs
    assert sum(r.dg for r in builds) == (2 if dg else 0)  # each hub's battery bags apart
    assert sorted(b for r in builds for b in r.bags) == sorted(hub_of)


@pytest.mark.parametrize("density", [120.0, 170.0])
def test_a_777f_from_an_airport_two_hubs_build_for_is_booked_to_what_it_can_load(
    make_parcel, hub_user, density
):
    """A 777F from HGH: booked to the one-hub room (420 m³) with battery bags at both hubs, the
    hubs build 28 pallets for its 27 positions and no plan loads them (review, 2026-12-07);
    the planner books it to the room two hubs leave (387 m³), which loads."""
    flight = Flight.objects.get(number="QR8151", date=TODAY + dt.timedelta(days=1))
    Flight.objects.filter(pk=flight.pk).update(origin="HGH")
    flight.refresh_from_db()
    assert planning.flight_json(flight)["volume_m3"] == 387.0 == float(flight.parcel_room_m3())
    client = Client()
    client.force_login(f.user(Role.PLANNER))
    page = client.get(f"/planning/flights/{flight.pk}/").content.decode()
    assert "m³ / 387 m³" in page  # the planner's page sets the load against the same room
    yiwu = Hub.objects.filter(code="YIW-HUB")
    yiwu.update(is_active=False)  # one hub builds for HGH again: the one-hub room
    assert planning.flight_json(flight)["volume_m3"] == 420.0
    yiwu.update(is_active=True)
    bag = _bag(make_parcel, hub_user, n=1)
    Bag.objects.filter(pk=bag.pk).update(hub=Hub.objects.get(code="HGH-HUB"))
    bag.refresh_from_db()
    plan = _two_hubs(flight, 420.0, density, bag, dg=1)
    assert plan.error and "27 positions" in plan.error, plan.error
    Bag.objects.filter(identifier__startswith="RB").delete()
    plan = _two_hubs(flight, 387.0, density, bag, dg=1)
    assert plan is not None and not plan.error, plan.error
    assert sum(r.dg for r in plan.rows if r.status == "build") == 2
