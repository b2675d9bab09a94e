"""API clients for the bad-input tests: a merchant and a buyer with bearer tokens, and an
order the buyer placed from the merchant."""

from __future__ import annotations

import json

from django.test import Client

from caravana.accounts import services as accounts
from caravana.accounts.models import Role, User
from caravana.catalog import services as catalog
from caravana.catalog.models import Merchant
from tests import factories as f


def token_client(user: User) -> Client:
    _token, secret = accounts.create_token(user, "test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.user = user
    return client


def merchant_client(merchant: Merchant) -> Client:
    staff = f.user(Role.MERCHANT)
    catalog.add_member(merchant, staff)
    return token_client(staff)


def send(client: Client, method: str, url: str, body: object):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def assert_names(response, *loc_tail: object, status: int = 422) -> None:
    """The response is `status` with an error whose loc ends with `loc_tail`."""
    assert response.status_code == status, response.content
    locs = [tuple(d["loc"]) for d in response.json()["detail"]]
    assert any(loc[-len(loc_tail) :] == loc_tail for loc in locs), locs
