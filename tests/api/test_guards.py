"""Request guards for every endpoint at once: NUL characters and oversized bodies."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.catalog.models import Product
from tests import factories as f
from tests.api.support import assert_names, merchant_client, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    product = f.product(title_en="Earphones")
    return product, merchant_client(product.store.merchant)


def test_nul_in_a_json_field_is_422_naming_it_and_nothing_is_written(shop):
    product, client = shop
    url = f"/api/v1/merchant/products/{product.pk}"
    r = send(client, "patch", url, {"title_en": "Ear\x00phones"})
    assert_names(r, "body", "title_en")
    assert Product.objects.get(pk=product.pk).title_en == "Earphones"


def test_nul_deep_in_a_json_body_is_named_with_its_path(shop):
    product, client = shop
    variant = product.variants.get()
    r = send(
        client, "patch", f"/api/v1/merchant/variants/{variant.pk}", {"options": {"c": "r\x00d"}}
    )
    assert_names(r, "body", "options", "c")


def test_nul_in_a_query_string_is_refused_on_the_api_and_pages():
    assert_names(Client().get("/api/v1/products", {"q": "a\x00b"}), "query", "q")
    assert Client().get("/search/", {"q": "a\x00b"}).status_code == 400
    assert Client().get("/track/", {"q": "\x00"}).status_code == 400


def test_nul_in_a_form_field_is_refused():
    user = f.user(Role.BUYER)
    client = Client()
    client.force_login(user)
    r = client.post("/country/", {"country": "BR", "next": "/\x00"})
    assert r.status_code == 400 and b"next" in r.content


def test_a_nul_in_the_path_is_refused():
    assert Client().get("/api/v1/stores/a%00b").status_code == 422


def test_body_over_the_limit_is_413_on_the_api_and_pages(settings, shop):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    product, client = shop
    big = {"title_en": "x" * 20_000}
    r = send(client, "patch", f"/api/v1/merchant/products/{product.pk}", big)
    assert r.status_code == 413 and r.json()["detail"][0]["loc"] == ["body"]
    assert Product.objects.get(pk=product.pk).title_en == "Earphones"
    r = Client().post("/accounts/login/", {"username": "x" * 20_000, "password": "x"})
    assert r.status_code == 413


def test_request_data_too_big_found_while_reading_is_413(rf):
    from django.core.exceptions import RequestDataTooBig

    from caravana.guards import bad_request

    assert bad_request(rf.post("/cart/add/"), RequestDataTooBig("too big")).status_code == 413
    assert bad_request(rf.get("/api/v1/cart"), ValueError("other")).status_code == 400


def test_the_limit_is_a_setting():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert json.dumps({"events": [{"x": "y" * 250}] * 1000}).__len__() < 2_621_440


def test_an_api_path_that_is_no_operation_is_a_json_404():
    for path in ["/api/v1/products/-1", "/api/v1/nothing-here", "/api/v1/orders/x/nothing"]:
        r = Client().get(path)
        assert r.status_code == 404 and r["Content-Type"] == "application/json", path
        assert r.json()["detail"][0]["loc"] == ["path"]
    assert Client().get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_every_operation_documents_its_error_answers():
    spec = Client().get("/api/v1/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert {"401", "403", "404", "413", "422"} <= set(operation["responses"]), (
                method,
                path,
            )
