"""The twin's two modes on one model: a small seeded run through the real services gives the same
KPIs as the fast mode, counted back from the database (issue 17 item 2)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.test import Client
from django.urls import reverse

from caravana.fulfillment.models import Bag, Parcel, Uld
from caravana.network.models import Flight
from caravana.orders.models import Order, OrderGroup, OrderStatus
from caravana.payments.models import Payment, PaymentStatus
from caravana.planning import services as planning_services
from caravana.planning.models import BellyOffer, Booking, PlanRun
from caravana.planning.solver import lower_bound
from caravana.tracking.models import EVENT_LABELS, Source, TrackingEvent
from caravana.twin import flights, kpis, services
from caravana.twin import params as P
from caravana.twin.model import Run, Simulation
from caravana.twin.services import RealNetwork, counters_from_db
from caravana.twin.shop import person_id
from tests import factories as f

JUNE_1 = dt.date(2026, 6, 1)  # a plain week, in the past (the events' times are real ones)
#: One warm-up day instead of four keeps the run small: 741 parcels over 7 lanes.
SMALL = dataclasses.replace(P.DEFAULT, warmup_days=1)


@pytest.fixture
def rates():
    """Illustrative exchange rates over the runs' days: the twin's orders are priced at them."""
    f.fx_rates_over(JUNE_1 - dt.timedelta(days=40), 50)


def _run(network=None, days: int = 2, per_day: int = 200, params=SMALL) -> Simulation:
    sim = Simulation(Run(days, per_day, 5, JUNE_1, params), network)
    sim.run_all()
    return sim


#: The whole comparison through the merchant API (2 days, 741 parcels) with the legs flown as
#: flights of the database (their bags built into ULDs and loaded: the parcels' EMC and EMD are
#: the flights'), and a smaller day whose parcels are buyers' orders through checkout (about
#: 70 ms more a parcel; EMC and EMD as the model's events): each order is checked.
#: "charters": the merchant-API comparison again with charters a few hundred kg big, so that
#: at this size lanes have committed charters and call optional ones (at 200 parcels a day a
#: 747's worth is never needed and everything flies belly): the booked cycles' flights.
SIZES = {
    "api": ("api", 2, 200, SMALL),
    "checkout": ("checkout", 1, 120, dataclasses.replace(SMALL, warmup_days=0)),
    "charters": (
        "api", 2, 200,
        dataclasses.replace(SMALL, charter_payload_kg=300.0, charter_volume_m3=1.0),
    ),
}  # fmt: skip


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", list(SIZES))
def test_real_mode_gives_the_fast_modes_kpis(rates, case):
    orders, days, per_day, params = SIZES[case]
    fast = _run(None, days, per_day, params)
    probe = Simulation(Run(days, per_day, 5, JUNE_1, params))
    real_net = RealNetwork(params, probe.start, orders=orders, fly_legs=orders == "api")
    real = _run(real_net, days, per_day, params)
    # the same model and draws: the model's own counters agree exactly
    for name, values in fast.counters.parcels.items():
        assert np.array_equal(values, real.counters.parcels[name]), name
    # every parcel was written, received, and each delivered one has its EMI
    mine = Parcel.objects.filter(merchant=real_net.merchant)
    assert mine.count() == real.created == fast.created
    assert mine.exclude(received_at=None).count() == sum(
        int(v) for k, v in fast.counters.final_status().items() if k != "with_merchant"
    )
    emi = TrackingEvent.objects.filter(parcel__merchant=real_net.merchant, code="EMI")
    assert emi.count() == int(fast.counters.parcels["delivered"].sum())
    # every event the run wrote has words a buyer reads on the tracking page, none the neutral
    # "Tracking update" (the outcomes a small run may not draw too: lost, refused, returned)
    steps = {
        code or (details or {}).get("step")
        for code, details in TrackingEvent.objects.filter(
            parcel__merchant=real_net.merchant
        ).values_list("code", "details")
    }
    assert steps >= {"ordered", "handed_over", "built", "EMI"}
    assert steps | {"lost", "refused", "returned"} <= set(EVENT_LABELS), steps - set(EVENT_LABELS)
    if orders == "checkout":
        _orders_follow_their_parcels(real_net, mine, emi)
        # a new person each Peruvian or Argentine order (their IDs' yearly allowances),
        # numbered by the simulating process from the model's parcel id, whichever unit of
        # work (or worker) placed it
        id_of = dict(
            OrderGroup.objects.filter(country__in=["PE", "AR"]).values_list(
                "orders__number", "buyer_id_number"
            )
        )
        order_of = dict(mine.values_list("pk", "order_ref"))
        expected = {}
        for pid, parcel in real_net.parcels.items():
            number = order_of[parcel.pk]
            if number in id_of:
                country = "PE" if len(id_of[number]) == 8 else "AR"
                expected[number] = person_id(country, real_net.first_person + pid)
        assert expected and id_of == expected
        assert len(set(id_of.values())) == len(id_of)
    assert Order.objects.exists() == (orders == "checkout")
    # each planning cycle kept as a plan run of the twin (the planner's entry, validated, with
    # its baselines), readable on the planner's pages; no one commits it, and with the legs
    # flown as flights of the database the twin books it itself
    runs = PlanRun.objects.filter(source=PlanRun.Source.TWIN, created_by=real_net.planner)
    assert runs.count() == real.day  # a cycle a day with consignments waiting
    kept = runs.order_by("pk").first()
    assert kept.result["assignments"] and "baseline" in kept.result
    # made at each cycle's simulated moment (a day apart, before the flights it plans), not
    # on the wall clock of the run
    made = list(runs.order_by("pk").values_list("created_at", "window_start"))
    assert made[0][0] == real_net._moment(0.0)  # the first day's cycle
    assert all(b[0] - a[0] == dt.timedelta(days=1) for a, b in itertools.pairwise(made))
    assert all(at <= start for at, start in made)
    refusal = "the twin books it itself" if real_net.fly_legs else "simulated cycle"
    with pytest.raises(ValidationError, match=refusal):
        planning_services.commit(real_net.planner, kept)
    if real_net.fly_legs:
        _cycles_booked(real_net, real.legs, runs, mine, charters=case == "charters")
    else:
        assert PlanRun.objects.filter(committed_at__isnull=False).count() == 0
    client = Client()
    client.force_login(real_net.planner)
    page = client.get(reverse("planning:run", args=[kept.pk])).content.decode()
    assert 'data-testid="simulated"' in page and 'data-testid="commit"' not in page
    assert ("the twin booked it" in page) == real_net.fly_legs
    listing = client.get(reverse("planning:flights")).content.decode()
    assert "simulated by the network twin" in listing
    if real_net.fly_legs:
        _bags_fly_with_their_consignments(real_net, mine)
    # and what the database holds counts the same (with flights: the departures are the
    # flights', which carry whole bags; a bag that mixed two of the model's consignments
    # would fly with the first and the wait for a flight would differ)
    db = counters_from_db(real, real_net)
    window = range(*fast.window)
    for name, values in fast.counters.parcels.items():
        # kg: the parcel keeps whole grams (within 0.5 g a parcel)
        tol = 0.0005 * fast.counters.parcels["parcels_in"] if name == "kg_in" else 0.0
        assert np.all(np.abs(values - db.parcels[name]) <= tol + 1e-9), name
    for name, values in fast.counters.dwell.items():
        # hours from float32 times through microseconds: 1e-3 h a parcel at most
        assert np.allclose(values, db.dwell[name], rtol=0, atol=1e-3 * max(1, fast.created)), name
    assert np.array_equal(fast.counters.stages(), db.stages())
    assert fast.counters.final_status() == db.final_status()
    # per origin hub too, from the hub each parcel was written at
    assert np.array_equal(fast.counters.hub_stages(), db.hub_stages())
    assert np.array_equal(fast.counters.hub_received, db.hub_received)
    assert db.hub_received[:, P.HUBS.index("YIW-HUB")].sum() > 0
    fs = kpis.summary(fast.counters, window, 13.0)
    ds = kpis.summary(db, window, 13.0)
    assert fs.keys() == ds.keys()
    for key, value in fs.items():
        if isinstance(value, float):
            assert ds[key] == pytest.approx(value, abs=0.01), key
        else:
            assert ds[key] == value, key


def _cycles_booked(real_net, legs, runs, mine, charters: bool) -> None:
    """With its legs flown as flights of the database, each cycle is over this database's bags,
    charters and belly offers, committed by the twin's planner; a bag flew on the charter its
    last booking named, or on belly space of the offer it was booked on."""
    assert runs.count() == runs.filter(committed_at__isnull=False).count() > 0
    assert set(runs.values_list("committed_by", flat=True)) == {real_net.planner.pk}
    for run in runs:
        assert planning_services.over_this_network(run.problem), run.pk
        assert {c["id"] for c in run.problem["consignments"]} == set(run.result["assignments"])
        # its status and bound are its own problem's (over bags), the model's kept beside them
        out = run.result
        bound = min(out["cost_usd"], lower_bound(run.problem, 5.0))
        assert out["lower_bound_usd"] == pytest.approx(bound, abs=0.01), run.pk
        gap = out["cost_usd"] - out["lower_bound_usd"]
        assert (out["status"] == "optimal") == (gap <= 1e-6 * out["cost_usd"])
        assert set(out["model"]) == {"status", "cost_usd", "lower_bound_usd"}
    flown = Bag.objects.filter(parcels__in=mine, uld__flight__isnull=False).distinct()
    assert flown.exists()
    on_charters, belly = 0, 0
    for bag in flown.select_related("uld__flight", "booking__belly"):
        if bag.uld.flight.number.startswith("QR"):  # belly space, flown as the carrier's flight
            assert bag.booking.belly is not None and bag.planned_belly, bag
            assert bag.booking.belly.departs_at == bag.uld.flight.scheduled_departure
            assert bag.booking.belly.number == bag.uld.flight.number  # the offer's flight
            belly += 1
        else:
            assert bag.planned_flight_id == bag.uld.flight_id == bag.booking.flight_id, bag
            on_charters += 1
    assert on_charters + belly == flown.count() and belly > 0
    assert (on_charters > 0) == charters
    # a charter that carried nothing was cancelled (an option not taken up, or the model's
    # cancellation) or flew empty (committed: paid either way)
    booked = Flight.objects.filter(pk__in=real_net.flying.flight_of.values())
    empty = booked.filter(ulds__isnull=True).exclude(state=Flight.State.SCHEDULED)
    assert not empty.filter(is_optional=True).exclude(state=Flight.State.CANCELLED).exists()
    # the model's lanes are the network's: a leg's flight or offer goes to its own gateway
    # (Brazil's economy bags to VCP on VCP's own legs, never a GRU leg's second stop), and
    # each bag to the gateway its hub sorted it to
    lane_of = {leg.id: leg.destination for leg in legs}
    log = real_net.flying
    to = dict(Flight.objects.filter(pk__in=log.flight_of.values()).values_list("pk", "destination"))
    to |= {-pk: g for pk, g in BellyOffer.objects.filter(pk__in=log.offer_of.values())
           .values_list("pk", "destination")}  # fmt: skip
    written = [(leg, to[pk]) for leg, pk in log.flight_of.items()]
    written += [(leg, to[-pk]) for leg, pk in log.offer_of.items()]
    assert written and all(lane_of[leg] == gateway for leg, gateway in written)
    assert {"GRU", "VCP"} <= {gateway for _leg, gateway in written}
    assert not flown.exclude(gateway__iata=F("uld__flight__destination")).exists()
    # a bag sorted elsewhere (a lane re-routed mid-run) stops the run, named
    with pytest.raises(flights.OtherGateway, match="bag B1 is sorted to VCP, but its leg L"):
        flights.refuse_other_gateways("its leg L", "GRU", [("B0", "GRU"), ("B1", "VCP")])


def _bags_fly_with_their_consignments(real_net, mine) -> None:
    """Each bag holds parcels of one of the model's consignments and is closed, and each
    consignment's parcels left at one time (one leg), as the model flies them."""
    assert real_net.flying.flights > 0
    consignments: dict[str, set[int]] = {}
    for p in real_net.parcels.values():
        if p.bag:
            consignments.setdefault(p.bag, set()).add(p.consignment)
    assert consignments and all(len(c) == 1 for c in consignments.values())
    assert len(consignments) < len(real_net.parcels)  # bags of many parcels, not one each
    assert not Bag.objects.filter(parcels__in=mine).exclude(state=Bag.State.CLOSED).exists()
    of = {p.pk: p.consignment for p in real_net.parcels.values()}
    left: dict[int, set] = {}
    for pk, at in TrackingEvent.objects.filter(parcel__in=mine, code="EMC").values_list(
        "parcel", "occurred_at"
    ):
        left.setdefault(of[pk], set()).add(at)
    assert left and all(len(times) == 1 for times in left.values())


