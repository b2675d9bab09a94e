"""The demo's history (issue 17 item 4): a short past run through the real services leaves
flights flown with their ULDs, tracking up to today and nothing after it, the coming week's belly
offers, and a committed first plan over what still waits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.fulfillment.models import Bag, Parcel, Uld
from caravana.network.models import Flight
from caravana.orders.models import Order, OrderStatus
from caravana.planning.models import BellyOffer, PlanRun
from caravana.pricing.models import FxRate
from caravana.tracking.models import TrackingEvent
from caravana.twin import history, kpis
from caravana.twin.models import SimulationRun
from caravana.waybills.queries import airline_of
from caravana.waybills.seed import seed_airlines
from tests import factories as f


@pytest.mark.django_db(transaction=True)
def test_a_past_week_through_the_services_ends_today_with_work_waiting():
    f.user(Role.PLANNER, username="planner")
    now = timezone.now()
    sim, net = history.run_history(days=3, parcels_per_day=60, seed=2)
    midnight = dt.datetime.combine(now.date(), dt.time(), dt.UTC)
    mine = Parcel.objects.filter(merchant=net.merchant)
    assert mine.count() == len(net.parcels) > 0
    # flights of the past, flown with the bags in ULDs loaded on them
    flights = Flight.objects.filter(number__regex=r"^(5Y9|QR9)")
    assert flights.count() == net.flying.flights > 0
    # numbered for airlines with AWB stock (the demo's), so their cargo can have masters
    seed_airlines()
    assert all(airline_of(f) is not None for f in flights)
    # the last cycle's charters are booked, the network's coming flights; those due out
    # between midnight and now (the history stops at midnight) never left: cancelled
    ahead = flights.filter(state=Flight.State.SCHEDULED)
    assert not ahead.filter(scheduled_departure__lt=now).exists()
    assert not ahead.filter(ulds__isnull=False).exists()
    between = flights.filter(scheduled_departure__gt=midnight, scheduled_departure__lt=now)
    assert not between.exclude(state=Flight.State.CANCELLED).exists()
    assert flights.filter(actual_departure__gt=midnight).count() == 0
    loaded = Uld.objects.filter(flight__in=flights)
    assert loaded.count() == net.flying.ulds and not loaded.exclude(state=Uld.State.LOADED).exists()
    flown = mine.filter(bag__uld__flight__in=flights)
    assert flown.exists()
    assert not flown.filter(state__in=[Parcel.State.RECEIVED, Parcel.State.BAGGED]).exists()
    # tracking: the flights' EMC (one per parcel), deliveries, and nothing after midnight
    events = TrackingEvent.objects.filter(parcel__merchant=net.merchant)
    # labels, hub steps, loading and flights all under the simulated clock: none after midnight
    assert events.filter(occurred_at__gt=midnight).count() == 0
    assert mine.filter(created_at__gt=midnight).count() == 0
    assert mine.filter(created_at__lt=midnight - dt.timedelta(days=2)).exists()
    # each label within the hour after its parcel's order (the twin's "ordered" event)
    ordered = dict(events.filter(details__step="ordered").values_list("parcel_id", "occurred_at"))
    assert len(ordered) == mine.count()
    for pk, made in mine.values_list("pk", "created_at"):
        assert dt.timedelta(0) <= made - ordered[pk] < dt.timedelta(hours=1)
    assert events.filter(code="EMC").count() == flown.count()
    assert events.filter(code="EMI").exists()
    # each parcel a buyer's order, placed and paid in the month (the demo's illustrative rates
    # for its days), shipped when its flight left and delivered with its parcel
    orders = Order.objects.filter(merchant=net.merchant)
    assert set(orders.values_list("number", flat=True)) == set(
        mine.values_list("order_ref", flat=True)
    )
    assert not orders.filter(Q(created_at__gt=midnight) | Q(paid_at=None)).exists()
    for number, departed in flown.values_list("order_ref", "bag__uld__flight__actual_departure"):
        order = orders.get(number=number)
        assert order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
        assert order.shipped_at == departed
    assert orders.filter(status=OrderStatus.DELIVERED).count() == events.filter(code="EMI").count()
    assert not orders.filter(shipped_at__gt=midnight).exists()
    # what has not flown waits: closed bags on no ULD, the planner's backlog
    waiting = Bag.objects.filter(parcels__merchant=net.merchant, state=Bag.State.CLOSED,
                                 uld__isnull=True).distinct()  # fmt: skip
    assert waiting.exists()
    # what is still at its origin hub at midnight has not flown: counted so (the dashboard
    # once said "never flew: 0"), and where each parcel is at midnight adds up to them all
    summary = kpis.summary(sim.counters, range(*sim.window), 13.0)
    at_origin = sum(1 for p in sim.pool["day"] if sim.window[0] <= p < sim.window[1])
    assert summary["never_flew"] == at_origin > 0
    assert sum(sim.counters.final_status().values()) == sim.created

    assert history.offer_belly(sim, now) > 0
    assert history.offer_belly(sim, now) == 0  # a second call adds nothing
    assert BellyOffer.objects.filter(departs_at__gte=now).exists()
    run = history.first_plan(now)
    assert run is not None and PlanRun.objects.get(pk=run.pk).committed_at is not None
    assert {f"bag-{b.pk}" for b in waiting} <= {c["id"] for c in run.problem["consignments"]}


@pytest.mark.django_db(transaction=True)
def test_the_command_runs_once():
    call_command("demo_history", days=1, parcels_per_day=20)
    before = Flight.objects.count()
    kept = SimulationRun.objects.get()  # the month's KPIs, for the network dashboard
    assert kept.mode == "history" and kept.days == 1
    assert kept.summary["parcels_in"] == sum(r["parcels_in"] for r in kept.rows("parcels")) > 0
    call_command("demo_history", days=1, parcels_per_day=20)
    assert Flight.objects.count() == before
    assert SimulationRun.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("option", [{"seed": -1}, {"seed": 2**31}, {"days": 367}])
def test_demo_history_refuses_what_it_cannot_run_before_writing(option):
    with pytest.raises(CommandError, match=f"--{next(iter(option))}"):
        call_command("demo_history", **option)
    assert not FxRate.objects.exists() and not Parcel.objects.exists()
