"""The twin's charter carries what the hub can build and load onto a 747-400F (params.py,
charter_volume_m3): its bags on PMCs as the hub builds them, the pallets placed by the hub's
loading within the balance table's position and zone limits, as real mode does with
`--flights`. Until 2026-12-06 the model's charter held 680 m³, 33 pallets or more: the 28th
full one found no position. The charter is now the planner's room for parcels (420 m³: the load
plan's pallets, tests/network/test_room.py), well within what the build step's pallets take."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError

from caravana.fulfillment.models import Uld
from caravana.fulfillment.services import loading
from caravana.fulfillment.services.rules import MAX_PARCEL_WEIGHT_G
from caravana.network.models import Gateway, Hub, UldType
from caravana.planning import charters
from caravana.twin import flights
from caravana.twin import params as P
from caravana.twin.services import setup

#: Pallets of the twin's bags a 747-400F takes at any of its densities (params.py).
PALLETS = 27


def test_a_charters_bags_never_need_more_pallets_than_the_747_takes():
    """Each pallet the hub closes is full within one bag (its next bag did not fit), so the
    charter's m³ spread over at most PALLETS pallets, even of the largest bags (30 kg at the
    lightest density)."""
    pmc_m3 = 20.98  # usable base 304 × 230 cm to 300 cm (network/seed.py, codes/uld.py)
    largest_bag_m3 = MAX_PARCEL_WEIGHT_G / 1000 / P.DENSITY_KG_M3[0]
    assert math.ceil(P.DEFAULT.charter_volume_m3 / (pmc_m3 - largest_bag_m3)) <= PALLETS
    # and weight is not what fills it: the densest bags weigh less than the payload
    assert P.DEFAULT.charter_volume_m3 * P.DENSITY_KG_M3[1] < P.DEFAULT.charter_payload_kg
    # the planner's forecast page books the same charter
    assert P.DEFAULT.charter_volume_m3 == charters.CHARTER_M3


@pytest.mark.django_db
@pytest.mark.parametrize("density", P.DENSITY_KG_M3)
def test_the_747_takes_the_pallets_of_a_full_charter_and_no_full_one_more(density):
    """PALLETS pallets each as full of the twin's bags as the hub builds them, at the lightest
    and the densest parcels, are loaded onto a 747-400F by the hub's loading step (no load
    plan: the next free position that takes it, within every zone); one more is refused."""
    _merchant, staff = setup()
    pmc = UldType.objects.get(code="PMC")
    volume_cm3 = int(pmc.usable_volume_m3 * 1_000_000)
    grams = int(volume_cm3 / 1_000_000 * density * 1000)
    hub, gateway = Hub.objects.get(code="SZX-HUB"), Gateway.objects.get(iata="GRU")
    departs = dt.datetime(2026, 6, 1, 18, tzinfo=dt.UTC)
    flight = flights.new_flight(
        flights.Log(first_number=7000), "committed", "SZX", "GRU", departs,
        departs + dt.timedelta(hours=27), 560_000.0,
    )  # fmt: skip
    for n in range(PALLETS + 1):
        Uld.objects.create(
            identifier=f"PMC{70001 + n}5Y", uld_type=pmc, hub=hub, gateway=gateway,
            state=Uld.State.CLOSED, weight_g=grams, volume_cm3=volume_cm3, bag_count=1,
        )  # fmt: skip
    staff_szx = staff["SZX-HUB"]
    for n in range(PALLETS):
        loaded = loading.load_uld_onto_flight(staff_szx, f"PMC{70001 + n}5Y", flight)
        assert loaded.position, n
    with pytest.raises(ValidationError):
        loading.load_uld_onto_flight(staff_szx, f"PMC{70001 + PALLETS}5Y", flight)
    assert flight.ulds.count() == PALLETS
