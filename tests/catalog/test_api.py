import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caravana.accounts import services as accounts
from caravana.accounts.models import Role
from caravana.catalog.models import Product, ProductImage, Stock, Variant
from tests import factories as f
from tests.imagefiles import SCRIPT, png_header, poly_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant_client():
    staff = f.user(Role.MERCHANT)
    m = f.merchant(staff=staff)
    s = f.store(m, slug="shop-a")
    f.category("audio")
    _token, secret = accounts.create_token(staff, "erp")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.merchant = m
    client.store = s
    return client


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


PRODUCT = {
    "store": "shop-a",
    "category": "audio",
    "hs_code": "851830",
    "title_pt_br": "Fone de ouvido",
    "title_zh_hans": "蓝牙耳机",
}
VARIANT = {
    "sku": "EAR-1",
    "options": {"colour": "black"},
    "price": "59.90",
    "currency": "CNY",
    "weight_g": 180,
    "length_cm": "12",
    "width_cm": "8",
    "height_cm": "4",
    "battery": "in_equipment",
}


def test_openapi_and_docs_are_served():
    client = Client()
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/products" in spec.json()["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_merchant_creates_product_variant_and_stock(merchant_client):
    r = post(merchant_client, "/api/v1/merchant/products", PRODUCT)
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    r = post(merchant_client, f"/api/v1/merchant/products/{pid}/variants", VARIANT)
    assert r.status_code == 201, r.content
    assert r.json()["price"] == "59.90"
    vid = r.json()["id"]
    r = merchant_client.put(
        f"/api/v1/merchant/variants/{vid}/stock",
        json.dumps({"quantity": 40}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["quantity"] == 40
    public = Client().get(f"/api/v1/products/{pid}").json()
    assert public["price_from"] == "59.90" and public["variants"][0]["sku"] == "EAR-1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hs_code": "123456"}, "hs_code"),
        ({"category": "nope"}, "category"),
        ({"store": "not-mine"}, "store"),
        ({"title_pt_br": "", "title_zh_hans": ""}, "title_en"),
    ],
)
def test_bad_product_is_422_naming_the_field_and_writes_nothing(merchant_client, change, field):
    r = post(merchant_client, "/api/v1/merchant/products", {**PRODUCT, **change})
    assert r.status_code == 422, r.content
    assert field in [d["loc"][-1] for d in r.json()["detail"]]
    assert Product.objects.count() == 0


def test_schema_errors_are_422(merchant_client):
    r = post(merchant_client, "/api/v1/merchant/products", {**PRODUCT, "hs_code": None})
    assert r.status_code == 422
    r = post(merchant_client, "/api/v1/merchant/products", {**PRODUCT, "bogus": 1})
    assert r.status_code == 422
    assert Product.objects.count() == 0


def test_bad_variant_is_422_and_writes_nothing(merchant_client):
    pid = post(merchant_client, "/api/v1/merchant/products", PRODUCT).json()["id"]
    r = post(
        merchant_client, f"/api/v1/merchant/products/{pid}/variants", {**VARIANT, "weight_g": -5}
    )
    assert r.status_code == 422
    r = post(
        merchant_client,
        f"/api/v1/merchant/products/{pid}/variants",
        {**VARIANT, "battery": "plutonium"},
    )
    assert r.status_code == 422
    assert "battery" in [d["loc"][-1] for d in r.json()["detail"]]
    assert Variant.objects.count() == 0


def test_negative_stock_is_refused(merchant_client):
    p = f.product(merchant_client.store)
    v = p.variants.get()
    r = merchant_client.put(
        f"/api/v1/merchant/variants/{v.pk}/stock",
        json.dumps({"quantity": -1}),
        content_type="application/json",
    )
    assert r.status_code == 422
    assert Stock.objects.get(variant=v).quantity == 10


def test_another_merchants_product_is_404(merchant_client):
    theirs = f.product()
    r = merchant_client.patch(
        f"/api/v1/merchant/products/{theirs.pk}",
        json.dumps({"title_en": "mine now"}),
        content_type="application/json",
    )
    assert r.status_code == 404
    r = post(merchant_client, f"/api/v1/merchant/products/{theirs.pk}/variants", VARIANT)
    assert r.status_code == 404
    v = theirs.variants.get()
    r = merchant_client.put(
        f"/api/v1/merchant/variants/{v.pk}/stock",
        json.dumps({"quantity": 1}),
        content_type="application/json",
    )
    assert r.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title_en != "mine now"


def test_writes_need_a_live_token(merchant_client):
    assert post(Client(), "/api/v1/merchant/products", PRODUCT).status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer cvn_not-a-token")
    assert post(bad, "/api/v1/merchant/products", PRODUCT).status_code == 401
    token = merchant_client.merchant.members.get().user.api_tokens.get()
    accounts.revoke_token(token.user, token.pk)
    assert post(merchant_client, "/api/v1/merchant/products", PRODUCT).status_code == 401


