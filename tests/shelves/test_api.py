"""The wishlist API (issue 13): the signed-in buyer's saved products at landed prices in their
country (a live deal's landed price beside), add and remove idempotent, the web's cap, errors
naming the field; staff and anonymous callers are refused."""

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.catalog import landed
from caravana.promotions import queries
from caravana.shelves import services
from caravana.shelves.models import WishlistItem
from tests import factories as f
from tests.promotions.conftest import deal

pytestmark = pytest.mark.django_db

URL = "/api/v1/wishlist"


@pytest.fixture
def shop():
    f.fx_rates()
    a = f.product(price="100.00", stock=10, title_en="Earphones")
    b = f.product(price="50.00", stock=10, hs_code="392690", title_en="Phone case")
    landed.refresh(product_ids=[a.pk, b.pk])
    return a, b


def buyer_client():
    user = f.user(Role.BUYER)
    c = Client()
    c.force_login(user)
    return c, user


def test_list_add_remove_idempotent_with_landed_and_deal_prices(shop):
    a, b = shop
    c, user = buyer_client()
    assert c.get(URL, {"country": "MX"}).json()["items"] == []
    r = c.post(f"{URL}?country=MX", {"product_id": a.pk}, content_type="application/json")
    assert r.status_code == 201
    again = c.post(f"{URL}?country=MX", {"product_id": a.pk}, content_type="application/json")
    assert again.status_code == 200 and again.json()["count"] == 1
    assert WishlistItem.objects.filter(user=user).count() == 1
    d = deal(b.variants.get(), price="30.00", cap=2)
    c.post(f"{URL}?country=MX", {"product_id": b.pk}, content_type="application/json")
    body = c.get(URL, {"country": "MX"}).json()
    assert body["country"] == "MX" and body["max"] == services.WISHLIST_MAX
    items = {i["product_id"]: i for i in body["items"]}
    card = landed.for_cards([a], "MX", "MXN")[a.pk].amount
    assert items[a.pk]["price"] == str(card) and items[a.pk]["currency"] == "MXN"
    assert items[a.pk]["deal"] is None
    priced = queries.deal_price(d, "MX")
    assert items[b.pk]["deal"]["price"] == str(priced.amount)
    assert c.delete(f"{URL}/{a.pk}").status_code == 204
    assert c.delete(f"{URL}/{a.pk}").status_code == 204  # idempotent
    assert [i["product_id"] for i in c.get(URL, {"country": "MX"}).json()["items"]] == [b.pk]


def test_errors_name_the_field_and_change_nothing(shop, monkeypatch):
    a, _b = shop
    c, user = buyer_client()
    r = c.post(URL, {"product_id": 999999}, content_type="application/json")
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["loc"][-1] == "product_id" and err["code"] == "product_unavailable"
    r = c.get(URL, {"country": "XX"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "country"
    bad = c.post(URL, {"product_id": "abc"}, content_type="application/json")
    assert bad.status_code == 422 and "product_id" in str(bad.json()["detail"][0]["loc"])
    monkeypatch.setattr(services, "WISHLIST_MAX", 0)
    full = c.post(URL, {"product_id": a.pk}, content_type="application/json")
    assert full.status_code == 422
    assert full.json()["detail"][0]["code"] == "wishlist_full"
    assert full.json()["detail"][0]["loc"][-1] == "product_id"
    assert not WishlistItem.objects.filter(user=user).exists()


def test_only_signed_in_buyers(shop):
    assert Client().get(URL).status_code == 401
    staff = Client()
    staff.force_login(f.user(Role.MERCHANT))
    assert staff.get(URL).status_code == 403


@pytest.mark.parametrize(
    "lang,word", [("es", "Favoritos"), ("pt-br", "Favoritos"), ("en", "Wishlist")]
)
def test_header_links_to_the_wishlist_with_its_count(shop, lang, word):
    a, b = shop
    c, user = buyer_client()
    c.post("/country/", {"country": "BR", "language": lang})
    html = c.get("/").content.decode()
    assert 'data-testid="wishlist-link" data-count="0"' in html and word in html
    c.post(URL, {"product_id": a.pk}, content_type="application/json")
    c.post(URL, {"product_id": b.pk}, content_type="application/json")
    html = c.get("/").content.decode()
    assert 'data-testid="wishlist-link" data-count="2"' in html
    c.delete(f"{URL}/{a.pk}")
    assert 'data-count="1"' in c.get("/").content.decode()
    anonymous = Client().get("/search/").content.decode()
    assert "wishlist-link" not in anonymous