def _orders_follow_their_parcels(real_net, mine, emi) -> None:
    """Each parcel is a buyer's order, placed through checkout and paid in the sandbox at the
    model's moment, in every market and category, and delivered when its parcel is."""
    orders = Order.objects.filter(merchant=real_net.merchant)
    assert orders.count() == mine.count()
    assert dict(mine.values_list("order_ref", "service_level__code")) == dict(
        orders.values_list("number", "service_level")
    )
    assert set(orders.values_list("country", flat=True)) == set(P.COUNTRIES)
    assert orders.values("lines__variant").distinct().count() == len(P.CATEGORIES)
    ordered = dict(
        TrackingEvent.objects.filter(parcel__merchant=real_net.merchant, details__step="ordered")
        .values_list("parcel__order_ref", "occurred_at")
    )  # fmt: skip
    for number, placed, paid in orders.values_list("number", "created_at", "paid_at"):
        assert placed == paid == ordered[number]
    paid = Payment.objects.filter(group__orders__in=orders, status=PaymentStatus.SUCCEEDED)
    assert paid.distinct().count() == orders.count()
    delivered = orders.filter(status=OrderStatus.DELIVERED)
    assert delivered.count() == emi.count()
    for number, at in delivered.values_list("number", "delivered_at"):
        assert at == emi.get(parcel__order_ref=number).occurred_at


