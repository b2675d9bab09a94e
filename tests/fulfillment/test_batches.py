"""The batch services (create_parcels, receive_many, sort_many, close_bags) against the
one-by-one path: the same rows, declarations and tracking events, all or nothing on a bad item."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from caravana import clock
from caravana.customs.models import Declaration
from caravana.fulfillment.models import Bag, Parcel, S10Range
from caravana.fulfillment.services import hub_steps
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network.models import Carrier
from caravana.tracking.models import TrackingEvent

from .conftest import parcel_data

#: What differs between two parcels made alike: their identity and when they were written.
VOLATILE = {"id", "s10", "created_at", "updated_at", "received_at", "bag"}
T0 = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def _parcel(p: Parcel) -> dict:
    return {k: v for k, v in model_to_dict(p).items() if k not in VOLATILE}


def _items(p: Parcel) -> list:
    return [{k: v for k, v in model_to_dict(it).items() if k not in {"id", "parcel"}}
            for it in p.items.order_by("id")]  # fmt: skip


def _declaration(p: Parcel) -> dict:
    d = model_to_dict(Declaration.objects.get(parcel=p))
    return {k: v for k, v in d.items() if k not in {"id", "parcel", "invoice_number"}}


def _events(p: Parcel, times: bool = True) -> list:
    """The parcel's tracking events; with `times`, the hub's scan times too (the label's is
    the wall clock's moment of creation)."""
    bag = p.bag.identifier if p.bag_id else None
    return sorted(
        (e.source, e.code, e.status, e.location_code,
         # the parcel's own bag, whichever it is
         str(sorted({**e.details, **({"bag": "its bag"} if e.details.get("bag") == bag else {})}
                    .items())),
         e.occurred_at if times and e.details.get("step") != "label_created" else None)
        for e in TrackingEvent.objects.filter(parcel=p)
    )  # fmt: skip


VARIANTS = [
    {},
    {"recipient_country": "MX", "service_level": "premium", "hub": "CAN-HUB",
     "recipient_postal_code": "06600", "recipient_state": "CDMX", "recipient_city": "CDMX"},
    {"declared_weight_g": 1800, "battery": "in_equipment"},
]  # fmt: skip


@pytest.mark.django_db
def test_create_parcels_writes_what_create_parcel_writes(network, merchant):
    one = [parcel_services.create_parcel(merchant, parcel_data(**v)) for v in VARIANTS]
    many = parcel_services.create_parcels(merchant, [parcel_data(**v) for v in VARIANTS])
    assert len(many) == len(one)
    for a, b in zip(one, many, strict=True):
        b = Parcel.objects.get(pk=b.pk)
        assert _parcel(a) == _parcel(b)
        assert _items(a) == _items(b)
        assert _declaration(a) == _declaration(b)
        assert _events(a, times=False) == _events(b, times=False)
    # the batch's S10s: a block of the ranges, in order, never one given before
    s10s = [p.s10 for p in many]
    assert len(set(s10s) | {p.s10 for p in one}) == 6
    assert [s[2:10] for s in s10s[:1]] < [s[2:10] for s in s10s[-1:]] or len(set(s10s)) == 3


@pytest.mark.django_db
def test_create_parcels_refuses_the_whole_batch_naming_each_bad_field(network, merchant):
    before = {r.pk: r.next_serial for r in S10Range.objects.all()}
    bad = [parcel_data(), parcel_data(declared_weight_g=0), parcel_data(recipient_country="ZZ")]
    with pytest.raises(ValidationError) as caught:
        parcel_services.create_parcels(merchant, bad)
    keys = set(caught.value.error_dict)
    assert keys == {"parcels.1.declared_weight_g", "parcels.2.recipient_country"}
    assert caught.value.error_dict["parcels.2.recipient_country"][0].code == "no_lane"
    assert not Parcel.objects.exists()
    assert {r.pk: r.next_serial for r in S10Range.objects.all()} == before


@pytest.mark.django_db
def test_create_parcels_takes_serials_across_ranges_and_stops_when_they_run_out(network, merchant):
    S10Range.objects.filter(service_indicator="HC").update(last_serial=2)  # standard's
    parcel_services.s10_ranges.add_range("HC", "CN", 50, 50, "second range")
    made = parcel_services.create_parcels(merchant, [parcel_data() for _ in range(3)])
    assert [p.s10[2:10] for p in made] == ["00000001", "00000002", "00000050"]
    with pytest.raises(ValidationError) as caught:
        parcel_services.create_parcels(merchant, [parcel_data()])
    assert caught.value.error_dict["service_level"][0].code == "serial_range_exhausted"


@pytest.mark.django_db
def test_create_parcels_locks_the_ranges_in_one_order_whatever_the_batch(network, merchant):
    """Two batches of mixed service levels side by side (the twin's hubs on two workers) once
    deadlocked on PostgreSQL: each held one indicator's range and waited for the other's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    batch = [parcel_data(), parcel_data(**VARIANTS[1]), parcel_data()]  # HC (standard), EC
    indicators = {p["service_level"] for p in batch}
    with CaptureQueriesContext(connection) as queries:
        made = parcel_services.create_parcels(merchant, batch)
    taken = [
        ind for q in queries.captured_queries if '"fulfillment_s10range"' in q["sql"]
        and q["sql"].lstrip().upper().startswith("SELECT")
        for ind in ("EC", "HC", "CC") if f"'{ind}'" in q["sql"]
    ]  # fmt: skip
    assert len(indicators) == 2 and len(set(taken)) == 2
    assert taken == sorted(taken)
    assert made[0].s10[:2] != made[1].s10[:2]  # and the parcels keep the order given


def _receive_both(hub_user, merchant):
    one = [parcel_services.create_parcel(merchant, parcel_data(**v)) for v in VARIANTS]
    many = parcel_services.create_parcels(merchant, [parcel_data(**v) for v in VARIANTS])
    # the third weighs 400 g more than declared: a discrepancy, priced
    measures = [(500, 20, 15, 10), (500, 20, 15, 10), (2200, 20, 15, 10)]
    with clock.at(T0):
        for p, m in zip(one, measures, strict=True):
            if p.hub.code == "SZX-HUB":
                hub_steps.receive(hub_user, p.s10, *m)
    scans = [
        hub_steps.Scan(p.s10, T0, *m)
        for p, m in zip(many, measures, strict=True)
        if p.hub.code == "SZX-HUB"
    ]
    with clock.at(T0 + dt.timedelta(hours=1)):
        results = hub_steps.receive_many(hub_user, scans)
    assert [r.discrepancy for r in results] == [False, True]
    return [p for p in one if p.hub.code == "SZX-HUB"], [p for p in many if p.hub.code == "SZX-HUB"]


@pytest.mark.django_db
def test_receive_many_writes_what_receive_writes_each_at_its_scan_time(hub_user, merchant):
    one, many = _receive_both(hub_user, merchant)
    for a, b in zip(one, many, strict=True):
        a, b = Parcel.objects.get(pk=a.pk), Parcel.objects.get(pk=b.pk)
        assert b.state == Parcel.State.RECEIVED and b.received_at == T0
        assert _parcel(a) == _parcel(b)
        assert _events(a) == _events(b)
        assert TrackingEvent.objects.filter(parcel=b, code__in=["EMA", "EMB"]).count() == 2
    # a repeat with the same measures changes nothing
    with clock.at(T0 + dt.timedelta(hours=2)):
        again = hub_steps.receive_many(hub_user, [hub_steps.Scan(many[0].s10, T0, 500, 20, 15, 10)])
    assert again[0].repeated


@pytest.mark.django_db
def test_receive_many_refuses_the_batch_naming_each_bad_scan(hub_user, other_hub_user, merchant):
    made = parcel_services.create_parcels(merchant, [parcel_data(), parcel_data()])
    with clock.at(T0):
        with pytest.raises(ValidationError) as caught:
            hub_steps.receive_many(hub_user, [
                hub_steps.Scan(made[0].s10, T0, 500, 20, 15, 10),
                hub_steps.Scan(made[1].s10, T0 + dt.timedelta(hours=1), 0, 20, 15, 10),
                hub_steps.Scan("XX", T0, 500, 20, 15, 10),
            ])  # fmt: skip
        assert set(caught.value.error_dict) == {"scans.1.at", "scans.2.s10"}
        with pytest.raises(ValidationError) as caught:
            hub_steps.receive_many(hub_user, [
                hub_steps.Scan(made[0].s10, T0, 500, 20, 15, 10),
                hub_steps.Scan(made[1].s10, T0, 0, 20, 15, 10),
            ])  # fmt: skip
        assert set(caught.value.error_dict) == {"scans.1.weight_g"}
        with pytest.raises(ValidationError) as caught:
            hub_steps.receive_many(
                other_hub_user, [hub_steps.Scan(made[0].s10, T0, 500, 20, 15, 10)]
            )
        assert caught.value.error_dict["scans.0.s10"][0].code == "other_hub"
    assert not Parcel.objects.exclude(received_at=None).exists()
    assert not TrackingEvent.objects.filter(code="EMA").exists()


@pytest.mark.django_db
def test_sort_many_and_close_bags_write_what_the_single_steps_write(hub_user, merchant):
    one, many = _receive_both(hub_user, merchant)
    t1 = T0 + dt.timedelta(hours=2)
    with clock.at(t1):
        single = [hub_steps.sort_into_bag(hub_user, p.s10) for p in one]
        for bag in {b.identifier for b in single}:
            hub_steps.close_bag(hub_user, bag)
    # the same routes again: the single path's bags are closed, so the batch opens new ones
    with clock.at(t1 + dt.timedelta(hours=1)):
        batch = hub_steps.sort_many(hub_user, [hub_steps.Scan(p.s10, t1) for p in many])
        closed = hub_steps.close_bags(hub_user, [(b.identifier, t1) for b in {*batch}])
    assert len({b.identifier for b in batch}) == len({b.identifier for b in single})
    for a, b in zip(one, many, strict=True):
        a, b = Parcel.objects.get(pk=a.pk), Parcel.objects.get(pk=b.pk)
        assert b.state == Parcel.State.BAGGED
        assert _parcel(a) == _parcel(b)
        assert _events(a, times=False) == _events(b, times=False)
    for a, b in zip(sorted(single, key=lambda x: x.pk), sorted({*batch}, key=lambda x: x.pk),
                    strict=False):  # fmt: skip
        a, b = Bag.objects.get(pk=a.pk), Bag.objects.get(pk=b.pk)
        fields = ("weight_g", "volume_cm3", "parcel_count", "dangerous_goods", "state")
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
        assert b.closed_at == t1
    assert all(b.state == Bag.State.CLOSED for b in closed)


@pytest.mark.django_db
def test_sort_many_closes_a_full_bag_only_when_asked(hub_user, merchant):
    made = parcel_services.create_parcels(
        merchant, [parcel_data(declared_weight_g=9000, declared_length_cm=30) for _ in range(4)]
    )
    scans = [hub_steps.Scan(p.s10, T0, 9000, 30, 15, 10) for p in made]
    sorts = [hub_steps.Scan(p.s10, T0 + dt.timedelta(minutes=i)) for i, p in enumerate(made)]
    with clock.at(T0 + dt.timedelta(hours=1)):
        hub_steps.receive_many(hub_user, scans)
        with pytest.raises(ValidationError) as caught:
            hub_steps.sort_many(hub_user, sorts)
        assert caught.value.error_dict["scans.3.bag"][0].code == "overweight"
        assert not Bag.objects.exists() or not Bag.objects.filter(parcel_count__gt=0).exists()
        bags = hub_steps.sort_many(hub_user, sorts, close_full=True)
    first, second = bags[0], bags[3]
    assert first != second and bags[:3] == [first] * 3
    first.refresh_from_db()
    assert first.state == Bag.State.CLOSED and first.closed_at == sorts[3].at
    assert first.parcel_count == 3 and first.weight_g == 27000
    assert Bag.objects.get(pk=second.pk).state == Bag.State.OPEN


@pytest.mark.django_db
def test_sort_many_cuts_a_route_after_the_scans_it_is_asked_to(hub_user, merchant):
    """`cut_after`: after that scan every open bag of its parcel's gateway and service level
    is closed at the scan's time, whichever carrier, also one an earlier batch left open; the
    route's next parcel opens a new bag, and other routes' bags stay open."""
    made = parcel_services.create_parcels(
        merchant,
        [parcel_data() for _ in range(4)] + [parcel_data(service_level="premium")],
    )
    std, premium = made[:4], made[4]
    with clock.at(T0 + dt.timedelta(hours=1)):
        hub_steps.receive_many(hub_user, [hub_steps.Scan(p.s10, T0, 500, 20, 15, 10) for p in made])
    at = [T0 + dt.timedelta(minutes=10 + i) for i in range(5)]
    with clock.at(T0 + dt.timedelta(hours=1)):
        (earlier,) = hub_steps.sort_many(hub_user, [hub_steps.Scan(std[0].s10, at[0])])
        # an open bag of the same route for another carrier, left by someone else's batch
        courier = Carrier.objects.create(code="br-test-courier", name="Test courier", country="BR")
        other = Bag.objects.create(
            identifier="CBSZX9999999999"[: Bag._meta.get_field("identifier").max_length],
            hub=earlier.hub, gateway=earlier.gateway, service_level=earlier.service_level,
            carrier=courier, parcel_count=1, weight_g=100,
        )  # fmt: skip
        scans = [hub_steps.Scan(p.s10, t) for p, t in zip([std[1], premium, std[2], std[3]], at[1:],
                                                           strict=True)]  # fmt: skip
        bags = hub_steps.sort_many(hub_user, scans, cut_after=[0, 2])  # twice on one route
    first, prem, after, last = (Bag.objects.get(pk=b.pk) for b in bags)
    assert first == earlier and first.state == Bag.State.CLOSED and first.closed_at == at[1]
    assert first.parcel_count == 2
    other.refresh_from_db()
    assert other.state == Bag.State.CLOSED and other.closed_at == at[1]
    assert prem.state == Bag.State.OPEN  # another route
    assert after.state == Bag.State.CLOSED and after.closed_at == at[3]
    assert after.parcel_count == 1 and first != after != last
    assert last.state == Bag.State.OPEN and last.parcel_count == 1
    assert Bag.objects.filter(state=Bag.State.OPEN).count() == 2  # the premium and the last
