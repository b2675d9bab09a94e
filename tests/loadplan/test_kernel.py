"""The load-plan kernel: the balance table, bags into ULDs, ULDs onto positions."""

import pytest

from caravana.loadplan import aircraft as balance
from caravana.loadplan import packing
from caravana.loadplan.picture import envelope_picture
from caravana.loadplan.placement import LoadPlanInfeasible, UldLoad, place_ulds
from caravana.loadplan.problems import ENGLISH, Problem
from caravana.network.seed import AIRCRAFT

PMC = packing.UldSpec("PMC", "main", 6804, 110, 15_000_000)


def test_table_matches_the_network_and_cites_every_row():
    table = balance.table()
    for code, _name, _payload, _vol, main, lower, *_ in AIRCRAFT:
        ac = table[code]
        assert sum(p.deck == "main" for p in ac.positions) == main
        assert sum(p.deck == "lower" for p in ac.positions) == lower
        assert ac.envelope[0].zfw_kg == ac.oew_kg
        assert all(e.fwd_pct < e.aft_pct for e in ac.envelope)
    assert all(r["source"] and r["verified"] in ("yes", "no") for r in balance.rows())
    assert balance.aircraft("A388") is None


def _check_limits(ac, loads, placed):
    by_id = {u.identifier: u for u in loads}
    used = list(placed.positions.values())
    assert len(used) == len(set(used)) == len(loads)
    weight = {}
    for ident, name in placed.positions.items():
        p = ac.position(name)
        assert p.deck == by_id[ident].deck and by_id[ident].gross_kg <= p.max_kg
        weight[name] = by_id[ident].gross_kg
    for z in ac.zones:
        assert sum(weight.get(n, 0) for n in z.positions) <= z.max_kg, z.name
    fwd, aft = ac.limits_at(placed.zfw_kg)
    assert fwd - 0.01 <= placed.cg_pct <= aft + 0.01


@pytest.mark.parametrize("code", ["B744F", "B748F", "B77F", "B763F"])
def test_placement_keeps_every_limit_and_is_deterministic(code):
    ac = balance.aircraft(code)
    n_main = sum(p.deck == "main" for p in ac.positions)
    scale = (ac.max_zfw_kg - ac.oew_kg) * 0.8 / (n_main * 3000)  # stay within the payload
    loads = [
        UldLoad(f"PMC{i:05d}CV", "main", int((1200 + (i * 613) % 3600) * scale), dg=i % 4 == 0)
        for i in range(n_main - 4)
    ]
    if any(p.deck == "lower" for p in ac.positions):
        loads += [UldLoad(f"AKE{i:04d}CV", "lower", 700 + i * 90) for i in range(6)]
    first = place_ulds(ac, loads)
    _check_limits(ac, loads, first)
    assert place_ulds(ac, loads) == first
    # the CG sits toward the aft target, not merely inside the envelope
    assert abs(first.cg_pct - first.target_pct) < 2.0


def test_loaded_ulds_keep_their_positions():
    ac = balance.aircraft("B744F")
    loads = [UldLoad("PMC00001CV", "main", 3000, fixed="M3"), UldLoad("PMC00002CV", "main", 3000)]
    placed = place_ulds(ac, loads)
    assert placed.positions["PMC00001CV"] == "M3"
    _check_limits(ac, loads, placed)


def test_infeasible_plans_name_the_limit():
    ac = balance.aircraft("B744F")
    with pytest.raises(LoadPlanInfeasible, match="lower-deck|lower deck"):
        place_ulds(ac, [UldLoad("AKE1234CV", "lower", 500)])
    with pytest.raises(LoadPlanInfeasible, match="no main-deck position .* 6800 kg"):
        place_ulds(ac, [UldLoad("PMC12345CV", "main", 7000)])
    with pytest.raises(LoadPlanInfeasible, match="31 ULDs for the main deck"):
        place_ulds(ac, [UldLoad(f"PMC{i:05d}CV", "main", 100) for i in range(31)])
    # Three heavy pallets, nowhere to put them but on the nose and tail: weight limits bite.
    heavy = [UldLoad(f"PMC{i:05d}CV", "main", 6800) for i in range(30)]
    with pytest.raises(LoadPlanInfeasible, match="zero-fuel weight|weight limits"):
        place_ulds(ac, heavy)