@pytest.mark.django_db(transaction=True)
def test_parcels_that_never_flew_are_counted_back_from_the_database():
    """The drain limit reached with parcels still at the hub (a 100,000-parcel day left one):
    the flights' columns must stay aligned with the parcels that flew."""
    short = dataclasses.replace(SMALL, warmup_days=0, max_drain_days=3)  # 80 of 281 stay
    fast = Simulation(Run(1, 200, 5, JUNE_1, short))
    fast.run_all()
    assert fast.counters.parcels["stranded"].sum() > 0  # the case under test
    assert fast.counters.parcels["departed"].sum() > 0
    # parcels through the merchant API alone (no orders): the logistics-only load
    net = RealNetwork(short, Simulation(Run(1, 200, 5, JUNE_1, short)).start, orders="api")
    real = Simulation(Run(1, 200, 5, JUNE_1, short), net)
    real.run_all()
    db = counters_from_db(real, net)
    for name, values in fast.counters.parcels.items():
        tol = 0.0005 * fast.counters.parcels["parcels_in"] if name == "kg_in" else 0.0
        assert np.all(np.abs(values - db.parcels[name]) <= tol + 1e-9), name
    assert fast.counters.final_status() == db.final_status()
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_real_mode_refuses_before_writing_what_it_cannot_price_or_pay(tmp_path, settings):
    from caravana.network.models import Lane

    args = {"days": 1, "parcels_per_day": 40, "seed": 3, "from_date": "2026-06-01",
            "mode": "real", "out": str(tmp_path), "no_progress": True}  # fmt: skip
    lanes = Lane.objects.count()  # not even the network is seeded before these refusals
    with pytest.raises(CommandError, match="no FX rate USD/.* on or before 2026-05-2"):
        call_command("simulate", **args)
    settings.PAYMENTS_SANDBOX_ENABLED = False
    with pytest.raises(CommandError, match="payments sandbox"):
        call_command("simulate", **args)
    assert not Parcel.objects.exists() and not Order.objects.exists()
    assert Lane.objects.count() == lanes


