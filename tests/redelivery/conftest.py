"""Failed-delivery fixtures: a paid Brazilian order shipped as a parcel with its last-mile
carrier, a carrier's API client, and the carrier's events as tracking records them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.accounts.services import create_token
from caravana.network import services as network_services
from caravana.network.seed import seed_network
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import simulate
from caravana.tracking import recording
from caravana.tracking.batch import EventIn
from tests import factories as f
from tests.orders.support import buyer, market, place  # noqa: F401  (fixture)


def carrier_event(parcel, code: str, at: dt.datetime, n: int = 1, **details) -> EventIn:
    """A carrier's event as ingestion hands it to recording."""
    return EventIn(
        parcel_id=parcel.pk,
        identifier=parcel.s10,
        source=f"carrier:{parcel.carrier.code}",
        event_id=f"{parcel.s10}-{code}-{n}",
        code=code,
        occurred_at=at,
        details=details,
        carrier_id=parcel.carrier_id,
    )


@pytest.fixture
def shipped(market, settings):  # noqa: F811
    """(order, parcel, buyer): paid, shipped, the parcel with its carrier (Correios, BR)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    seed_network(timezone.now().date())
    user = buyer()
    user.language = "pt-br"
    user.save(update_fields=["language"])
    group, payment, _r = place(user, lines=[(market[0].pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    order = group.orders.get()
    parcel = ship_as_parcel(order, "SZX-HUB")
    assert parcel.carrier is not None
    return order, parcel, user


@pytest.fixture
def record(django_capture_on_commit_callbacks):
    """Record events and run what follows their commit (e-mails, key events, deliveries)."""

    def run(*events: EventIn):
        with django_capture_on_commit_callbacks(execute=True):
            return recording.record_batch(list(events))

    return run


class CarrierApi:
    def __init__(self, carrier) -> None:
        user = f.user(Role.BUYER)
        network_services.add_carrier_member(carrier, user)
        _token, self.secret = create_token(user, "tracking")
        self.client = Client()

    def instructions(self, **params):
        return self.client.get(
            "/api/v1/redelivery/instructions", params,
            HTTP_AUTHORIZATION=f"Bearer {self.secret}",
        )  # fmt: skip
