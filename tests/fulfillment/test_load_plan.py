"""The flight's load plan at the hub: what the load sheet shows is where loading puts a ULD."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from caravana.accounts.models import Role
from caravana.fulfillment.error_codes import FulfillmentErrorCode
from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.services import hub_steps, load_plans, load_sheets, loading
from caravana.network.models import AircraftType, Flight, Hub, UldType
from tests import factories as f
from tests.fulfillment.conftest import TODAY
from tests.fulfillment.test_pages import client_for


def _bag(make_parcel, hub_user, n=2, weight=5_000, **over):
    for _ in range(n):
        p = make_parcel(declared_weight_g=weight, **over)
        hub_steps.receive(hub_user, p.s10, weight, 40, 30, 20)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
    return hub_steps.close_bag(hub_user, bag.identifier)


def test_planned_ulds_load_where_the_plan_puts_them(make_parcel, hub_user):
    flight = Flight.objects.get(number="5Y8301", date=TODAY)  # a B747-400F
    for tag in ("PMC12345CV", "PMC12346CV"):
        loading.build_uld(hub_user, tag, _bag(make_parcel, hub_user).identifier)
        loading.close_uld(hub_user, tag)
    Uld.objects.update(planned_flight=flight)
    # bags planned on the flight but not in a ULD yet: the plan packs them, batteries apart
    loose = [_bag(make_parcel, hub_user), _bag(make_parcel, hub_user, battery="in_equipment")]
    Bag.objects.filter(pk__in=[b.pk for b in loose]).update(planned_flight=flight)

    plan = load_plans.flight_load_plan(flight)
    assert plan is not None and not plan.error
    builds = [r for r in plan.rows if r.status == "build"]
    assert sorted(r.dg for r in builds) == [False, True]
    assert plan.fwd_pct <= plan.cg_pct <= plan.aft_pct
    assert load_plans.flight_load_plan(flight) == plan  # the same plan every time

    uld = loading.load_uld_onto_flight(hub_user, "PMC12345CV", flight)
    assert uld.position == plan.position_of("PMC12345CV")
    after = load_plans.flight_load_plan(flight)
    assert after.position_of("PMC12345CV") == uld.position  # a loaded ULD stays put

    sheet = load_sheets.load_sheet(flight, with_plan=True)
    assert sheet.plan.rows and load_sheets.load_sheet(flight).plan is None
    page = client_for(hub_user).get(f"/hub/flights/{flight.pk}/").content.decode()
    assert 'data-testid="load-plan"' in page and "<polygon" in page and "% MAC" in page


def test_without_balance_data_or_plan_the_next_free_position(make_parcel, hub_user):
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    loading.build_uld(hub_user, "PMC12345CV", _bag(make_parcel, hub_user).identifier)
    loading.close_uld(hub_user, "PMC12345CV")
    Uld.objects.update(planned_flight=flight)
    AircraftType.objects.filter(code="B744F").update(code="B744X")  # no balance data
    flight.refresh_from_db()
    assert load_plans.flight_load_plan(flight) is None
    assert loading.load_uld_onto_flight(hub_user, "PMC12345CV", flight).position == "M1"


def test_a_plan_that_breaks_a_limit_says_why(make_parcel, hub_user):
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    loading.build_uld(hub_user, "AKE1234CV", _bag(make_parcel, hub_user).identifier)
    loading.close_uld(hub_user, "AKE1234CV")
    Uld.objects.update(planned_flight=flight)
    with translation.override("en"):
        plan = load_plans.flight_load_plan(flight)
    assert "for the lower deck" in plan.error and "positions there" in plan.error
    assert not plan.rows
    # The kernel gives a code and figures; the words are the reader's (from the cached plan).
    for language, words in (("es", "cubierta inferior"), ("pt-br", "porão"), ("zh-hans", "下")):
        with translation.override(language):
            assert words in load_plans.flight_load_plan(flight).error
    page = client_for(hub_user).get(f"/hub/flights/{flight.pk}/").content.decode()
    assert 'data-testid="load-plan-error"' in page


def test_every_kernel_problem_has_a_translated_message():
    from caravana.loadplan.problems import Problem

    assert set(load_plans.MESSAGES) == set(Problem)
    with translation.override("en"):
        english = {p: str(m) for p, m in load_plans.MESSAGES.items()}
    for language in ("es", "pt-br", "zh-hans"):
        with translation.override(language):
            untranslated = [p for p, m in load_plans.MESSAGES.items() if str(m) == english[p]]
        assert not untranslated, (language, untranslated)


def test_with_no_plan_a_heavy_uld_goes_where_its_weight_is_taken(make_parcel, hub_user):
    """An unplanned 6,000 kg pallet on a 747-400F: M1 takes 4,540 kg at most (balance data),
    so the next free position that takes it, not M1."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    loading.build_uld(hub_user, "PMC12345CV", _bag(make_parcel, hub_user).identifier)
    loading.close_uld(hub_user, "PMC12345CV")
    Uld.objects.filter(identifier="PMC12345CV").update(weight_g=6_000_000 - 110_000)
    uld = loading.load_uld_onto_flight(hub_user, "PMC12345CV", flight)
    limits = {p.name: p.max_kg for p in load_plans.balance.aircraft("B744F").positions}
    assert uld.position != "M1" and uld.gross_kg <= limits[uld.position]