def test_buyer_token_cannot_write():
    buyer = f.user(Role.BUYER)
    _t, secret = accounts.create_token(buyer, "x")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert post(c, "/api/v1/merchant/products", PRODUCT).status_code == 403


def test_search_endpoint_is_paginated_and_bounded():
    s = f.store()
    cat = f.category("audio")
    for i in range(30):
        f.product(s, cat=cat, title_pt_br=f"Fone modelo {i}")
    client = Client()
    with CaptureQueriesContext(connection) as q:
        r = client.get("/api/v1/products", {"q": "fone", "language": "pt-br", "per_page": 10})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 30 and body["pages"] == 3 and len(body["items"]) == 10
    assert len(q) <= 4
    assert client.get("/api/v1/products", {"sort": "cheapest"}).status_code == 422
    assert client.get("/api/v1/products", {"per_page": 1000}).status_code == 422
    assert client.get("/api/v1/products", {"category": "nope"}).status_code == 422


def test_product_detail_query_count_is_fixed():
    s = f.store()
    p = f.product(s)
    for _ in range(5):
        f.variant(p)
    with CaptureQueriesContext(connection) as q:
        assert Client().get(f"/api/v1/products/{p.pk}").status_code == 200
    assert len(q) <= 4
    assert Client().get("/api/v1/products/999999").status_code == 404


# --- image uploads ---------------------------------------------------------------------------


def test_polyglot_image_upload_is_reencoded_and_served_as_png(merchant_client, media_root):
    p = f.product(merchant_client.store)
    r = merchant_client.post(
        f"/api/v1/merchant/products/{p.pk}/images", {"image": poly_upload("poly.html")}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    row = ProductImage.objects.get(pk=body["id"])
    assert row.image.name.endswith(".png") and "poly" not in row.image.name
    assert (body["width"], body["height"]) == (200, 120)
    assert body["url"].startswith("http://testserver/media/products/")
    with default_storage.open(row.image.name) as fh:
        assert SCRIPT not in fh.read()
    served = Client().get(body["url"])
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_image_bomb_and_non_image_uploads_are_422_naming_the_field(merchant_client, media_root):
    p = f.product(merchant_client.store)
    url = f"/api/v1/merchant/products/{p.pk}/images"
    for data in (png_header(30000, 30000), b"<html><script>alert(1)</script>"):
        r = merchant_client.post(url, {"image": SimpleUploadedFile("x.png", data)})
        assert r.status_code == 422, r.content
        assert r.json()["detail"][0]["loc"] == ["body", "image"]
    assert not ProductImage.objects.exists()


def test_another_merchants_product_takes_no_image(merchant_client, media_root):
    theirs = f.product()
    r = merchant_client.post(
        f"/api/v1/merchant/products/{theirs.pk}/images", {"image": poly_upload()}
    )
    assert r.status_code == 404


def test_option_translations_through_the_api(merchant_client):
    """Issue 12, item 13: an integration fills the option values for buyers per language."""
    pid = post(merchant_client, "/api/v1/merchant/products", PRODUCT).json()["id"]
    body = {**VARIANT, "options": {"colour": "黑色"},
            "option_translations": {"pt-br": {"colour": "Preto fosco"}}}  # fmt: skip
    r = post(merchant_client, f"/api/v1/merchant/products/{pid}/variants", body)
    assert r.status_code == 201, r.content
    assert r.json()["option_translations"] == {"pt-br": {"colour": "Preto fosco"}}
    bad = {**body, "sku": "EAR-2", "option_translations": {"fr": {"colour": "noir"}}}
    r = post(merchant_client, f"/api/v1/merchant/products/{pid}/variants", bad)
    assert r.status_code == 422 and "option_translations" in r.content.decode()


def test_search_lists_in_a_country_we_deliver_to():
    """`country` picks the storefront's listing (any case); a country we do not deliver to,
    or a made-up one, is refused naming the field; none means the default market."""
    f.product(f.store(), cat=f.category("audio"), title_pt_br="Fone sem fio")
    client = Client()
    for country in ("BR", "br", None):
        params = {"q": "fone", "language": "pt-br"} | ({"country": country} if country else {})
        r = client.get("/api/v1/products", params)
        assert r.status_code == 200, (country, r.content)
    for country in ("US", "XX", "巴西", "B" * 500):
        r = client.get("/api/v1/products", {"country": country})
        assert r.status_code == 422, country
        detail = r.json()["detail"][0]
        assert detail["loc"][-1] == "country" and detail["code"] == "unsupported_country"