def test_infeasible_centre_of_gravity_is_named():
    ac = balance.aircraft("B763F")
    # Four loaded ULDs pinned at the very front make the CG too far forward.
    loads = [UldLoad(f"PMC0000{n}CV", "main", 4000, fixed=f"M{n}") for n in (1, 3, 5, 7)] + [
        UldLoad("PMC00009CV", "main", 500)
    ]
    with pytest.raises(LoadPlanInfeasible, match="centre of gravity"):
        place_ulds(ac, loads)


def test_packing_keeps_dangerous_goods_apart_within_weight_and_volume():
    bags = [
        packing.BagItem(f"B{i:03d}", 20_000 + (i * 7919) % 30_000, 150_000, dg=i % 5 == 0)
        for i in range(200)
    ]
    builds = packing.pack_bags(bags, PMC)
    assert packing.pack_bags(bags, PMC) == builds
    dg = {b.identifier for b in bags if b.dg}
    seen = [i for b in builds for i in b.bags]
    assert sorted(seen) == sorted(b.identifier for b in bags)
    by_id = {b.identifier: b for b in bags}
    for b in builds:
        assert b.dg == all(i in dg for i in b.bags) and (b.dg or not dg & set(b.bags))
        assert sum(by_id[i].weight_g for i in b.bags) == b.weight_g <= PMC.net_g
        assert sum(by_id[i].volume_cm3 for i in b.bags) == b.volume_cm3 <= PMC.volume_cm3
    with pytest.raises(packing.PackingError, match="B999"):
        packing.pack_bags([packing.BagItem("B999", 7_000_000, 1)], PMC)


def test_contour_and_stacking_reduce_the_volume():
    box = 304 * 230 * 300
    contoured = packing.contoured_volume_cm3(304, 230, 300, (76, 51), stacking=1.0)
    assert contoured == box - 304 * 76 * 51
    assert packing.contoured_volume_cm3(304, 230, 300, (76, 51)) < contoured


def test_envelope_picture_marks_the_point_inside_or_out():
    ac = balance.aircraft("B77F")
    inside = envelope_picture(ac, 200_000, 25.0, 30.0)
    assert inside.inside and inside.polygon.count(",") == 2 * len(ac.envelope)
    assert not envelope_picture(ac, 200_000, 40.0, 30.0).inside


def test_a_problem_is_a_code_and_its_figures_for_the_caller_to_word():
    """The kernel has no gettext: fulfillment.services.load_plans words the code and figures
    in the reader's language."""
    ac = balance.aircraft("B744F")
    with pytest.raises(LoadPlanInfeasible) as exc:
        place_ulds(ac, [UldLoad("PMC12345CV", "main", 7000)])
    assert exc.value.problem is Problem.ULD_TOO_HEAVY
    assert exc.value.params == {
        "uld": "PMC12345CV", "kg": 7000, "deck": "main", "aircraft": "B744F", "max_kg": 6800
    }  # fmt: skip
    with pytest.raises(packing.PackingError) as bag:
        packing.pack_bags([packing.BagItem("B999", 7_000_000, 1)], PMC)
    assert bag.value.problem is Problem.BAG_TOO_BIG and bag.value.params["bag"] == "B999"
    assert set(ENGLISH) == set(Problem)


def test_every_problem_is_worded_in_each_language():
    from django.utils import translation

    from caravana.fulfillment.services.load_plans import _message

    params = {
        "uld": "U1", "position": "M1", "deck": "lower", "aircraft": "B744F", "n": 2,
        "positions": 1, "kg": 9.5, "max_kg": 1, "zfw_kg": 1, "fwd": 10.0, "aft": 30.0,
        "zones": (("Z1", 100),), "bag": "B1", "m3": 1.0, "net_kg": 1.0, "usable_m3": 1.0,
    }  # fmt: skip
    for language in ("en", "es", "pt-br", "zh-hans"):
        with translation.override(language):
            for problem in Problem:
                assert "%(" not in _message(problem, params)


