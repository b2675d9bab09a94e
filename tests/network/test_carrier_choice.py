"""The network's choice of last-mile carrier (network.carrier_choice): postal-code areas,
service level, cut-off, then price, ties to the lane's carrier; no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from caravana.network.carrier_choice import Candidate, choose, covers, postal_key, price

SP = "01310-100"  # São Paulo, Avenida Paulista
MANAUS = "69005-010"


def test_postal_keys():
    assert postal_key("01310-100") == postal_key("01310100") == "01310100"
    assert postal_key("C1425ABC") == "1425"  # Argentina's CPA by its four digits
    assert postal_key("750-0000") == "7500000"
    assert postal_key(" 15074 ") == "15074"


def test_areas_cover_by_range_and_length():
    c = Candidate("x", areas=(("01000000", "09999999"),))
    assert covers(c, "01310100") and not covers(c, "69005010") and not covers(c, "0131010")
    assert covers(Candidate("y"), "69005010")  # no areas: the whole country


def test_price_per_parcel_plus_per_kg():
    c = Candidate("x", per_parcel=Decimal("12.50"), per_kg=Decimal("4.00"))
    assert price(c, 1500) == Decimal("18.50")
    assert price(Candidate("y", per_kg=Decimal("3")), 500) == Decimal("1.5")
    assert price(Candidate("z"), 500) is None


def test_postal_code_decides_first():
    metro = Candidate("metro", areas=(("01000000", "09999999"),), per_parcel=Decimal("5"))
    national = Candidate("national", per_parcel=Decimal("20"), preferred=True)
    assert choose([metro, national], postal_code=SP, level="standard", weight_g=500).code == (
        "metro"
    )
    far = choose([metro, national], postal_code=MANAUS, level="standard", weight_g=500)
    assert far.code == "national" and far.refused == {"metro": "area"}


def test_service_level_then_cheapest():
    express = Candidate("express", levels=frozenset({"premium"}), per_parcel=Decimal("9"))
    post = Candidate("post", levels=frozenset({"standard", "economy"}), per_parcel=Decimal("7"))
    courier = Candidate("courier", per_parcel=Decimal("8"))
    premium = choose([express, post, courier], postal_code=SP, level="premium", weight_g=500)
    assert premium.code == "courier" and premium.refused == {"post": "level"}
    assert premium.ranking == ("courier", "express")
    standard = choose([express, post, courier], postal_code=SP, level="standard", weight_g=500)
    assert standard.code == "post"


def test_per_kg_price_changes_the_choice_with_weight():
    flat = Candidate("flat", per_parcel=Decimal("30"))
    by_kg = Candidate("by_kg", per_parcel=Decimal("5"), per_kg=Decimal("10"))
    assert choose([flat, by_kg], postal_code=SP, level="standard", weight_g=1000).code == "by_kg"
    assert choose([flat, by_kg], postal_code=SP, level="standard", weight_g=4000).code == "flat"


def test_cut_off_before_price():
    early = Candidate("early", cutoff=dt.time(12, 0), per_parcel=Decimal("5"))
    late = Candidate("late", cutoff=dt.time(18, 0), per_parcel=Decimal("9"))
    kw = {"postal_code": SP, "level": "standard", "weight_g": 500}
    # Handover at 15:00: only "late" picks up the same day.
    assert choose([early, late], handover=dt.time(15, 0), **kw).code == "late"
    # Handover at 10:00: both make it, the cheaper wins; unknown handover: price decides.
    assert choose([early, late], handover=dt.time(10, 0), **kw).code == "early"
    assert choose([early, late], **kw).code == "early"
    # No cut-off on file counts as making it.
    unknown = Candidate("unknown", per_parcel=Decimal("20"))
    assert choose([early, unknown], handover=dt.time(15, 0), **kw).code == "unknown"


def test_unpriced_rank_last_and_ties_go_to_the_lane_carrier():
    kw = {"postal_code": SP, "level": "standard", "weight_g": 500}
    priced = Candidate("b-priced", per_parcel=Decimal("50"))
    lane = Candidate("c-lane", preferred=True)
    other = Candidate("a-other")
    assert choose([lane, other, priced], **kw).code == "b-priced"
    assert choose([other, lane], **kw).code == "c-lane"  # a tie: the lane's carrier
    assert choose([Candidate("b"), Candidate("a")], **kw).code == "a"  # then by code


def test_nobody_covers():
    only_rio = Candidate("rio", areas=(("20000000", "28999999"),))
    choice = choose([only_rio], postal_code=SP, level="standard", weight_g=500)
    assert choice.code is None and choice.refused == {"rio": "area"} and choice.ranking == ()