@pytest.mark.django_db
def test_a_real_run_flies_the_networks_lanes_or_none(tmp_path):
    """The hub sorts a parcel to its lane's gateway, so the model's lanes are the network's: a
    real run takes the database's routing (an operator's re-routing included, which the seed
    leaves alone), refuses a lane switched off by name before writing anything, and a network
    made on other parameters than the database routes by is refused, naming both."""
    from caravana.network.models import Lane

    one = dataclasses.replace(SMALL, gateways={**SMALL.gateways, "BR": ("GRU",) * 3})
    start = Simulation(Run(1, 10, 5, JUNE_1, one)).start
    with pytest.raises(ImproperlyConfigured, match="'BR': \\('GRU', 'GRU', 'VCP'\\)"):
        RealNetwork(one, start, orders="api")
    assert not Parcel.objects.exists()
    assert services.network_params(SMALL) == SMALL  # the seeded routing is the default
    # an operator sends Brazil's economy parcels from SZX to GRU: the seed keeps it, and a
    # real run flies six lanes, none to VCP
    economy = Lane.objects.filter(
        hub__code="SZX-HUB", destination_country="BR", service_level__code="economy"
    )
    gru = Lane.objects.get(
        hub__code="SZX-HUB", destination_country="BR", service_level__code="standard"
    ).gateway
    economy.update(gateway=gru)
    routed = services.network_params(SMALL)
    assert routed.gateways["BR"] == ("GRU",) * 3 and len(routed.lanes()) == 6
    # routings the model cannot fly are refused by name: a gateway with no trip figures from
    # the origin (SZX–SCL), and Peru's parcels on Brazil's lane (both leave from SZX)
    peru = Lane.objects.filter(hub__code="SZX-HUB", destination_country="PE")
    scl = Lane.objects.filter(hub__code="HKG-HUB", destination_country="CL").first().gateway
    economy.update(gateway=scl)
    with pytest.raises(ImproperlyConfigured, match="no charter figures for SZX–SCL"):
        services.network_params(SMALL)
    economy.update(gateway=gru)
    lima = peru.first().gateway
    peru.update(gateway=gru)
    with pytest.raises(ImproperlyConfigured, match="SZX–GRU is BR's lane"):
        services.network_params(SMALL)
    peru.update(gateway=lima)
    # a feeder hub's parcels fly its airport's lanes: Yiwu routing Colombia elsewhere than
    # Hangzhou does is refused, naming both
    yiwu = Lane.objects.filter(
        hub__code="YIW-HUB", destination_country="CO", service_level__code="premium"
    )
    bog = yiwu.first().gateway
    yiwu.update(gateway=scl)
    with pytest.raises(ImproperlyConfigured, match="YIW-HUB routes CO's premium parcels to SCL, "
                       "HGH-HUB to BOG"):  # fmt: skip
        services.network_params(SMALL)
    yiwu.update(is_active=False)
    with pytest.raises(ImproperlyConfigured, match="to no active lane, HGH-HUB to BOG"):
        services.network_params(SMALL)
    yiwu.update(gateway=bog, is_active=True)
    call_command("simulate", days=1, parcels_per_day=40, seed=3, from_date="2026-06-01",
                 warmup_days=0, mode="real", orders="api", flights=True,
                 out=str(tmp_path / "run"), no_progress=True)  # fmt: skip
    flights = Flight.objects.filter(number__regex=r"^(5Y|QR)7[0-9]{3}$")
    assert flights.exists() and not flights.filter(destination="VCP").exists()
    assert not BellyOffer.objects.filter(destination="VCP").exists()
    flown = (tmp_path / "run" / "flights.csv").read_text()
    assert "SZX-GRU" in flown and "SZX-VCP" not in flown
    # a lane switched off: no run, named, nothing written
    economy.update(is_active=False)
    assert services.routing()["BR"] == ("GRU", "GRU", "")
    before = Parcel.objects.count()
    with pytest.raises(CommandError, match="no active lane for BR's economy parcels from SZX-HUB"):
        call_command("simulate", days=1, parcels_per_day=40, seed=4, from_date="2026-06-01",
                     warmup_days=0, mode="real", orders="api", out=str(tmp_path / "off"),
                     no_progress=True)  # fmt: skip
    assert Parcel.objects.count() == before and not (tmp_path / "off" / "summary.json").exists()
    with pytest.raises(ImproperlyConfigured, match="'BR': \\('GRU', 'GRU', ''\\)"):
        RealNetwork(SMALL, start, orders="api")


