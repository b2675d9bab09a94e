"""Carrier-event fixtures: the logistics fixtures, recorded payloads (fixtures/README.md says
where each shape comes from), a carrier's feed and a signed poster for its webhook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from caravana import webhook_signing
from caravana.carrier_events import services
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier
from tests.fulfillment.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    _fast_passwords,
    hub_user,
    make_parcel,
    merchant,
    network,
    parcel_data,
)

FIXTURES = Path(__file__).parent / "fixtures"


def recorded(name: str, **subs: str):
    """A recorded payload with its placeholders ({number}, {s10}) filled in."""
    text = (FIXTURES / name).read_text()
    for key, value in subs.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


class Poster:
    """Posts a body to a carrier's webhook, signed with the feed's secret."""

    def __init__(self, feed) -> None:
        self.feed = feed
        self.client = Client()

    def post(self, payload, *, secret: str | None = None, headers: dict | None = None, **kw):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        signed = webhook_signing.sign(secret or self.feed.webhook_secret, body, **kw)
        signed.update(headers or {})
        return self.client.post(
            f"/api/v1/carriers/{self.feed.carrier.code}/events",
            body,
            content_type="application/json",
            headers=signed,
        )


@pytest.fixture
def carrier_parcel(make_parcel):  # noqa: F811
    """A parcel handed to `code`'s carrier with `number` (test data: set straight)."""

    def make(code: str = "br-correios", number: str = ""):
        parcel = make_parcel()
        carrier = Carrier.objects.get(code=code)
        Parcel.objects.filter(pk=parcel.pk).update(carrier=carrier, carrier_tracking_number=number)
        parcel.refresh_from_db()
        return parcel

    return make


@pytest.fixture
def feed(network):  # noqa: F811
    def make(code: str, adapter: str, **fields):
        return services.ensure_feed(Carrier.objects.get(code=code), adapter, **fields)

    return make


@pytest.fixture
def poster(feed):
    def make(code: str, adapter: str) -> Poster:
        return Poster(feed(code, adapter))

    return make
