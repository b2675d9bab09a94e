"""The pages' access: not signed in → the sign-in page; the wrong role → 403; another
tenant's row → 404, through the same lookups as the API (access.members, access.objects)."""

from __future__ import annotations

import pytest
from django.test import Client

from caravana.accounts import services as accounts
from caravana.accounts.models import ApiToken, Role
from caravana.fulfillment.services import hub_steps
from caravana.network.models import Flight
from tests import factories as f
from tests.fulfillment.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    hub_user,
    make_parcel,
    merchant,
    network,
    other_hub_user,
)

pytestmark = pytest.mark.django_db

#: One page per decorator: merchant console, hub, planning, operations.
PAGES = {
    "merchant": "/console/",
    "hub": "/hub/",
    "planner": "/planning/",
    "operator": "/operations/ledger/",
}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_visitors_go_to_sign_in_and_buyers_are_refused_everywhere():
    buyer = signed_in(f.user(Role.BUYER))
    for url in PAGES.values():
        r = Client().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/"), url
        assert buyer.get(url).status_code == 403, url


def test_each_role_opens_its_own_pages_only(network, hub_user, merchant):  # noqa: F811
    users = {
        "merchant": merchant.members.get().user,
        "hub": hub_user,
        "planner": f.user(Role.PLANNER),
        "operator": f.user(Role.OPERATOR),
    }
    for role, user in users.items():
        client = signed_in(user)
        for page_role, url in PAGES.items():
            allowed = page_role == role or (role, page_role) == ("operator", "planner")
            assert client.get(url).status_code == (200 if allowed else 403), (role, url)


def test_another_merchants_rows_are_404_in_the_console(make_parcel, merchant):  # noqa: F811
    them = f.merchant(staff=f.user(Role.MERCHANT))
    theirs = f.product(f.store(them), stock=5)
    parcel = make_parcel()  # `merchant`'s
    token, _secret = accounts.create_token(merchant.members.get().user, "theirs")
    me = signed_in(f.merchant(staff=f.user(Role.MERCHANT)).members.get().user)
    assert me.get(f"/console/products/{theirs.pk}/").status_code == 404
    assert me.post(f"/console/products/{theirs.pk}/variants/", {}).status_code == 404
    variant = theirs.variants.get()
    assert me.post(f"/console/variants/{variant.pk}/stock/", {"quantity": 0}).status_code == 404
    assert me.get(f"/console/parcels/{parcel.s10}/label.pdf").status_code == 404
    assert me.post(f"/console/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).is_active
    assert variant.stock.get().quantity == 5
    owner = signed_in(them.members.get().user)
    assert owner.get(f"/console/products/{theirs.pk}/").status_code == 200


def test_another_hubs_bags_and_flights_are_404(make_parcel, hub_user, other_hub_user):  # noqa: F811
    parcel = make_parcel()
    hub_steps.receive(hub_user, parcel.s10, 480, 20, 15, 10)
    bag = hub_steps.sort_into_bag(hub_user, parcel.s10)
    flight = Flight.objects.get(number="5Y8301", date=TODAY)  # leaves SZX
    mine, other = signed_in(hub_user), signed_in(other_hub_user)
    assert other.get(f"/hub/bags/{bag.identifier}/label.pdf").status_code == 404
    assert other.get(f"/hub/flights/{flight.pk}/").status_code == 404
    assert mine.get(f"/hub/bags/{bag.identifier}/label.pdf").status_code == 200
    assert mine.get(f"/hub/flights/{flight.pk}/").status_code == 200