@pytest.mark.django_db
def test_a_real_run_refuses_a_hub_it_cannot_hand_parcels_over_at():
    """A hub the run hands parcels over at that the network has switched off, or moved to
    another airport, stops the run by name before anything is written; a feeder given no share
    is not needed, so a Yiwu switched off (and its lanes with it) then runs."""
    from caravana.network.models import Hub, Lane

    start = Simulation(Run(1, 10, 5, JUNE_1, SMALL)).start
    services.network_params(SMALL)  # seeds the network
    yiwu = Hub.objects.filter(code="YIW-HUB")
    yiwu.update(is_active=False)
    with pytest.raises(ImproperlyConfigured, match="YIW-HUB is switched off"):
        RealNetwork(SMALL, start, orders="api")
    with pytest.raises(ImproperlyConfigured, match="YIW-HUB is switched off"):
        services.network_params(SMALL)
    yiwu.update(is_active=True, airport="PVG")
    with pytest.raises(ImproperlyConfigured, match="YIW-HUB feeds PVG in the network, HGH in"):
        services.network_params(SMALL)
    assert not Parcel.objects.exists()
    # without Yiwu: its hub and lanes off, and the run gives it no share
    yiwu.update(is_active=False, airport="HGH")
    Lane.objects.filter(hub__code="YIW-HUB").update(is_active=False)
    alone = dataclasses.replace(SMALL, feeder_share={"YIW-HUB": 0.0})
    assert services.network_params(alone) == alone
    _run(RealNetwork(alone, start, orders="api"), 1, 200, alone)
    assert Parcel.objects.filter(hub__code="HGH-HUB").exists()
    assert not Parcel.objects.filter(hub__code="YIW-HUB").exists()


