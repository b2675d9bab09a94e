import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.codes import bag as bag_codes
from caravana.codes import s10 as s10_codes
from caravana.fulfillment.models import Bag, Parcel, ParcelItem, Uld
from caravana.fulfillment.queries import parcels_on_flight
from caravana.fulfillment.services import hub_steps, load_sheets, loading
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network import services as network_services
from caravana.network.models import Flight, UldType
from tests.fulfillment.conftest import TODAY, first_position, parcel_data

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything a bad scan must leave alone."""
    return (
        list(Parcel.objects.order_by("pk").values()),
        list(Bag.objects.order_by("pk").values()),
        list(Uld.objects.order_by("pk").values()),
    )


def refused(fn, *args, field):
    before = snapshot()
    with pytest.raises(ValidationError) as err:
        fn(*args)
    assert field in err.value.message_dict, err.value.message_dict
    assert snapshot() == before
    return err.value.message_dict[field][0]


def test_s10_comes_from_the_configured_range_and_stops_when_it_runs_out(make_parcel):
    from caravana.fulfillment.models import S10Range
    from caravana.fulfillment.services import s10_ranges

    S10Range.objects.filter(service_indicator="HC").update(active=False)
    rng = s10_ranges.add_range("hc", "mx", 7_000, 7_001, "Correos de México, agreement 12/2026")
    assert (rng.service_indicator, rng.country, rng.next_serial) == ("HC", "MX", 7_000)
    first, second = make_parcel(), make_parcel()
    assert first.s10 == s10_codes.build("HC", 7_000, "MX") and second.s10.startswith("HC00007001")
    message = refused(make_parcel, field="service_level")
    assert "HC 00007000–00007001 MX" in message and "used up" in message
    rng.refresh_from_db()
    assert rng.next_serial == 7_002 and rng.remaining == 0
    # A new range takes over where the first ran out.
    s10_ranges.add_range("HC", "MX", 9_000, 9_999, "Correos de México, agreement 13/2026")
    assert make_parcel().s10.startswith("HC00009000")
    S10Range.objects.filter(service_indicator="HC").delete()
    assert "No S10 range" in refused(make_parcel, field="service_level")


def test_s10_ranges_are_checked_before_they_are_written(db):
    from caravana.fulfillment.models import S10Range
    from caravana.fulfillment.services import s10_ranges

    before = S10Range.objects.count()
    for args, field in [
        (("SA", "CN", 1, 5), "service_indicator"),  # S is reserved by the UPU
        (("HC", "XX", 1, 5), "country"),
        (("HC", "CN", 9, 5), "last_serial"),
        (("HC", "CN", 1, 100_000_000), "last_serial"),
        (("HC", "CN", 5, 20), "first_serial"),  # overlaps the starter range
    ]:
        with pytest.raises(ValidationError) as err:
            s10_ranges.add_range(*args, "agreement")
        assert field in err.value.message_dict, (args, err.value.message_dict)
    assert S10Range.objects.count() == before
    assert s10_ranges.add_range("HC", "BR", 5, 20, "Correios, contrato 1").country == "BR"


def test_create_parcel_issues_s10_by_service_level(make_parcel):
    std = make_parcel()
    prem = make_parcel(service_level="premium")
    std2 = make_parcel()
    assert s10_codes.is_valid(std.s10) and std.s10.startswith("HC") and std.s10.endswith("CN")
    assert prem.s10.startswith("EC")
    assert int(std2.s10[2:10]) == int(std.s10[2:10]) + 1
    assert std.gateway.iata == "GRU" and std.carrier.code == "br-correios"
    assert prem.carrier.code == "br-loggi"
    assert std.declared_value == 178 and std.declared_currency == "CNY"
    assert std.items.get().hs_code == "851830"
    assert std.state == Parcel.State.LABEL_CREATED


def test_create_parcel_names_every_bad_field(network, merchant):
    bad = parcel_data(
        recipient_country="US",
        declared_weight_g=0,
        battery="standalone",
        recipient_name=" ",
        items=[
            {
                "description": "",
                "hs_code": "851899",
                "quantity": 0,
                "unit_value": "x",
                "currency": "EUR",
                "unit_weight_g": 10,
            }
        ],
    )
    with pytest.raises(ValidationError) as err:
        parcel_services.create_parcel(merchant, bad)
    fields = set(err.value.message_dict)
    assert {
        "recipient_country",
        "declared_weight_g",
        "battery",
        "recipient_name",
        "items[0].description",
        "items[0].hs_code",
        "items[0].quantity",
        "items[0].unit_value",
        "items[0].currency",
    } <= fields
    with pytest.raises(ValidationError) as err:
        parcel_services.create_parcel(
            merchant, parcel_data(declared_weight_g=31_000, declared_length_cm=160)
        )
    assert {"declared_weight_g", "declared_length_cm"} <= set(err.value.message_dict)
    with pytest.raises(ValidationError) as err:
        parcel_services.create_parcel(merchant, parcel_data(colour="red"))
    assert "colour" in err.value.message_dict
    assert Parcel.objects.count() == ParcelItem.objects.count() == 0


def test_receive_flags_discrepancy_and_is_idempotent(make_parcel, hub_user, events):
    parcel = make_parcel()
    ok = hub_steps.receive(hub_user, parcel.s10, 530, 20, 15, 10)
    assert not ok.discrepancy and not ok.repeated
    again = hub_steps.receive(hub_user, s10_codes.format(parcel.s10), 530, 20, 15, 10)
    assert again.repeated
    # Label created is an internal step; the hub's first scan records posting (EMA), then EMB.
    assert [e[2] for e in events if e[0] == "parcel"] == [None, "EMA", "EMB"]

    heavy = make_parcel()
    result = hub_steps.receive(hub_user, heavy.s10, 900, 30, 20, 15)
    heavy.refresh_from_db()
    assert result.discrepancy and heavy.discrepancy
    # declared chargeable 500 g; measured max(900, 30*20*15/6 = 1500 g) = 1500 g
    assert heavy.shipping_difference_g == 1000
    assert heavy.state == Parcel.State.RECEIVED and heavy.received_by == hub_user


def test_bad_receive_scans_change_nothing(make_parcel, hub_user, other_hub_user):
    parcel = make_parcel()
    wrong = parcel.s10[:10] + str((int(parcel.s10[10]) + 1) % 10) + parcel.s10[11:]
    assert "check digit" in refused(
        hub_steps.receive, hub_user, wrong, 500, 20, 15, 10, field="s10"
    )
    unknown = s10_codes.build("HC", 99_999_999, "CN")
    assert "Unknown" in refused(hub_steps.receive, hub_user, unknown, 500, 20, 15, 10, field="s10")
    refused(hub_steps.receive, hub_user, "hello", 500, 20, 15, 10, field="s10")
    assert "another hub" in refused(
        hub_steps.receive, other_hub_user, parcel.s10, 500, 20, 15, 10, field="s10"
    )
    refused(hub_steps.receive, hub_user, parcel.s10, 31_000, 20, 15, 10, field="weight_g")
    refused(hub_steps.receive, hub_user, parcel.s10, 500, 151, 15, 10, field="length_cm")
    refused(hub_steps.receive, hub_user, parcel.s10, "abc", 20, 15, 10, field="weight_g")
    Parcel.objects.filter(pk=parcel.pk).update(battery="standalone")
    assert "lithium" in refused(
        hub_steps.receive, hub_user, parcel.s10, 500, 20, 15, 10, field="battery"
    )
    from caravana.accounts.models import Role
    from tests import factories as f

    refused(hub_steps.receive, f.user(Role.MERCHANT), parcel.s10, 500, 20, 15, 10, field="user")


def test_sort_into_bag(make_parcel, hub_user, other_hub_user):
    a, b = make_parcel(), make_parcel()
    premium = make_parcel(service_level="premium")
    mx = make_parcel(recipient_country="MX", battery="in_equipment")
    for p in (a, b, premium, mx):
        hub_steps.receive(hub_user, p.s10, 500, 20, 15, 10)
    bag_a = hub_steps.sort_into_bag(hub_user, a.s10)
    bag_b = hub_steps.sort_into_bag(hub_user, b.s10)
    assert bag_a.pk == bag_b.pk and bag_codes.is_valid(bag_a.identifier)
    assert bag_a.identifier.startswith("CBSZX")
    bag_a.refresh_from_db()
    assert (bag_a.parcel_count, bag_a.weight_g, bag_a.dangerous_goods) == (2, 1000, False)
    assert hub_steps.sort_into_bag(hub_user, premium.s10).pk != bag_a.pk
    mx_bag = hub_steps.sort_into_bag(hub_user, mx.s10)
    assert mx_bag.gateway.iata == "MEX" and mx_bag.dangerous_goods

    assert "already bagged" in refused(hub_steps.sort_into_bag, hub_user, a.s10, field="s10")
    fresh = make_parcel()
    assert "not been received" in refused(hub_steps.sort_into_bag, hub_user, fresh.s10, field="s10")
    refused(hub_steps.sort_into_bag, other_hub_user, a.s10, field="s10")


def test_bag_over_30_kg_is_refused(make_parcel, hub_user):
    parcels = [make_parcel(declared_weight_g=9_000) for _ in range(4)]
    for p in parcels:
        hub_steps.receive(hub_user, p.s10, 9_000, 20, 15, 10)
    for p in parcels[:3]:
        hub_steps.sort_into_bag(hub_user, p.s10)
    message = refused(hub_steps.sort_into_bag, hub_user, parcels[3].s10, field="bag")
    assert "30 kg" in message and "36.0" in message
    bag = Bag.objects.get()
    hub_steps.close_bag(hub_user, bag.identifier)
    hub_steps.close_bag(hub_user, bag_codes.format(bag.identifier))  # idempotent
    new = hub_steps.sort_into_bag(hub_user, parcels[3].s10)
    assert new.pk != bag.pk and new.state == Bag.State.OPEN


def test_bad_bag_scans(make_parcel, hub_user, other_hub_user):
    p = make_parcel()
    hub_steps.receive(hub_user, p.s10, 500, 20, 15, 10)
    bag = hub_steps.sort_into_bag(hub_user, p.s10)
    wrong = bag.identifier[:-2] + ("00" if bag.identifier[-2:] != "00" else "01")
    assert "check digits" in refused(hub_steps.close_bag, hub_user, wrong, field="bag")
    refused(hub_steps.close_bag, hub_user, bag_codes.build("SZX", 999), field="bag")
    refused(hub_steps.close_bag, other_hub_user, bag.identifier, field="bag")
    refused(loading.build_uld, hub_user, "PMC12345CV", bag.identifier, field="bag")  # open bag


def _closed_bag(make_parcel, hub_user, n=2, weight=5_000, **over):
    ps = [make_parcel(declared_weight_g=weight, **over) for _ in range(n)]
    for p in ps:
        hub_steps.receive(hub_user, p.s10, weight, 40, 30, 20)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
    return hub_steps.close_bag(hub_user, bag.identifier), ps


def test_build_uld_enforces_gross_volume_and_counts_dg(make_parcel, hub_user):
    bag1, _ = _closed_bag(make_parcel, hub_user, battery="in_equipment")
    uld = loading.build_uld(hub_user, "PMC12345CV", bag1.identifier)
    assert uld.dg_bag_count == 1 and uld.dangerous_goods and uld.gateway.iata == "GRU"
    assert loading.build_uld(hub_user, "PMC12345CV", bag1.identifier).bag_count == 1  # retry
    refused(loading.build_uld, hub_user, "AKE1234CV", bag1.identifier, field="bag")
    refused(loading.build_uld, hub_user, "XYZ1234CV", bag1.identifier, field="uld")
    # A three-character owner code is accepted and stored whole (11 characters).
    cl_bag, _ = _closed_bag(make_parcel, hub_user, recipient_country="CL")
    long_tag = loading.build_uld(hub_user, "ake 12345 abc", cl_bag.identifier)
    long_tag.refresh_from_db()
    assert long_tag.identifier == "AKE12345ABC"
    mx_bag, _ = _closed_bag(make_parcel, hub_user, recipient_country="MX")
    assert "MEX" in refused(
        loading.build_uld, hub_user, "PMC12345CV", mx_bag.identifier, field="bag"
    )

    # An AKE takes 1,588 kg gross and 4.3 m³: shrink it to see both limits bite.
    UldType.objects.filter(code="AKE").update(max_gross_kg=15)
    heavy, _ = _closed_bag(make_parcel, hub_user, n=4, weight=5_000, recipient_country="CL")
    assert "15 kg" in refused(
        loading.build_uld, hub_user, "AKE1234CV", heavy.identifier, field="bag"
    )
    UldType.objects.filter(code="AKE").update(max_gross_kg=1588, usable_volume_m3="0.05")
    assert "m³" in refused(loading.build_uld, hub_user, "AKE1234CV", heavy.identifier, field="bag")


def test_a_uld_is_built_no_heavier_than_an_aircraft_position_takes(make_parcel, hub_user):
    """A PMC is rated 6,804 kg gross, and no position of the balance table's aircraft takes
    over 6,800: built to its rating it could be loaded onto no flight, so the build stops at
    the heaviest position, with both weights in the message."""
    first, _ = _closed_bag(make_parcel, hub_user, recipient_country="CL")
    uld = loading.build_uld(hub_user, "PMC12345CV", first.identifier)
    tare = uld.uld_type.tare_kg
    # a 10 kg bag would bring the pallet to 6,802 kg gross: within its rating, not a position's
    Uld.objects.filter(pk=uld.pk).update(weight_g=(6_802 - tare) * 1000 - 10_000)
    second, _ = _closed_bag(make_parcel, hub_user, recipient_country="CL")
    message = refused(loading.build_uld, hub_user, "PMC12345CV", second.identifier, field="bag")
    assert "6,802.0 kg" in message and "6,800 kg" in message, message
    uld.refresh_from_db()
    assert uld.bag_count == 1 and uld.weight_g == (6_802 - tare) * 1000 - 10_000  # unchanged
    # within the heaviest position, it is built
    Uld.objects.filter(pk=uld.pk).update(weight_g=(6_800 - tare) * 1000 - 10_000)
    assert loading.build_uld(hub_user, "PMC12345CV", second.identifier).bag_count == 2


def test_walk_label_to_arrival_fires_signals_in_order(make_parcel, hub_user, events):
    parcel = make_parcel()
    hub_steps.receive(hub_user, parcel.s10, 480, 20, 15, 10)
    bag = hub_steps.sort_into_bag(hub_user, parcel.s10)
    hub_steps.close_bag(hub_user, bag.identifier)
    loading.build_uld(hub_user, "PMC12345CV", bag.identifier)
    refused(
        loading.load_uld_onto_flight,
        hub_user,
        "PMC12345CV",
        Flight.objects.get(number="5Y8301", date=TODAY),
        field="uld",
    )
    loading.close_uld(hub_user, "PMC12345CV")
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    scl = Flight.objects.filter(number="5Y8305").first()
    assert "SCL" in refused(
        loading.load_uld_onto_flight, hub_user, "PMC12345CV", scl, field="flight"
    )
    uld = loading.load_uld_onto_flight(hub_user, "PMC12345CV", flight)
    assert uld.position == first_position(uld.gross_kg) and uld.state == Uld.State.LOADED
    assert loading.load_uld_onto_flight(hub_user, "PMC12345CV", flight).pk == uld.pk

    with CaptureQueriesContext(connection) as q:
        sheet = load_sheets.load_sheet(flight)
    # Loaded ULDs, planned ULDs, planned bags (one aggregate), waybills, and the flight's
    # airline when it has none (the sheet then says why).
    assert len(q) <= 5
    assert sheet.parcels == 1 and sheet.rows[0].weight_kg == Decimal("0.48")
    assert list(parcels_on_flight(flight)) == [parcel]

    t0 = flight.scheduled_departure + dt.timedelta(minutes=30)
    network_services.mark_departed(flight, t0)
    parcel.refresh_from_db()
    assert parcel.state == Parcel.State.DEPARTED
    network_services.mark_arrived(flight, t0 + dt.timedelta(hours=30))
    parcel.refresh_from_db()
    assert parcel.state == Parcel.State.ARRIVED

    assert [e[:4] for e in events] == [
        ("parcel", parcel.s10, None, "label_created"),  # EMA waits for the hub's scan
        ("parcel", parcel.s10, "EMA", "received"),
        ("parcel", parcel.s10, "EMB", "received"),
        ("parcel", parcel.s10, None, "bagged"),
        ("parcel", parcel.s10, None, "in_uld"),
        ("parcel", parcel.s10, None, "loaded"),
        ("departed", "5Y8301", t0),
        ("arrived", "5Y8301", t0 + dt.timedelta(hours=30)),
    ]
    assert events[1][4] == "SZX-HUB" and events[5][4] == "SZX"


def test_lower_deck_uld_needs_lower_deck_positions(make_parcel, hub_user):
    bag, _ = _closed_bag(make_parcel, hub_user)
    loading.build_uld(hub_user, "AKE1234CV", bag.identifier)
    loading.close_uld(hub_user, "AKE1234CV")
    b744 = Flight.objects.get(number="5Y8301", date=TODAY)  # no lower-deck positions recorded
    assert "position" in refused(
        loading.load_uld_onto_flight, hub_user, "AKE1234CV", b744, field="flight"
    )
