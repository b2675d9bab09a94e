"""Tracking fixtures: the logistics fixtures (seeded network, hub staff, merchant, parcels), a
carrier's API client, and a walk of a parcel from label to arrival at the gateway."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.accounts.services import create_token
from caravana.fulfillment.services import hub_steps, loading
from caravana.network import services as network_services
from caravana.network.models import Carrier, Flight
from tests import factories as f
from tests.fulfillment.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    _fast_passwords,
    hub_user,
    make_parcel,
    merchant,
    network,
    other_hub_user,
    parcel_data,
)


class CarrierClient:
    """A carrier integration: its user, linked to the carrier, and a bearer token."""

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier
        user = f.user(Role.BUYER)
        network_services.add_carrier_member(carrier, user)
        _token, self.secret = create_token(user, "tracking")
        self.client = Client()

    def post(self, events: list[dict]):
        return self.client.post(
            "/api/v1/tracking/events",
            {"events": events},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.secret}",
        )


@pytest.fixture
def carrier_api(network):  # noqa: F811  (the seeded-network fixture)
    """CarrierClient for a carrier code (br-correios delivers Standard parcels to BR)."""

    def make(code: str = "br-correios") -> CarrierClient:
        return CarrierClient(Carrier.objects.get(code=code))

    return make


def ev(parcel, code: str, at: dt.datetime, event_id: str | None = None, **extra) -> dict:
    """One carrier event as JSON."""
    data = {
        "event_id": event_id or f"{parcel.s10}-{code}-{at.timestamp():.0f}",
        "identifier": parcel.s10,
        "code": code,
        "occurred_at": at.isoformat(),
        "location_code": "SAO",
        "location_name": "CTE Jaguaré, São Paulo",
    }
    data.update(extra)
    return data


def walk_to_gateway(parcel, staff, uld: str = "PMC12345CV"):
    """Receive, bag, ULD, flight, depart (now + 1 min) and arrive (now + 2 min): the hub steps
    are stamped with the real clock, so the flight follows them a minute later and carriers'
    events can follow within the 15-minute future tolerance."""
    hub_steps.receive(staff, parcel.s10, 480, 20, 15, 10)
    bag = hub_steps.sort_into_bag(staff, parcel.s10)
    hub_steps.close_bag(staff, bag.identifier)
    loading.build_uld(staff, uld, bag.identifier)
    loading.close_uld(staff, uld)
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    loading.load_uld_onto_flight(staff, uld, flight)
    departed = timezone.now() + dt.timedelta(minutes=1)
    network_services.mark_departed(flight, departed)
    network_services.mark_arrived(flight, departed + dt.timedelta(minutes=1))
    return flight, departed


@pytest.fixture(autouse=True)
def _english_by_default():
    """Requests leave their language active in the thread; every test starts in English."""
    from django.utils import translation

    from caravana.tracking import places

    translation.activate("en")
    places._places.clear()  # hubs and gateways are re-seeded per test
    yield
    translation.activate("en")