@pytest.mark.django_db
def test_command_real_mode_writes_the_report_from_the_database(tmp_path, rates):
    call_command("simulate", days=1, parcels_per_day=40, seed=3, from_date="2026-06-01",
                 warmup_days=0, mode="real", out=str(tmp_path), no_progress=True)  # fmt: skip
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["run"]["mode"] == "real"
    assert summary["run"]["writes"] > summary["run"]["parcels_simulated"]
    assert sum(summary["final_status"].values()) == summary["run"]["parcels_simulated"]
    assert Parcel.objects.count() == summary["run"]["parcels_simulated"] == Order.objects.count()
    assert summary["run"]["orders"] == "checkout" and summary["run"]["flights"] is False


@pytest.mark.django_db
def test_a_days_orders_leave_the_planner_statistics_of_the_tables_they_grew():
    """Without them PostgreSQL joined a hub's batch of 1,000 parcels by reading the whole parcel
    table (the CI server runs without autovacuum): work.analyse refreshes them."""
    from django.db import connection

    from caravana.twin import work

    work.analyse()  # SQLite: nothing to do, and no error
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [[m._meta.db_table for m in work.GROWN]],
        )
        found = dict(cursor.fetchall())
    assert set(found) == {m._meta.db_table for m in work.GROWN}
    assert all(t >= 0 for t in found.values())  # -1: never analysed