def test_loose_bags_are_built_no_heavier_than_a_position_takes(make_parcel, hub_user):
    """A PMC takes 6,804 kg gross, a 747-400F position at most 6,800: a plan that filled
    pallets to the PMC's limit failed as a whole. The builds stop at the position's limit."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    bags = [_bag(make_parcel, hub_user, n=1, weight=30_000) for _ in range(2)]
    tare = UldType.objects.get(code="PMC").tare_kg
    # two bags that fill one pallet to its 6,804 kg exactly
    Bag.objects.filter(pk__in=[b.pk for b in bags]).update(
        planned_flight=flight, weight_g=(6_804 - tare) * 500, volume_cm3=100_000
    )
    plan = load_plans.flight_load_plan(flight)
    assert plan is not None and not plan.error, plan.error
    builds = [r for r in plan.rows if r.status == "build"]
    assert len(builds) == 2 and max(r.gross_kg for r in builds) <= 6_800


def test_a_plan_error_ends_with_one_full_stop(make_parcel, hub_user):
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    loading.build_uld(hub_user, "AKE1234CV", _bag(make_parcel, hub_user).identifier)
    loading.close_uld(hub_user, "AKE1234CV")
    Uld.objects.update(planned_flight=flight)
    page = client_for(hub_user).get(f"/hub/flights/{flight.pk}/").content.decode()
    assert (
        'data-testid="load-plan-error"' in page
        and ".." not in page.split("load-plan-error")[1][:600]
    )


def test_the_hub_builds_battery_bags_apart_as_the_plan_packs_them(make_parcel, hub_user):
    """The plan packs bags with lithium batteries into ULDs of their own; the hub's build step
    refuses to mix them either way, naming the bag, and changes nothing."""
    plain = _bag(make_parcel, hub_user)
    battery = _bag(make_parcel, hub_user, battery="in_equipment")
    other_battery = _bag(make_parcel, hub_user, battery="in_equipment")
    loading.build_uld(hub_user, "PMC12345CV", plain.identifier)
    loading.build_uld(hub_user, "PMC12346CV", battery.identifier)
    for uld, bag in (("PMC12345CV", other_battery), ("PMC12346CV", _bag(make_parcel, hub_user))):
        with pytest.raises(ValidationError) as refused:
            loading.build_uld(hub_user, uld, bag.identifier)
        (error,) = refused.value.error_dict["bag"]
        assert error.code == FulfillmentErrorCode.DG_APART and bag.identifier in error.message
        assert Bag.objects.get(pk=bag.pk).uld_id is None
    loading.build_uld(hub_user, "PMC12346CV", other_battery.identifier)  # batteries together
    assert Uld.objects.get(identifier="PMC12346CV").dg_bag_count == 2


def test_a_plan_over_the_aircraft_s_payload_says_so(make_parcel, hub_user):
    """The balance envelope's zero-fuel weight would allow 124 t of ULDs on a 747-400F; its
    payload is 113 t, which hub loading enforces: the plan says so instead of placing them."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    bag = _bag(make_parcel, hub_user)
    big = [_bag(make_parcel, hub_user, n=1) for _ in range(25)]
    Bag.objects.filter(pk__in=[b.pk for b in big] + [bag.pk]).update(
        planned_flight=flight, weight_g=4_500_000, volume_cm3=100_000
    )
    with translation.override("en"):
        plan = load_plans.flight_load_plan(flight)
    assert "carries" in plan.error and not plan.rows


