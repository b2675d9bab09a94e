"""An aircraft type's room for parcels (network/room.py): what the hub can build and load onto
its positions, the one figure the planner books a freighter to and the twin sizes its charters
by. Until 2026-12-06 the planner booked a 747-400F to its hold's 736 m³, which the hub refused at
the 28th full pallet."""

from __future__ import annotations

import pytest

from caravana.codes import uld as uld_codes
from caravana.loadplan import aircraft as balance
from caravana.network import room
from caravana.network.models import AircraftType
from caravana.planning import charters
from caravana.planning import services as planning
from caravana.twin import params as twin_params

PMC_M3 = 20.98  # usable base 304 × 230 cm to 300 cm (codes/uld.py)


def test_a_747_400f_carries_26_pallets_of_parcels_not_its_hold():
    assert room.ulds_per_deck("B744F") == {"main": 27}  # nose pair shares 4,540 kg, tail 2,040
    assert room.parcel_m3("B744F") == 545.0 == int(26 * PMC_M3)


@pytest.mark.parametrize("code", sorted(balance.table()))
def test_every_type_with_balance_data_has_room_below_its_hold(code):
    from caravana.network.seed import AIRCRAFT

    hold = {row[0]: float(row[3]) for row in AIRCRAFT}[code]
    m3 = room.parcel_m3(code)
    assert m3 is not None and 0 < m3 < hold
    # each deck's figure is its ULDs less one, whole m³
    taken = room.ulds_per_deck(code)
    assert m3 == int(
        sum((n - 1) * uld_codes.TYPES[room.DECK_ULD[d]].usable_m3 for d, n in taken.items())
    )


def test_the_lightest_parcels_do_not_buy_room_the_densest_take_away():
    """A type's count is the lesser over the densities: a B767-300F takes 20 pallets of the
    densest parcels; pallets of the lightest fit no more there."""
    ac = balance.aircraft("B763F")
    pmc = uld_codes.TYPES["PMC"]
    per_density = [ac.ulds_taken("main", PMC_M3 * rho + pmc.tare_kg) for rho in (120, 170)]
    assert room.ulds_per_deck("B763F")["main"] == min(per_density)


def test_next_free_keeps_every_zone():
    ac = balance.aircraft("B744F")
    names = ["M1", "M2", "M3"]
    assert ac.next_free(names, {}, 3000) == "M1"
    # M1 and M2 share the nose's 4,540 kg: with 3 t on M1, a 3 t pallet goes to M3
    assert ac.next_free(names, {"M1": 3000}, 3000) == "M3"
    assert ac.next_free(names, {"M1": 3000}, 1500) == "M2"
    assert ac.next_free(names, {"M1": 1, "M2": 1, "M3": 1}, 10) is None
    assert ac.next_free(names, {}, 6801) is None  # no position takes it


def test_the_planner_and_the_twin_share_the_figure():
    assert twin_params.DEFAULT.charter_volume_m3 == room.parcel_m3("B744F")
    assert room.parcel_m3("B744F") == charters.CHARTER_M3
    assert twin_params.DENSITY_KG_M3 == room.PARCEL_DENSITY_KG_M3


@pytest.mark.django_db
def test_the_planner_books_a_freighter_to_its_room_for_parcels():
    from caravana.network.models import Flight
    from caravana.network.seed import seed_network

    seed_network()
    flight = Flight.objects.filter(aircraft_type__code="B744F").first()
    assert flight is not None
    assert planning.flight_json(flight)["volume_m3"] == 545.0
    assert float(flight.aircraft_type.volume_m3) == 736.0  # the hold's, a fact kept as it is


@pytest.mark.django_db
def test_a_type_without_balance_data_falls_back_to_its_hold():
    t = AircraftType.objects.create(
        code="A332F", name="A330-200F", max_payload_kg=65_000, volume_m3="475.0",
        main_deck_positions=23,
    )  # fmt: skip
    assert room.parcel_m3("A332F") is None
    assert t.parcel_volume_m3 == t.volume_m3
