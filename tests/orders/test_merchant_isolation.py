"""One merchant cannot move another's order: a parcel may name only its own merchant's orders,
and the receivers that move orders from parcels match the order's number and its merchant."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from caravana.accounts import services as accounts
from caravana.accounts.models import Role
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import hub_steps, loading
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network import services as network
from caravana.network.models import Flight, Hub
from caravana.network.seed import seed_network
from caravana.orders.models import OrderStatus
from caravana.orders.receivers import catch_up_deliveries, on_parcels_delivered
from caravana.payments import simulate
from caravana.tracking import batch, recording
from caravana.tracking.events import Delivery
from caravana.tracking.models import TrackingEvent
from tests import factories as f
from tests.fulfillment.conftest import TODAY, parcel_data
from tests.orders.support import buyer, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(market):
    """Merchant A's paid order."""
    seed_network(TODAY)
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    return group.orders.get()


@pytest.fixture
def attacker(victim):
    """Merchant B, with a staff user."""
    merchant = f.merchant(staff=f.user(Role.MERCHANT))
    assert merchant.pk != victim.merchant_id
    return merchant


def _bearer(user) -> dict:
    _t, secret = accounts.create_token(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _fly(parcel: Parcel) -> None:
    staff = f.user(Role.HUB)
    network.add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)
    hub_steps.receive(staff, parcel.s10, 450, 15, 10, 8)
    bag = hub_steps.sort_into_bag(staff, parcel.s10)
    hub_steps.close_bag(staff, bag.identifier)
    loading.build_uld(staff, "PMC12345CV", bag.identifier)
    loading.close_uld(staff, "PMC12345CV")
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    loading.load_uld_onto_flight(staff, "PMC12345CV", flight)
    network.mark_departed(flight, flight.scheduled_departure + dt.timedelta(minutes=20))


def test_another_merchants_parcel_never_ships_an_order(victim, attacker):
    """The attack end to end: merchant B's API refuses A's order number; a parcel that names it
    all the same (recorded before the check existed) flies, and A's order stays as it was."""
    c = Client()
    r = c.post(
        "/api/v1/parcels",
        parcel_data(order_ref=victim.number),
        content_type="application/json",
        **_bearer(attacker.members.get().user),
    )
    assert r.status_code == 422, r.content
    assert [d["loc"] for d in r.json()["detail"]] == [["body", "order_ref"]]
    assert not Parcel.objects.exists()

    parcel = parcel_services.create_parcel(attacker, parcel_data())
    Parcel.objects.filter(pk=parcel.pk).update(order_ref=victim.number)
    before = victim.status
    _fly(parcel)
    victim.refresh_from_db()
    assert victim.status == before == OrderStatus.PAID
    assert not victim.events.filter(to_status="shipped").exists()


def test_a_delivery_of_another_merchants_parcel_never_delivers_an_order(victim, attacker):
    """Tracking sees B's parcel delivered; neither the delivery receiver nor the catch-up
    sweep delivers A's order of the same number."""
    parcel = parcel_services.create_parcel(attacker, parcel_data())
    Parcel.objects.filter(pk=parcel.pk).update(order_ref=victim.number)
    parcel.refresh_from_db()
    at = timezone.now()
    # Recorded without running the after-commit signal: what the catch-up sweep looks for.
    recording.record_batch(
        [
            batch.EventIn(
                parcel_id=parcel.pk,
                identifier=parcel.s10,
                source=f"carrier:{parcel.carrier.code}",
                event_id=f"{parcel.s10}-EMI",
                code="EMI",
                occurred_at=at,
                carrier_id=parcel.carrier_id,
            )
        ]
    )
    assert catch_up_deliveries() == 0
    event_id = TrackingEvent.objects.get(parcel_id=parcel.pk, code="EMI").pk
    delivery = Delivery(parcel_id=parcel.pk, identifier=parcel.s10, at=at, event_id=event_id)
    assert on_parcels_delivered(sender=None, deliveries=[delivery]) == 0
    victim.refresh_from_db()
    assert victim.status == OrderStatus.PAID


def test_own_order_is_accepted_and_others_refused_in_the_console(victim, attacker):
    """The console's parcel form names the field; nothing is written. The order's own merchant
    may name it."""
    c = Client()
    c.force_login(attacker.members.get().user)
    form = {k: v for k, v in parcel_data(order_ref=victim.number).items() if k != "items"}
    form |= {
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-description": "Bluetooth earphones",
        "items-0-hs_code": "851830",
        "items-0-quantity": "1",
        "items-0-unit_value": "89.00",
        "items-0-currency": "CNY",
        "items-0-unit_weight_g": "200",
        "ddp": "on",
    }
    r = c.post("/console/parcels/new/", form)
    assert r.status_code == 422
    assert 'data-field="order_ref"' in r.content.decode()
    assert "is not one of your orders" in r.content.decode()
    assert not Parcel.objects.exists()

    owner = f.user(Role.MERCHANT)
    from caravana.catalog import services as catalog

    catalog.add_member(victim.merchant, owner)
    c.force_login(owner)
    r = c.post("/console/parcels/new/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Parcel.objects.get().order_ref == victim.number


def test_a_reference_that_is_no_order_is_refused(victim, attacker):
    with pytest.raises(ValidationError) as err:
        parcel_services.create_parcel(attacker, parcel_data(order_ref="ORD-1"))
    assert "order_ref" in err.value.message_dict
