"""A paid order becomes a parcel in the network, and the network's events move the order."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from caravana.accounts.models import Role
from caravana.catalog import services as catalog
from caravana.fulfillment.models import Parcel
from caravana.network.seed import seed_network
from caravana.orders.models import OrderStatus
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import simulate
from tests import factories as f
from tests.fulfillment.conftest import TODAY
from tests.orders.support import BR, buyer, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(market):
    seed_network(TODAY)
    a, b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 2)])
    assert payment_ok(payment)
    return group.orders.get()


def payment_ok(payment):
    status, _ = simulate.sandbox_simulate(payment)
    return status == 200


def test_paid_order_ships_as_one_parcel_with_its_contents(paid_order):
    parcel = ship_as_parcel(paid_order, "SZX-HUB")
    assert parcel.order_ref == paid_order.number
    assert parcel.recipient_name == BR["recipient"] and parcel.recipient_country == "BR"
    item = parcel.items.get()
    assert (item.hs_code, item.quantity) == ("851830", 2)
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.IN_FULFILMENT
    assert ship_as_parcel(paid_order, "SZX-HUB").pk == parcel.pk  # idempotent
    assert Parcel.objects.count() == 1


def test_unpaid_order_cannot_ship(market):
    seed_network(TODAY)
    a, _b = market
    group, _payment, _r = place(buyer(), lines=[(a.pk, 1)])
    with pytest.raises(ValidationError) as err:
        ship_as_parcel(group.orders.get(), "SZX-HUB")
    assert "order" in err.value.message_dict
    assert not Parcel.objects.exists()


def test_merchant_ships_from_the_console(paid_order):
    staff = catalog.add_member(paid_order.merchant, f.user(Role.MERCHANT))
    c = Client()
    c.force_login(staff.user)
    url = f"/console/orders/{paid_order.number}/"
    assert 'data-testid="ship-form"' in c.get(url).content.decode()
    r = c.post(f"{url}parcel/", {"hub": "SZX-HUB"})
    assert r.status_code == 302
    parcel = Parcel.objects.get(order_ref=paid_order.number)
    page = c.get(url).content.decode()
    assert parcel.s10 in page
    assert c.get(f"/console/parcels/{parcel.s10}/label.pdf").content.startswith(b"%PDF")


def test_order_is_shipped_when_its_parcel_flies(paid_order):
    import datetime as dt

    from caravana.accounts.models import Role
    from caravana.fulfillment.services import hub_steps, loading
    from caravana.network import services as network
    from caravana.network.models import Flight, Hub

    staff = f.user(Role.HUB)
    network.add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)
    parcel = ship_as_parcel(paid_order, "SZX-HUB")
    hub_steps.receive(staff, parcel.s10, 450, 15, 10, 8)
    bag = hub_steps.sort_into_bag(staff, parcel.s10)
    hub_steps.close_bag(staff, bag.identifier)
    loading.build_uld(staff, "PMC12345CV", bag.identifier)
    loading.close_uld(staff, "PMC12345CV")
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    loading.load_uld_onto_flight(staff, "PMC12345CV", flight)
    network.mark_departed(flight, flight.scheduled_departure + dt.timedelta(minutes=20))
    paid_order.refresh_from_db()
    assert paid_order.status == OrderStatus.SHIPPED
    assert paid_order.events.filter(to_status="shipped", source__startswith="flight").exists()
