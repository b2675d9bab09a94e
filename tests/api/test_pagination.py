"""Every API list and every paginated page answers out-of-range page numbers without a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.network.services import add_hub_member
from tests import factories as f
from tests.api.support import merchant_client, token_client
from tests.fulfillment.conftest import network  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

BAD_PAGES = ["9223372036854775808", "99999999999999999999999", "-1", "0", "abc"]
API_LISTS = ["/api/v1/stores", "/api/v1/products", "/api/v1/merchant/products"]
API_LISTS += ["/api/v1/parcels", "/api/v1/orders"]


@pytest.mark.parametrize("page", BAD_PAGES)
def test_api_lists_refuse_a_page_out_of_range_with_422_naming_it(page):
    product = f.product()
    merchant = merchant_client(product.store.merchant)
    buyer = token_client(f.user(Role.BUYER))
    for url in API_LISTS:
        client = merchant if "merchant" in url or "parcels" in url else buyer
        r = client.get(url, {"page": page})
        assert r.status_code == 422, (url, r.content)
        assert ["query", "page"] in [d["loc"][:2] for d in r.json()["detail"]], url


def test_api_lists_serve_the_last_allowed_page_empty():
    f.product()
    r = Client().get("/api/v1/stores", {"page": 10_000})
    assert r.status_code == 200 and r.json()["items"] == []


@pytest.mark.parametrize("page", BAD_PAGES)
def test_paginated_pages_answer_any_page_number(page, network):  # noqa: F811
    """Pages use Django's Paginator.get_page: a bad number shows the first page, a number
    beyond the end the last (a person following an old link), never an error."""
    product = f.product()
    merchant = Client()
    merchant.force_login(merchant_client(product.store.merchant).user)
    hub = f.user(Role.HUB)
    add_hub_member(network, hub)
    hub_client = Client()
    hub_client.force_login(hub)
    for client, url in [
        (Client(), "/search/"),
        (merchant, "/console/products/"),
        (merchant, "/console/orders/"),
        (merchant, "/console/orders/refunds/"),
        (merchant, "/console/orders/payouts/"),
        (merchant, "/console/parcels/"),
        (hub_client, "/hub/bags/"),
        (hub_client, "/hub/ulds/"),
        (hub_client, "/hub/parcels/"),
        (hub_client, "/hub/flights/"),
    ]:
        r = client.get(url, {"page": page})
        assert r.status_code == 200, (url, r.status_code)