def test_with_no_plan_a_pallet_pair_keeps_its_limit(make_parcel, hub_user):
    """Two unplanned 6,000 kg pallets on a 747-400F: each position takes 6,800 kg, but M3 and
    M4 together take 9,700 (balance data): the second goes past the pair, not beside the first."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    for tag in ("PMC12345CV", "PMC12346CV"):
        loading.build_uld(hub_user, tag, _bag(make_parcel, hub_user).identifier)
        loading.close_uld(hub_user, tag)
    Uld.objects.update(weight_g=6_000_000 - 110_000)
    first = loading.load_uld_onto_flight(hub_user, "PMC12345CV", flight).position
    second = loading.load_uld_onto_flight(hub_user, "PMC12346CV", flight).position
    ac = load_plans.balance.aircraft("B744F")
    for z in ac.zones:
        on = [p for p in (first, second) if p in z.positions]
        assert sum(Uld.objects.get(position=p).gross_kg for p in on) <= z.max_kg, z.name
    assert {first, second} != {"M3", "M4"}


def test_the_envelope_picture_s_numbers_stay_numbers_in_every_language(make_parcel, hub_user):
    """An SVG coordinate is a number, whatever the reader's language: "137,6" in Spanish was read
    as two x positions, one a glyph, and scattered the axis labels over the picture."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    Bag.objects.filter(pk=_bag(make_parcel, hub_user).pk).update(planned_flight=flight)
    client = client_for(hub_user)
    for language in ("es", "pt-br", "en"):
        client.cookies["django_language"] = language
        page = client.get(f"/hub/flights/{flight.pk}/").content.decode()
        start = page.index('<figure class="cg-envelope">')
        svg = page[start : page.index("</svg>", start)]
        assert re.findall(r'\b(?:x|y|cx|cy|x1|x2|y1|y2)="[0-9.]+"', svg), language
        assert not re.search(r'\b(?:x|y|cx|cy|x1|x2|y1|y2|width|height)="[^"]*,', svg), language
        assert re.search(r'points="[0-9.]+,[0-9.]+', svg), language  # points keep x,y pairs


