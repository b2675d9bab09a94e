"""Fixtures for the logistics tests: the seeded network, hub staff, a merchant and parcels."""

from __future__ import annotations

import datetime as dt

import pytest

from caravana.accounts.models import Role
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from tests import factories as f

_today = dt.date.today()
TODAY = _today + dt.timedelta(days=(7 - _today.weekday()) % 7)  # Monday: 5Y8301 SZX→GRU flies


def first_position(gross_kg) -> str:
    """Where an unplanned ULD of `gross_kg` goes on 5Y8301's empty 747-400F: the position that
    keeps it in balance (loadplan.aircraft.Aircraft.balanced_free), near the wing, not the nose."""
    from caravana.loadplan import aircraft as balance

    names = [f"M{n}" for n in range(1, 31)]
    return balance.aircraft("B744F").balanced_free(names, {}, float(gross_kg))


@pytest.fixture
def network(db):
    seed_network(TODAY)
    return Hub.objects.get(code="SZX-HUB")


@pytest.fixture
def hub_user(network):
    user = f.user(Role.HUB)
    add_hub_member(network, user)
    return user


@pytest.fixture
def other_hub_user(network):
    user = f.user(Role.HUB)
    add_hub_member(Hub.objects.get(code="CAN-HUB"), user)
    return user


@pytest.fixture
def merchant(db):
    return f.merchant(staff=f.user(Role.MERCHANT))


def parcel_data(**over):
    data = {
        "hub": "SZX-HUB",
        "service_level": "standard",
        "order_ref": "",
        "recipient_name": "Ana Souza",
        "recipient_address": "Rua Augusta 1500, ap. 42",
        "recipient_city": "São Paulo",
        "recipient_state": "SP",
        "recipient_postal_code": "01304-001",
        "recipient_country": "BR",
        "recipient_email": "ana@example.com.br",
        "declared_weight_g": 500,
        "declared_length_cm": 20,
        "declared_width_cm": 15,
        "declared_height_cm": 10,
        "battery": "none",
        "ddp": True,
        "items": [
            {
                "description": "Bluetooth earphones",
                "hs_code": "851830",
                "quantity": 2,
                "unit_value": "89.00",
                "currency": "CNY",
                "unit_weight_g": 200,
            }
        ],
    }
    data.update(over)
    return data


@pytest.fixture
def make_parcel(network, merchant):
    def make(**over):
        return parcel_services.create_parcel(merchant, parcel_data(**over))

    return make


@pytest.fixture
def events():
    """Every parcel_event / flight signal sent during the test, in order (parcels_moved as one
    entry per parcel, like parcel_event)."""
    from caravana.fulfillment.events import parcel_event, parcels_moved
    from caravana.network.events import flight_arrived, flight_departed

    seen: list[tuple] = []

    def on_parcel(sender, parcel, code, state, at, location, details, **kw):
        seen.append(("parcel", parcel.s10, code, state, location))

    def on_moved(sender, parcels, code, state, at, location, details, **kw):
        seen.extend(("parcel", p.s10, code, state, location) for p in parcels)

    def on_departed(sender, flight, at, **kw):
        seen.append(("departed", flight.number, at))

    def on_arrived(sender, flight, at, **kw):
        seen.append(("arrived", flight.number, at))

    parcel_event.connect(on_parcel, weak=False)
    parcels_moved.connect(on_moved, weak=False)
    flight_departed.connect(on_departed, weak=False)
    flight_arrived.connect(on_arrived, weak=False)
    yield seen
    parcel_event.disconnect(on_parcel)
    parcels_moved.disconnect(on_moved)
    flight_departed.disconnect(on_departed)
    flight_arrived.disconnect(on_arrived)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test users need no real password hashing (PBKDF2 costs ~0.7 s per user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
