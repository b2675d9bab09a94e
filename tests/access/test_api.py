"""The API's access: per-role token auth puts the member on the request once; the wrong role
is 403 naming it; another tenant's rows are 404 whatever the endpoint, and change nothing."""

from __future__ import annotations

import io

import pytest
from django.test import Client, RequestFactory
from ninja.errors import HttpError

from caravana.access.auth import CarrierAuth, HubAuth, MerchantAuth
from caravana.accounts.models import Role
from caravana.catalog.models import Product, Stock
from caravana.network.models import Carrier, Flight, Hub
from caravana.network.services import add_carrier_member
from caravana.payments import simulate
from tests import factories as f
from tests.api.support import merchant_client, send, token_client
from tests.fulfillment.conftest import (  # noqa: F401  (fixtures)
    TODAY,
    hub_user,
    make_parcel,
    merchant,
    network,
    other_hub_user,
)
from tests.orders.support import buyer, market, place  # noqa: F401  (market: fixture)

pytestmark = pytest.mark.django_db


def _bearer_request(client: Client):
    return RequestFactory().get("/", HTTP_AUTHORIZATION=client.defaults["HTTP_AUTHORIZATION"])


def test_member_auth_resolves_the_member_once_onto_the_request(network, hub_user):  # noqa: F811
    product = f.product()
    merchant_api = merchant_client(product.store.merchant)
    request = _bearer_request(merchant_api)
    assert MerchantAuth(scope="catalog")(request) == merchant_api.user
    assert request.merchant == product.store.merchant and request.user == merchant_api.user

    request = _bearer_request(token_client(hub_user))
    assert HubAuth(scope="parcels")(request) == hub_user
    assert request.hub == network

    carrier = Carrier.objects.get(code="br-correios")
    carrier_user = f.user(Role.BUYER)
    add_carrier_member(carrier, carrier_user)
    request = _bearer_request(token_client(carrier_user))
    assert CarrierAuth(scope="tracking")(request) == carrier_user
    assert request.carrier == carrier


def test_an_operators_token_holds_every_scope_but_no_staff_role(network):  # noqa: F811
    operator = token_client(f.user(Role.OPERATOR))
    with pytest.raises(HttpError) as refused:
        MerchantAuth(scope="catalog")(_bearer_request(operator))
    assert refused.value.status_code == 403
    r = operator.get("/api/v1/merchant/products")
    assert r.status_code == 403 and r.json()["detail"] == "merchant staff only"
    assert operator.get("/api/v1/parcels").json()["detail"] == "merchant staff only"
    r = send(operator, "post", "/api/v1/hub/bag", {"s10": "HC000000017CN"})
    assert r.status_code == 403 and r.json()["detail"] == "hub staff only"
    r = send(operator, "post", "/api/v1/tracking/events", {"events": []})
    assert r.status_code == 403
    assert r.json()["detail"] == "Only a carrier's API token can post tracking events."


def test_merchant_and_hub_tokens_do_not_cross(make_parcel, hub_user, merchant):  # noqa: F811
    parcel = make_parcel()
    merchant_api = token_client(merchant.members.get().user)
    hub_api = token_client(hub_user)
    assert send(merchant_api, "post", "/api/v1/hub/bag", {"s10": parcel.s10}).status_code == 403
    r = hub_api.get(f"/api/v1/parcels/{parcel.s10}")
    assert r.status_code == 403 and r.json()["detail"] == "merchant staff only"
    assert merchant_api.get(f"/api/v1/parcels/{parcel.s10}").status_code == 200


def test_staff_of_a_closed_hub_are_refused_as_on_the_pages(make_parcel, hub_user, network):  # noqa: F811
    parcel = make_parcel()
    api = token_client(hub_user)
    Hub.objects.filter(pk=network.pk).update(is_active=False)
    scan = {"s10": parcel.s10, "weight_g": 500, "length_cm": 20, "width_cm": 15, "height_cm": 10}
    r = send(api, "post", "/api/v1/hub/receive", scan)
    assert r.status_code == 403 and r.json()["detail"] == "hub staff only"
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    assert api.get(f"/api/v1/hub/flights/{flight.pk}/load-sheet").status_code == 403
    parcel.refresh_from_db()
    assert parcel.state == "label_created"
    page = Client()
    page.force_login(hub_user)
    assert page.get("/hub/").status_code == 403


def test_a_closed_carrier_cannot_post_events(network):  # noqa: F811
    carrier = Carrier.objects.get(code="br-correios")
    user = f.user(Role.BUYER)
    add_carrier_member(carrier, user)
    api = token_client(user)
    Carrier.objects.filter(pk=carrier.pk).update(is_active=False)
    assert send(api, "post", "/api/v1/tracking/events", {"events": []}).status_code == 403


