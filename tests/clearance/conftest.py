"""Clearance fixtures: a paid order shipped as a parcel, with other parcels, flown to GRU and
arrived; operators, a desk officer and a broker of GRU."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.clearance.models import GatewayMember
from caravana.fulfillment.services import hub_steps, loading
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network import services as network
from caravana.network.models import Flight, Gateway, Hub
from caravana.network.seed import seed_network
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import simulate
from tests import factories as f
from tests.fulfillment.conftest import parcel_data
from tests.orders.support import buyer, market, place  # noqa: F401  (fixture)


def fly(parcels, staff, uld: str = "PMC12345CV") -> Flight:
    """Receive, bag, ULD, the first SZX→GRU flight: departed 14 hours ago, arrived an hour ago
    but never before GRU's midnight, so that the dashboard counts it today at any hour."""
    bags = set()
    for p in parcels:
        hub_steps.receive(staff, p.s10, 480, 20, 15, 10)
        bags.add(hub_steps.sort_into_bag(staff, p.s10).identifier)
    for i, bag in enumerate(sorted(bags)):
        hub_steps.close_bag(staff, bag)
        loading.build_uld(staff, uld, bag) if i == 0 else loading.build_uld(staff, uld, bag)
    loading.close_uld(staff, uld)
    flight = Flight.objects.filter(origin="SZX", destination="GRU").order_by("pk").first()
    loading.load_uld_onto_flight(staff, uld, flight)
    now = timezone.now()
    midnight = dt.datetime.combine(
        timezone.localdate(now, zoneinfo.ZoneInfo("America/Sao_Paulo")),
        dt.time(),
        zoneinfo.ZoneInfo("America/Sao_Paulo"),
    )
    network.mark_departed(flight, now - dt.timedelta(hours=14))
    network.mark_arrived(flight, max(now - dt.timedelta(hours=1), midnight))
    flight.refresh_from_db()
    return flight


@pytest.fixture
def world(market, django_capture_on_commit_callbacks):  # noqa: F811
    seed_network(timezone.now().date())
    user = buyer()
    group, payment, _r = place(user, lines=[(market[0].pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    staff = f.user(Role.HUB)
    network.add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)
    parcel = ship_as_parcel(order, "SZX-HUB")
    others = [
        parcel_services.create_parcel(order.merchant, parcel_data(recipient_name=f"R {i}"))
        for i in range(3)
    ]
    flight = fly([parcel, *others], staff)
    gru = Gateway.objects.get(iata="GRU")
    operator = f.user(Role.OPERATOR)
    officer = f.user(Role.BUYER)
    GatewayMember.objects.create(user=officer, gateway=gru, kind=GatewayMember.Kind.OFFICER)
    return {
        "order": order, "buyer": user, "parcel": parcel, "others": others, "flight": flight,
        "gateway": gru, "operator": operator, "officer": officer, "staff": staff,
    }  # fmt: skip