@pytest.mark.parametrize(
    ("code", "fixed", "kg", "free"),
    [
        ("B748F", [f"M{n}" for n in range(24, 33)], 2600, 4),  # ended at 31.96 against 31.56
        ("B744F", "last 11 but 2", 4640, 8),  # ended at 32.01 against 32.00
    ],
)
def test_no_plan_ends_past_the_aft_limit_with_the_aft_positions_loaded(code, fixed, kg, free):
    """ULDs already loaded on aft positions, more to place: whatever is returned has its exact
    centre of gravity (from the table's arms, not the solver's) inside the envelope. With arms
    rounded to decimetres both of these plans were returned past the aft limit."""
    ac = balance.aircraft(code)
    if fixed == "last 11 but 2":
        fixed = [p.name for p in ac.positions if p.deck == "main"][-11:-2]
    loads = [UldLoad(f"P{n}", "main", kg, fixed=n) for n in fixed]
    loads += [UldLoad(f"U{k}", "main", 3000) for k in range(free)]
    try:
        placed = place_ulds(ac, loads)
    except LoadPlanInfeasible as exc:
        assert exc.problem == Problem.CG_OUT_OF_LIMITS
        return
    arms = {p.name: p.arm_m for p in ac.positions}
    moment = ac.oew_kg * ac.oew_arm_m
    moment += sum(u.gross_kg * arms[placed.positions[u.identifier]] for u in loads)
    fwd, aft = ac.limits_at(placed.zfw_kg)
    assert fwd <= ac.pct_mac(moment / placed.zfw_kg) <= aft


def test_a_uld_type_with_no_room_refuses_bags_by_name():
    """A type whose tare is its max gross (or whose volume is 0) once divided by zero: the
    planner's page answered 500. Now every bag is refused, named."""
    for spec in (
        packing.UldSpec("PMC", "main", 110, 110, 17_000_000),
        packing.UldSpec("PMC", "main", 6_804, 110, 0),
    ):
        with pytest.raises(packing.PackingError) as refused:
            packing.pack_bags([packing.BagItem("B1", 5_000, 40_000)], spec)
        assert refused.value.problem == Problem.BAG_TOO_BIG and refused.value.params["bag"] == "B1"


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: packing.BagItem("B1", -5_000, 40_000), "BagItem.weight_g"),
        (lambda: packing.BagItem("B1", 5_000, float("nan")), "BagItem.volume_cm3"),
        (lambda: packing.UldSpec("PMC", "main", 6_804, -110, 1), "UldSpec.tare_kg"),
        (lambda: UldLoad("PMC12345CV", "main", float("nan")), "UldLoad.gross_kg"),
        (lambda: UldLoad("PMC12345CV", "main", -1), "UldLoad.gross_kg"),
        (lambda: UldLoad("PMC12345CV", "main", True), "UldLoad.gross_kg"),
    ],
)
def test_the_kernel_refuses_negative_or_nan_sizes_by_name(make, field):
    """Called directly, the kernel once took a bag of -5 kg as room and a NaN gross as a
    placement: its records now refuse them, naming the field."""
    with pytest.raises(ValueError, match=rf"^{field}: must be a whole number at least 0"):
        make()


def _cg(ac, loaded):
    weight = ac.oew_kg + sum(loaded.values())
    moment = ac.oew_kg * ac.oew_arm_m + sum(kg * ac.position(n).arm_m for n, kg in loaded.items())
    return ac.pct_mac(moment / weight), ac.limits_at(weight)


def test_unplanned_pallets_keep_the_centre_of_gravity_where_nose_first_did_not():
    """Twelve 4.5 t pallets onto a 747-400F one by one with no load plan: the rule the hub once
    followed (the first free position from the nose) ends at −16 % MAC, forward of the 13 %
    limit; the balanced rule stays within the envelope at every step."""
    ac = balance.table()["B744F"]
    names = [p.name for p in ac.positions if p.deck == "main"]
    nose_first, balanced = {}, {}
    for _ in range(12):
        nose_first[ac.next_free(names, nose_first, 4500.0)] = 4500.0
        balanced[ac.balanced_free(names, balanced, 4500.0)] = 4500.0
        cg, (fwd, aft) = _cg(ac, balanced)
        assert fwd <= cg <= aft
    cg, (fwd, _aft) = _cg(ac, nose_first)
    assert cg < fwd


@pytest.mark.parametrize("seed", [3, 4])
def test_balanced_loading_never_leaves_the_envelope_and_refuses_only_when_it_must(seed):
    """Random sequences of 300–6,800 kg pallets onto every type's main deck: each step within
    the envelope and every zone; a refusal only when each free position that takes the weight
    would put the CG outside the limits."""
    import random

    rng = random.Random(seed)
    refusals = 0
    for _ in range(60):
        ac = balance.table()[rng.choice(["B744F", "B748F", "B77F", "B763F"])]
        names = [p.name for p in ac.positions if p.deck == "main"]
        loaded = {}
        while True:
            kg = float(rng.randint(300, 6800))
            name = ac.balanced_free(names, loaded, kg)
            if name is None:
                takers = [n for n in names if ac.takes(n, loaded, kg)]
                for n in takers:
                    cg, (fwd, aft) = _cg(ac, {**loaded, n: kg})
                    assert not fwd <= cg <= aft
                refusals += bool(takers)
                break
            assert ac.takes(name, loaded, kg)
            loaded[name] = kg
            cg, (fwd, aft) = _cg(ac, loaded)
            assert fwd <= cg <= aft
            for z in ac.zones:
                assert sum(loaded.get(n, 0) for n in z.positions) <= z.max_kg
    assert refusals < 10  # of 60: most loads end because no position takes the weight


