"""AWB stock and the waybills a committed flight plan builds: numbers with valid check digits,
a clear error when the stock runs out (nothing written), house totals equal to the master's,
amendments kept as versions, a master voided when its cargo leaves the flight."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from caravana.codes import awb
from caravana.fulfillment.models import Bag
from caravana.fulfillment.services import load_sheets
from caravana.planning import services as planning
from caravana.planning.models import Booking
from caravana.waybills import services
from caravana.waybills.models import (
    Airline,
    AwbStock,
    HouseWaybill,
    MasterWaybill,
    WaybillVersion,
)
from tests.planning.test_commit import fl, make_run

pytestmark = pytest.mark.django_db


def test_numbers_come_from_the_stock_in_order_with_their_check_digit(airline):
    stock = AwbStock.objects.get(airline=airline)
    first = services.draw_number(airline)
    second = services.draw_number(airline)
    assert first == awb.build("369", stock.first_serial)
    assert awb.is_valid(first) and awb.is_valid(second)
    assert int(second[3:10]) == int(first[3:10]) + 1
    assert first[-1] == str(stock.first_serial % 7)


def test_a_used_up_stock_is_named_and_the_next_range_follows(network):
    airline = Airline.objects.create(name="Test Air", designator="T9", prefix="999")
    services.add_stock(airline, 10, 11)
    assert [services.draw_number(airline) for _ in range(2)] == ["99900000103", "99900000114"]
    with pytest.raises(ValidationError) as exc:
        services.draw_number(airline)
    assert "awb_stock" in exc.value.message_dict
    assert "Test Air" in exc.value.message_dict["awb_stock"][0]
    assert "999" in exc.value.message_dict["awb_stock"][0]
    services.add_stock(airline, 500, 500)
    assert services.draw_number(airline) == awb.build("999", 500)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (5, 4, "last_serial"),
        (1, 10_000_000, "last_serial"),
        (-1, 3, "first_serial"),
        (15, 20, "first_serial"),
    ],  # fmt: skip
)
def test_a_bad_range_is_refused_naming_the_field(network, first, last, field):
    airline = Airline.objects.create(name="Test Air", designator="T9", prefix="999")
    services.add_stock(airline, 10, 19)
    with pytest.raises(ValidationError) as exc:
        services.add_stock(airline, first, last)
    assert field in exc.value.message_dict
    assert AwbStock.objects.filter(airline=airline).count() == 1


def _current(master):
    return master.versions.get(number=master.version).content


def test_commit_builds_one_master_with_houses_whose_totals_match(world, airline, planner_user):
    f1, uld = world["f1"], world["uld"]
    b1, b2, b3 = world["bags"]
    run = make_run(
        planner_user,
        world,
        {
            f"bag-{b1.pk}": fl(f1),
            f"bag-{b2.pk}": fl(f1),
            f"bag-{b3.pk}": None,
            f"uld-{uld.pk}": fl(f1),
        },  # fmt: skip
    )
    planning.commit(planner_user, run)
    master = MasterWaybill.objects.get(flight=f1)
    assert awb.is_valid(master.number) and master.number.startswith("369")
    assert master.gateway.iata == "GRU" and master.version == 1
    content = _current(master)
    bags = Bag.objects.filter(pk__in=[b1.pk, b2.pk, world["inner"].pk])
    assert content["totals"]["pieces"] == 3
    assert content["totals"]["weight_g"] == sum(b.weight_g for b in bags)
    assert content["totals"]["slac"] == sum(b.parcel_count for b in bags)
    for key in ("pieces", "slac", "weight_g", "volume_cm3"):
        assert sum(h[key] for h in content["houses"]) == content["totals"][key]
    assert {h["number"] for h in content["houses"]} == set(
        HouseWaybill.objects.filter(master=master).values_list("number", flat=True)
    )
    assert [u["identifier"] for u in content["ulds"]] == [uld.identifier]
    assert content["ulds"][0]["hawbs"] and content["loose"]["pieces"] == 2
    assert b3.identifier not in {b for h in content["houses"] for b in h["bags"]}
    # the hub's load sheet shows the numbers
    sheet = load_sheets.load_sheet(f1)
    assert sheet.waybills.masters == [(awb.format(master.number), 1)]
    assert sheet.planned[0].hawbs == content["ulds"][0]["hawbs"]


def test_recommitting_amends_with_a_new_version_and_keeps_the_old(world, airline, planner_user):
    f1, f2, uld = world["f1"], world["f2"], world["uld"]
    b1, b2, b3 = world["bags"]
    first = make_run(planner_user, world, {f"bag-{b1.pk}": fl(f1), f"uld-{uld.pk}": fl(f1)})
    planning.commit(planner_user, first)
    master = MasterWaybill.objects.get(flight=f1)
    v1 = _current(master)
    # the same plan again changes nothing
    assert services.build_for_flights([f1.pk]).unchanged == 1
    second = make_run(
        planner_user,
        world,
        {f"bag-{b1.pk}": fl(f1), f"bag-{b3.pk}": fl(f1), f"uld-{uld.pk}": fl(f1)},
    )
    planning.commit(planner_user, second)
    master.refresh_from_db()
    assert master.version == 2
    assert WaybillVersion.objects.get(master=master, number=1).content == v1
    v2 = _current(master)
    assert v2["totals"]["pieces"] == v1["totals"]["pieces"] + 1
    assert v2["mawb"] == v1["mawb"]  # the number is kept: an amendment, not a new waybill
    # a third plan moves everything to the other flight: the first master is voided
    third = make_run(
        planner_user,
        world,
        {f"bag-{b1.pk}": fl(f2), f"bag-{b3.pk}": fl(f2), f"uld-{uld.pk}": fl(f2)},
    )
    planning.commit(planner_user, third)
    master.refresh_from_db()
    assert master.is_void and master.version == 3
    assert _current(master)["void"] is True and _current(master)["houses"] == []
    assert not master.houses.filter(is_void=False).exists()
    other = MasterWaybill.objects.get(flight=f2)
    assert other.number != master.number and not other.is_void
    assert WaybillVersion.objects.filter(master=master).count() == 3


def test_an_exhausted_stock_refuses_the_commit_and_writes_nothing(world, airline, planner_user):
    f1 = world["f1"]
    b1 = world["bags"][0]
    AwbStock.objects.filter(airline=airline).update(
        next_serial=10_000_000 - 1, last_serial=9_999_998
    )
    run = make_run(planner_user, world, {f"bag-{b1.pk}": fl(f1)})
    with pytest.raises(ValidationError) as exc:
        planning.commit(planner_user, run)
    assert "Atlas Air" in exc.value.message_dict["awb_stock"][0]
    b1.refresh_from_db()
    assert b1.planned_flight_id is None
    assert not Booking.objects.exists() and not MasterWaybill.objects.exists()
    run.refresh_from_db()
    assert run.committed_at is None


def test_a_flight_of_an_unknown_airline_is_booked_without_waybills(world, planner_user):
    f1, b1 = world["f1"], world["bags"][0]
    planning.commit(planner_user, make_run(planner_user, world, {f"bag-{b1.pk}": fl(f1)}))
    assert Booking.objects.count() == 1 and not MasterWaybill.objects.exists()
    assert services.build_for_flights([f1.pk]).no_airline == ["5Y8301"]
    waybills = load_sheets.load_sheet(f1).waybills  # no numbers, but the reason why
    assert waybills is not None and waybills.masters == []
    assert "5Y8301 has no airline" in waybills.problem and "designator 5Y" in waybills.problem


def test_loading_a_uld_amends_the_waybills_with_its_position(committed, hub_user):
    from caravana.fulfillment.services import loading

    flight, master = committed
    uld = master.versions.get(number=1).content["ulds"][0]
    assert uld["position"] == "" and not uld["loaded"]
    loading.load_uld_onto_flight(hub_user, uld["identifier"], flight)
    master.refresh_from_db()
    assert master.version == 2
    v2 = master.versions.get(number=2)
    assert v2.reason == f"uld:{uld['identifier']}"
    assert v2.reason_text == f"ULD {uld['identifier']} loaded"
    with translation.override("pt-br"):
        assert uld["identifier"] in v2.reason_text and v2.reason_text != v2.reason
    loaded = v2.content["ulds"][0]
    assert loaded["loaded"] and loaded["position"]
    assert v2.content["totals"] == master.versions.get(number=1).content["totals"]


def test_a_rebuild_reads_masters_once_for_all_flights_not_per_flight(world, airline):
    """A commit rebuilds every open flight: each extra flight costs only its cargo's queries
    (bags, ULDs), not its airline, hub, gateways, masters, houses and versions again."""
    f1, f2 = world["f1"], world["f2"]
    b1, b2, b3 = world["bags"]
    Bag.objects.filter(pk=b1.pk).update(planned_flight=f1)
    Bag.objects.filter(pk__in=[b2.pk, b3.pk]).update(planned_flight=f2)
    services.build_for_flights([f1.pk, f2.pk])
    with CaptureQueriesContext(connection) as one:
        assert services.build_for_flights([f1.pk]).unchanged == 1
    with CaptureQueriesContext(connection) as two:
        assert services.build_for_flights([f1.pk, f2.pk]).unchanged == 2
    assert len(two) - len(one) <= 3, [q["sql"][:80] for q in two.captured_queries]


def test_a_stock_that_runs_out_on_the_second_flight_leaves_the_first_undrawn(
    world, airline, planner_user
):
    """One serial left and two flights needing a master: the commit is refused, naming the
    stock, and the serial the first flight drew is not spent (nothing changed)."""
    f1, f2 = world["f1"], world["f2"]
    b1, b2, _b3 = world["bags"]
    stock = AwbStock.objects.get(airline=airline)
    AwbStock.objects.filter(pk=stock.pk).update(next_serial=stock.last_serial)
    run = make_run(planner_user, world, {f"bag-{b1.pk}": fl(f1), f"bag-{b2.pk}": fl(f2)})
    with pytest.raises(ValidationError) as exc:
        planning.commit(planner_user, run)
    assert "Atlas Air" in exc.value.message_dict["awb_stock"][0]
    stock.refresh_from_db()
    assert stock.next_serial == stock.last_serial
    assert not MasterWaybill.objects.exists() and not HouseWaybill.objects.exists()
    assert not Booking.objects.exists() and not Bag.objects.filter(planned_flight__isnull=False)
    # a retry after more stock is added goes through, once
    services.add_stock(airline, 1_000, 1_009)
    planning.commit(planner_user, run)
    planning.commit(planner_user, run)
    assert MasterWaybill.objects.count() == 2 and WaybillVersion.objects.count() == 2


def test_the_version_records_which_bags_each_uld_holds(committed, world):
    _flight, master = committed
    content = _current(master)
    assert content["uld_bags"] == {world["uld"].identifier: [world["inner"].identifier]}


def test_a_version_from_before_uld_bags_is_not_amended_for_them_alone(committed):
    """The upgrade that started recording uld_bags adds no version to every open master."""
    flight, master = committed
    version = master.versions.get(number=master.version)
    version.content = {k: v for k, v in version.content.items() if k != "uld_bags"}
    version.save(update_fields=["content"])
    assert services.build_for_flights([flight.pk]).unchanged == 1
    master.refresh_from_db()
    assert master.version == 1
