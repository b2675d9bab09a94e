"""The house rule and the totals, without a database: houses add up to the master."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from caravana.waybills.structure import BagFact, UldFact, divide

bag = st.builds(
    BagFact,
    identifier=st.text("ABCDEFGH0123456789", min_size=6, max_size=15),
    service_level=st.sampled_from(["premium", "standard", "economy"]),
    carrier=st.sampled_from(["br-correios", "br-loggi"]),
    carrier_name=st.just("Carrier"),
    carrier_country=st.just("BR"),
    parcels=st.integers(1, 60),
    weight_g=st.integers(1, 30_000),
    volume_cm3=st.integers(1, 400_000),
    dangerous_goods=st.booleans(),
    uld=st.sampled_from([None, "PMC12345CV", "AKE12345CV"]),
)


@given(st.lists(bag, max_size=40, unique_by=lambda b: b.identifier))
def test_house_totals_equal_the_master(bags):
    ulds = [
        UldFact("PMC12345CV", "PMC", 120, "A1", True),
        UldFact("AKE12345CV", "AKE", 80, "", False),
    ]
    s = divide(bags, ulds)
    for key in ("pieces", "slac", "weight_g", "volume_cm3", "dg_pieces", "chargeable_g"):
        if key != "chargeable_g":  # chargeable is max(actual, volumetric) per total, not a sum
            assert sum(h.totals.as_dict()[key] for h in s.houses) == s.totals.as_dict()[key]
            assert sum(u[key] for u in s.ulds) + s.loose[key] == s.totals.as_dict()[key]
    assert sorted(b for h in s.houses for b in h.bags) == sorted(b.identifier for b in bags)
    # every bag with a ULD is listed under it, once
    assert sorted(b for held in s.uld_bags.values() for b in held) == sorted(
        b.identifier for b in bags if b.uld
    )
    assert all(b.identifier in s.uld_bags[b.uld] for b in bags if b.uld)


def test_one_house_per_service_level_and_carrier():
    bags = [
        BagFact("B1", "standard", "br-correios", "Correios", "BR", 10, 5000, 60000, False),
        BagFact(
            "B2",
            "standard",
            "br-correios",
            "Correios",
            "BR",
            5,
            2000,
            30000,
            True,
            "PMC12345CV",
            ("in_equipment",),
        ),  # fmt: skip
        BagFact("B3", "premium", "br-loggi", "Loggi", "BR", 3, 1000, 12000, False),
    ]
    s = divide(bags, [UldFact("PMC12345CV", "PMC", 120, "A1", True)])
    assert [h.key for h in s.houses] == ["premium/br-loggi", "standard/br-correios"]
    standard = s.houses[1]
    assert (standard.totals.pieces, standard.totals.slac, standard.totals.weight_g) == (2, 15, 7000)
    assert standard.batteries == {"in_equipment"} and standard.ulds == ["PMC12345CV"]
    assert s.ulds[0]["keys"] == ["standard/br-correios"] and s.ulds[0]["pieces"] == 1
    assert s.loose["pieces"] == 2
    assert s.uld_bags == {"PMC12345CV": ["B2"]}  # the loose bags B1 and B3 are in no ULD


def test_chargeable_weight_is_the_larger_of_actual_and_volumetric():
    light = divide([BagFact("B1", "economy", "c", "C", "BR", 1, 1000, 60000, False)], [])
    assert light.totals.chargeable_g == 10_000  # 60,000 cm³ / 6000 = 10 kg
    dense = divide([BagFact("B1", "economy", "c", "C", "BR", 1, 12000, 60000, False)], [])
    assert dense.totals.chargeable_g == 12_000