def test_another_merchants_catalog_is_404_and_unchanged():
    theirs = f.product(price="10.00", stock=5, title_en="Theirs")
    variant = theirs.variants.get()
    me = merchant_client(f.product().store.merchant)
    p, v = f"/api/v1/merchant/products/{theirs.pk}", f"/api/v1/merchant/variants/{variant.pk}"
    assert send(me, "patch", p, {"title_en": "Mine now"}).status_code == 404
    assert me.delete(p).status_code == 404
    body = {"sku": "X-1", "price": "1.00", "weight_g": 100, "length_cm": 10, "width_cm": 10}
    body |= {"height_cm": 5}
    assert send(me, "post", f"{p}/variants", body).status_code == 404
    image = io.BytesIO(b"\x89PNG\r\n\x1a\n")
    image.name = "x.png"
    assert me.post(f"{p}/images", {"image": image}).status_code == 404
    assert send(me, "patch", v, {"price": "0.01"}).status_code == 404
    assert send(me, "put", f"{v}/stock", {"warehouse": "Main", "quantity": 0}).status_code == 404
    r = send(me, "post", "/api/v1/merchant/products", {"store": theirs.store.slug})
    assert r.status_code == 422
    assert theirs.pk not in [
        row["id"] for row in me.get("/api/v1/merchant/products").json()["items"]
    ]
    theirs.refresh_from_db()
    variant.refresh_from_db()
    assert theirs.title_en == "Theirs" and str(variant.price) == "10.00"
    assert theirs.variants.count() == 1 and not theirs.images.exists()
    assert Stock.objects.get(variant=variant).quantity == 5
    assert Product.objects.filter(pk=theirs.pk).exists()


def test_another_hubs_flight_is_404(network, hub_user, other_hub_user):  # noqa: F811
    flight = Flight.objects.get(number="5Y8301", date=TODAY)  # leaves SZX
    other = token_client(other_hub_user)
    r = send(other, "post", f"/api/v1/hub/flights/{flight.pk}/ulds", {"uld": "PMC12345CV"})
    assert r.status_code == 404
    assert other.get(f"/api/v1/hub/flights/{flight.pk}/load-sheet").status_code == 404
    assert (
        token_client(hub_user).get(f"/api/v1/hub/flights/{flight.pk}/load-sheet").status_code == 200
    )


@pytest.fixture
def paid_order(market):  # noqa: F811
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    assert simulate.sandbox_simulate(payment)[0] == 200
    return group.orders.get()


def test_another_buyers_orders_and_payments_are_404(paid_order):
    order, payment = paid_order, paid_order.group.payments.get()
    stranger = token_client(f.user(Role.BUYER))
    for path in ("confirm-receipt", "protection-refund"):
        assert stranger.post(f"/api/v1/orders/{order.number}/{path}").status_code == 404
    assert stranger.get(f"/api/v1/orders/{order.number}").status_code == 404
    r = send(stranger, "post", f"/api/v1/orders/{order.number}/disputes", {"message": "mine?"})
    assert r.status_code == 404
    assert stranger.get(f"/api/v1/payments/{payment.reference}").status_code == 404
    body = {"group": order.group.reference, "method": "pix"}
    assert send(stranger, "post", "/api/v1/payments", body).status_code == 404
    assert stranger.get("/api/v1/orders").json()["count"] == 0
    owner = token_client(order.buyer)
    assert owner.get(f"/api/v1/orders/{order.number}").status_code == 200
    assert owner.get(f"/api/v1/payments/{payment.reference}").status_code == 200
    assert not order.disputes.exists()


def test_refunds_by_the_orders_merchant_or_an_operator_only(paid_order):
    order = paid_order
    url, body = f"/api/v1/orders/{order.number}/refunds", {"amount": "1.00"}
    other_merchant = merchant_client(f.merchant())
    assert send(other_merchant, "post", url, body).status_code == 404
    assert send(token_client(order.buyer), "post", url, body).status_code == 404
    assert send(merchant_client(order.merchant), "post", url, body).status_code == 201
    assert send(token_client(f.user(Role.OPERATOR)), "post", url, body).status_code == 201
    assert order.refunds.count() == 2


def test_openapi_keeps_one_bearer_scheme_and_the_session_scheme():
    schema = Client().get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["type"] == "apiKey" and schemes["SessionAuth"]["in"] == "cookie"
    assert set(schemes) == {"TokenAuth", "SessionAuth"}
    paths = schema["paths"]
    assert paths["/api/v1/hub/receive"]["post"]["security"] == [{"TokenAuth": ["parcels"]}]
    assert paths["/api/v1/parcels"]["get"]["security"] == [{"TokenAuth": ["parcels"]}]
    assert paths["/api/v1/orders"]["get"]["security"] == [
        {"TokenAuth": ["orders"]},
        {"SessionAuth": []},
    ]
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