@pytest.mark.django_db
def test_simulate_with_flights_flies_the_planned_legs_and_ships_the_orders(tmp_path, rates):
    """`--flights`: each leg the planner filled is a flight of the database (numbered clear of
    the demo history's), its bags built into ULDs and loaded; each parcel that flew has one
    EMC, its flight's or, when no flight carried its bag, the model's; an order is shipped when
    the flight with its parcel departs, and its report still counts every parcel."""
    call_command("simulate", days=1, parcels_per_day=60, seed=3, from_date="2026-06-01",
                 warmup_days=0, mode="real", flights=True, out=str(tmp_path),
                 no_progress=True)  # fmt: skip
    assert json.loads((tmp_path / "summary.json").read_text())["run"]["flights"] is True
    flights = Flight.objects.filter(number__regex=r"^(5Y|QR)7[0-9]{3}$")
    # every flight that departed within the run flew or was cancelled; the charters the last
    # cycle booked for the day after are still scheduled, with nothing on them
    last = flights.exclude(state=Flight.State.SCHEDULED).latest("scheduled_departure")
    ahead = flights.filter(state=Flight.State.SCHEDULED)
    assert flights.exists() and not ahead.filter(scheduled_departure__lte=last.scheduled_departure)
    assert not ahead.filter(ulds__isnull=False).exists()
    assert not Bag.objects.filter(planned_flight__in=ahead).exists()
    assert Uld.objects.filter(flight__in=flights).exclude(state=Uld.State.LOADED).count() == 0
    flown = Parcel.objects.filter(bag__uld__flight__in=flights)
    assert flown.exists()
    # Yiwu's merchants hand over at its hub, which bags them and builds its own pallets onto
    # Hangzhou's flights (a feeder hub: network/hubs.py)
    yiwu = Parcel.objects.filter(hub__code="YIW-HUB")
    assert yiwu.filter(bag__hub__code="YIW-HUB").exists()
    assert not yiwu.exclude(recipient_country="CO").exists()
    assert not yiwu.filter(bag__isnull=False).exclude(bag__hub__code="YIW-HUB").exists()
    its_ulds = Uld.objects.filter(bags__parcels__in=yiwu, flight__in=flights).distinct()
    assert its_ulds.exists()
    assert set(its_ulds.values_list("hub__code", "flight__origin")) == {("YIW-HUB", "HGH")}
    # built and closed at Yiwu a truck's hours before HGH's ramp loads them
    truck = dt.timedelta(hours=P.DEFAULT.feeder_truck_h["YIW-HUB"])
    for closed, loaded in its_ulds.values_list("closed_at", "loaded_at"):
        assert loaded - closed == truck
    emc = TrackingEvent.objects.filter(code="EMC")
    assert emc.count() == emc.values("parcel").distinct().count()  # one each
    by_flight = emc.filter(source=Source.FLIGHT, details__has_key="flight")
    assert set(by_flight.values_list("parcel", flat=True)) == set(
        flown.values_list("pk", flat=True)
    )
    for number, shipped_at in Order.objects.filter(
        number__in=flown.values("order_ref")
    ).values_list("number", "shipped_at"):
        departed = by_flight.get(parcel__order_ref=number).occurred_at
        assert shipped_at == departed, number
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert sum(summary["final_status"].values()) == summary["run"]["parcels_simulated"]
    # a second run of the same seed over the same days takes the flight numbers the first left
    # free, and books belly offers of its own: no offer is shared between two runs
    before = flights.count()
    first_runs = set(PlanRun.objects.values_list("pk", flat=True))
    first_offers = set(BellyOffer.objects.values_list("pk", flat=True))
    assert Booking.objects.filter(belly__isnull=False).exists()
    call_command("simulate", days=1, parcels_per_day=20, seed=3, from_date="2026-06-01",
                 warmup_days=0, mode="real", orders="api", flights=True,
                 out=str(tmp_path / "again"), no_progress=True)  # fmt: skip
    assert flights.count() > before
    second = Booking.objects.filter(belly__isnull=False).exclude(run__in=first_runs)
    assert second.exists() and not second.filter(belly__in=first_offers).exists()
    with pytest.raises(CommandError, match="--flights is for real mode"):
        call_command("simulate", days=1, parcels_per_day=10, mode="fast", flights=True,
                     out=str(tmp_path), no_progress=True)  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_lane_re_routed_during_a_run_stops_it_by_name():
    """An operator re-points Brazil's economy lane at GRU while a real run goes on: the hub
    sorts the next bags to GRU, the model still plans them on SZX–VCP's legs, and the run stops
    at the first such bag, naming it and its consignment's lane, before booking a flight no
    plan priced."""
    from caravana.network.models import Lane

    probe = Simulation(Run(2, 80, 5, JUNE_1, SMALL))
    real_net = RealNetwork(SMALL, probe.start, orders="api", fly_legs=True)
    sim = Simulation(Run(2, 80, 5, JUNE_1, SMALL), real_net)
    vcp = Bag.objects.filter(parcels__merchant=real_net.merchant, gateway__iata="VCP")
    while not vcp.exists():  # the days until the hub has sorted Brazil's economy bags to VCP
        assert sim.day < 3
        sim.step()
    before = set(vcp.values_list("pk", flat=True))
    economy = Bag.objects.filter(
        parcels__service_level__code="economy", parcels__recipient_country="BR"
    )
    assert not economy.filter(gateway__iata="GRU").exists()
    gru = Lane.objects.get(
        hub__code="SZX-HUB", destination_country="BR", service_level__code="standard"
    ).gateway
    Lane.objects.filter(
        hub__code="SZX-HUB", destination_country="BR", service_level__code="economy"
    ).update(gateway=gru)
    refused = r"^bag bag-\d+ is sorted to GRU, but its consignment \d+'s lane flies to VCP: "
    with pytest.raises(flights.OtherGateway, match=refused):
        while not sim.done:
            sim.step()
    # the hub did sort the next economy bags to GRU; the bags sorted before still go to VCP
    assert economy.filter(gateway__iata="GRU").exists()
    assert before <= set(vcp.values_list("pk", flat=True))