def test_the_sheet_names_the_hub_of_each_row_when_two_hubs_feed_the_flight(make_parcel, hub_user):
    """A feeder's bags are built at the feeder and its pallets trucked to the airport (decision
    0046): where one hub builds for the airport the sheet says "the hub"; where two do, it names
    the hub each pallet is at or is to be built at, in the load plan and the flight plan's
    table."""
    flight = Flight.objects.get(number="5Y8309", date=TODAY + dt.timedelta(days=5))
    assert flight.origin == "HGH"
    hangzhou, yiwu = Hub.objects.get(code="HGH-HUB"), Hub.objects.get(code="YIW-HUB")
    first, second = _bag(make_parcel, hub_user), _bag(make_parcel, hub_user)
    loading.build_uld(hub_user, "PMC12345CV", _bag(make_parcel, hub_user).identifier)
    loading.close_uld(hub_user, "PMC12345CV")
    Bag.objects.filter(pk__in=[first.pk, second.pk]).update(planned_flight=flight, hub=hangzhou)
    Uld.objects.update(planned_flight=flight, hub=hangzhou)
    client = client_for(f.user(Role.PLANNER))  # a planner sees every hub's flights
    page = client.get(f"/planning/flights/{flight.pk}/").content.decode()
    assert "Bags at HGH-HUB" in page and "At HGH-HUB" in page  # Yiwu builds for HGH too
    Hub.objects.filter(pk=yiwu.pk).update(is_active=False)
    page = client.get(f"/planning/flights/{flight.pk}/").content.decode()
    assert "Bags at the hub" in page and "At the hub" in page and "HGH-HUB" not in page
    Hub.objects.filter(pk=yiwu.pk).update(is_active=True)
    Bag.objects.filter(pk=second.pk).update(hub=yiwu)
    Uld.objects.update(hub=yiwu)
    plan = load_plans.flight_load_plan(flight)
    builds = {r.hub: r.bags for r in plan.rows if r.status == "build"}
    assert builds == {"HGH-HUB": (first.identifier,), "YIW-HUB": (second.identifier,)}
    assert [r.hub for r in plan.rows if r.status == "hub"] == ["YIW-HUB"]
    for language, at, bags in (
        ("en", "At", "Bags at"), ("es", "En", "Sacas en"), ("pt-br", "No", "Sacas no"),
        ("zh-hans", "在", "袋在"),
    ):  # fmt: skip
        client.cookies["django_language"] = language
        page = client.get(f"/planning/flights/{flight.pk}/").content.decode()
        assert f"{bags} HGH-HUB" in page and f"{bags} YIW-HUB" in page, language
        plan_table = page[page.index('data-testid="load-plan"') :]
        planned = page[page.index('data-testid="planned-load"') :]
        assert f"{at} YIW-HUB" in plan_table.split("</table>")[0], language
        assert f"{at} YIW-HUB" in planned.split("</table>")[0], language  # the flight plan's


def _loaded_cg(flight):
    ac = load_plans.balance.aircraft(flight.aircraft_type.code)
    loaded = {u.position: float(u.gross_kg) for u in Uld.objects.filter(flight=flight)}
    weight = ac.oew_kg + sum(loaded.values())
    moment = ac.oew_kg * ac.oew_arm_m + sum(kg * ac.position(n).arm_m for n, kg in loaded.items())
    return ac.pct_mac(moment / weight), ac.limits_at(weight)


def _pallets(make_parcel, hub_user, n: int, kg: int = 4_500) -> list[str]:
    """`n` closed PMCs of one bag each, weighed to `kg` gross: PMC12300CV, PMC12301CV, …"""
    tags = [f"PMC{12300 + k}CV" for k in range(n)]
    for tag in tags:
        loading.build_uld(hub_user, tag, _bag(make_parcel, hub_user, n=1).identifier)
        loading.close_uld(hub_user, tag)
    tare = UldType.objects.get(code="PMC").tare_kg
    Uld.objects.filter(identifier__in=tags).update(weight_g=(kg - tare) * 1000)
    return tags


def _nose_heavy(flight, tags) -> None:
    """The first ten of `tags` put on M3–M12, ahead of the wing, as the nose-first rule did."""
    for k, tag in enumerate(tags[:10]):
        Uld.objects.filter(identifier=tag).update(
            flight=flight, position=f"M{k + 3}", state=Uld.State.LOADED
        )


def test_with_no_plan_pallets_load_in_balance(make_parcel, hub_user):
    """Twelve unplanned 4.5 t pallets onto a 747-400F: loaded nose first they ended at −16 %
    MAC against a forward limit of 13 %; each now goes where the CG stays within limits."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    tags = _pallets(make_parcel, hub_user, 12)
    for tag in tags:
        loading.load_uld_onto_flight(hub_user, tag, flight)
        cg, (fwd, aft) = _loaded_cg(flight)
        assert fwd <= cg <= aft, (tag, cg)
    assert Uld.objects.filter(flight=flight).count() == 12


def test_with_no_plan_a_uld_no_position_balances_is_refused(make_parcel, hub_user):
    """A load already nose-heavy (ten 4.5 t pallets ahead of the wing, as the old rule left
    them): no free position brings the CG back within limits with one more light pallet, so
    loading it is refused, by name, and nothing moves."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    _nose_heavy(flight, _pallets(make_parcel, hub_user, 11))  # the wing's forward 45,000 kg
    cg, (fwd, _aft) = _loaded_cg(flight)
    assert cg < fwd
    last = Uld.objects.get(identifier="PMC12310CV")
    Uld.objects.filter(pk=last.pk).update(weight_g=200_000)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        loading.load_uld_onto_flight(hub_user, "PMC12310CV", flight)
    assert caught.value.error_dict["flight"][0].code == FulfillmentErrorCode.CG_OUT_OF_LIMITS
    assert "centre of gravity" in str(caught.value)
    last.refresh_from_db()
    assert last.flight_id is None and last.state == Uld.State.CLOSED


