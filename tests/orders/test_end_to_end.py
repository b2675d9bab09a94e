"""The flow of DESIGN.md end to end: a buyer pays, the merchant ships the order as a parcel,
the hub builds it into a ULD, the flight leaves (the order is shipped), the last-mile carrier
delivers (the order is delivered), and the buyer's confirmation releases escrow."""

import datetime as dt

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.fulfillment.services import hub_steps, loading
from caravana.network import services as network
from caravana.network.models import Flight, Hub
from caravana.network.seed import seed_network
from caravana.orders import lifecycle
from caravana.orders.models import OrderStatus
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import ledger, simulate
from tests import factories as f
from tests.orders.support import buyer, place
from tests.tracking.conftest import CarrierClient, ev

pytestmark = pytest.mark.django_db


def test_paid_order_to_delivered_and_completed(market, django_capture_on_commit_callbacks):
    today = timezone.now().date()
    seed_network(today)
    a, _b = market
    user = buyer()
    group, payment, _r = place(user, lines=[(a.pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()

    staff = f.user(Role.HUB)
    network.add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)
    parcel = ship_as_parcel(order, "SZX-HUB")
    hub_steps.receive(staff, parcel.s10, 300, 15, 10, 5)
    bag = hub_steps.sort_into_bag(staff, parcel.s10)
    hub_steps.close_bag(staff, bag.identifier)
    loading.build_uld(staff, "PMC10001CV", bag.identifier)
    loading.close_uld(staff, "PMC10001CV")
    flight = Flight.objects.filter(origin="SZX", destination="GRU").order_by("pk").first()
    loading.load_uld_onto_flight(staff, "PMC10001CV", flight)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        network.mark_departed(flight, now + dt.timedelta(minutes=1))
        network.mark_arrived(flight, now + dt.timedelta(minutes=2))
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED

    parcel.refresh_from_db()
    carrier = CarrierClient(parcel.carrier)
    with django_capture_on_commit_callbacks(execute=True):
        for code, minutes in (("EDB", 3), ("EMF", 4), ("EDG", 5), ("EMI", 6)):
            r = carrier.post([ev(parcel, code, now + dt.timedelta(minutes=minutes))])
            assert r.status_code == 200, r.content
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.delivered_at == now + dt.timedelta(minutes=6)

    assert ledger.order_escrow(order) == order.total  # held until the buyer confirms
    with django_capture_on_commit_callbacks(execute=True):  # escrow is released by a task
        lifecycle.confirm_receipt(order, user)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert ledger.order_escrow(order) == 0
    assert ledger.merchant_payable(order.merchant)
    assert ledger.reconcile() == []