def test_fuselage_limits_run_to_the_nose_and_the_tail_and_zfw_is_the_network_s():
    """A cumulative limit at a wing station carries every position ahead of it (or behind it):
    the 747-400F's once left out its nose pair and tail pair, and M1/M2 at 2,270 kg plus M3–M12
    at 4,500 kg were planned at 49,540 kg against 45,000. The maximum zero-fuel weight is the
    empty weight plus the network's payload for the type (seed.AIRCRAFT), so the kernel refuses
    what the hub would."""
    for code, _name, payload, _vol, _main, _lower, *_ in AIRCRAFT:
        ac = balance.aircraft(code)
        main = [p.name for p in ac.positions if p.deck == "main"]
        zones = {z.name: z.positions for z in ac.zones}
        forward, aft = zones["forward of wing"], zones["aft of wing"]
        assert list(forward) == main[: len(forward)], code
        assert list(aft) == main[len(main) - len(aft) :], code
        assert ac.max_zfw_kg - ac.oew_kg == payload, code
    ac = balance.aircraft("B744F")
    loads = [UldLoad(f"N{n}", "main", 2270, fixed=f"M{n}") for n in (1, 2)]
    loads += [UldLoad(f"F{n}", "main", 4500, fixed=f"M{n}") for n in range(3, 13)]
    with pytest.raises(LoadPlanInfeasible) as exc:
        place_ulds(ac, loads)
    assert exc.value.problem is Problem.WEIGHT_LIMITS


def test_an_empty_flight_has_a_plan_and_a_fixed_uld_is_held_to_its_own_position():
    ac = balance.aircraft("B744F")
    empty = place_ulds(ac, [])
    assert empty.positions == {} and empty.zfw_kg == ac.oew_kg and empty.optimal
    assert empty.fwd_pct <= empty.cg_pct <= empty.aft_pct
    with pytest.raises(LoadPlanInfeasible) as exc:
        place_ulds(ac, [UldLoad("X", "main", 5000, fixed="M1")])  # M1 takes 4,540 kg
    assert exc.value.problem is Problem.FIXED_TOO_HEAVY
    assert exc.value.params == {"uld": "X", "kg": 5000, "position": "M1", "max_kg": 4540}


def test_builds_are_held_to_a_position_s_share_of_its_pair():
    table = balance.table()
    assert table["B744F"].build_kg("main") == 4_850  # 9,700 kg pairs
    assert table["B763F"].build_kg("main") == 4_000  # 8,000 kg pairs
    assert table["B77F"].build_kg("lower") == 1_588  # an AKE's own: its holds are zones of 6 and 4
    assert table["B744F"].build_kg("lower") is None  # no lower-deck positions


def test_the_balanced_position_weighs_what_is_on_the_other_deck_too():
    """A 777F with its lower holds loaded: the main-deck choice counts their moment (the CG is
    the whole aircraft's), and a name unknown to the table is not asked for."""
    ac = balance.table()["B77F"]
    names = [p.name for p in ac.positions if p.deck == "main"]
    aft_hold = {f"L{n}": 1_500.0 for n in range(7, 11)}
    fwd_hold = {f"L{n}": 1_500.0 for n in range(1, 7)}
    after_aft = ac.balanced_free(names, aft_hold, 4_000.0)
    after_fwd = ac.balanced_free(names, fwd_hold, 4_000.0)
    arm = {p.name: p.arm_m for p in ac.positions}
    assert arm[after_aft] <= arm[after_fwd]  # an aft-heavy hold pulls the pallet forward
    for loaded in (aft_hold, fwd_hold):
        where = ac.balanced_free(names, loaded, 4_000.0)
        _w, cg, fwd, aft = ac.balance_of({**loaded, where: 4_000.0})
        assert fwd <= cg <= aft