def test_the_sheet_shows_the_balance_as_loaded_even_when_no_plan_fits(make_parcel, hub_user):
    """Ten 4.5 t pallets ahead of the wing (as the nose-first rule left them): the aircraft as
    loaded is outside its limits, and the hub's page says so beside the plan's error."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    tags = _pallets(make_parcel, hub_user, 10)
    loading.load_uld_onto_flight(hub_user, tags[0], flight)
    plan = load_plans.flight_load_plan(flight)
    assert plan.loaded is not None and plan.loaded.inside
    assert plan.loaded.zfw_kg == load_plans.balance.aircraft("B744F").oew_kg + 4_500
    _nose_heavy(flight, tags)
    plan = load_plans.flight_load_plan(flight)
    assert not plan.loaded.inside and plan.loaded.cg_pct < plan.loaded.fwd_pct
    for language, words in (("en", "Outside the limits"), ("es", "Fuera de los límites")):
        client = client_for(hub_user)
        client.cookies["django_language"] = language
        page = client.get(f"/hub/flights/{flight.pk}/").content.decode()
        start = page.index('data-testid="as-loaded"')
        assert words in page[start : page.index("</p>", start)], language


def test_dense_loose_bags_are_built_so_their_pallets_fit_the_pairs(make_parcel, hub_user):
    """68 dense bags of 1.6 t (108.8 t, under the 747-400F's 113 t): built to a position's
    own 6,800 kg they made 17 pallets of 6.4 t, and no two of those share a 9,700 kg pair: 16
    positions take one, so no plan placed them. Built to what a position takes with its pair
    loaded evenly (4,850 kg), 23 pallets of 4.8 t at most are placed within every limit."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    bags = [_bag(make_parcel, hub_user, n=1) for _ in range(68)]
    Bag.objects.filter(pk__in=[b.pk for b in bags]).update(
        planned_flight=flight, weight_g=1_600_000, volume_cm3=200_000
    )
    plan = load_plans.flight_load_plan(flight)
    assert plan is not None and not plan.error, plan.error
    builds = [r for r in plan.rows if r.status == "build"]
    assert len(builds) == 23 and max(r.gross_kg for r in builds) <= 4_850
    assert plan.fwd_pct <= plan.cg_pct <= plan.aft_pct


def test_a_uld_at_a_position_the_table_does_not_know_is_named_not_a_500(make_parcel, hub_user):
    """A position typed in the admin (M99) or none at all: the balance as loaded is not shown
    (it cannot be weighed), the plan names the fault, the page answers, and the hub can still
    load the next ULD where the known positions keep the CG within limits."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    for tag in ("PMC12345CV", "PMC12346CV", "PMC12347CV"):
        loading.build_uld(hub_user, tag, _bag(make_parcel, hub_user).identifier)
        loading.close_uld(hub_user, tag)
    Uld.objects.filter(identifier="PMC12345CV").update(
        flight=flight, position="M99", state=Uld.State.LOADED
    )
    Uld.objects.filter(identifier="PMC12346CV").update(
        flight=flight, position="", state=Uld.State.LOADED
    )
    plan = load_plans.flight_load_plan(flight)
    assert plan.loaded is None and plan.error
    assert client_for(hub_user).get(f"/hub/flights/{flight.pk}/").status_code == 200
    uld = loading.load_uld_onto_flight(hub_user, "PMC12347CV", flight)
    assert uld.position.startswith("M") and uld.position != "M99"
