"""A client switches on an error's stable code, never on its translated text: each error in a
422 list carries one, and so does every refusal that names no field (401, 403, 404); the
OpenAPI schema lists them all."""

from __future__ import annotations

import pytest
from django.test import Client

from caravana.accounts import services as accounts
from caravana.accounts.models import Role, Scope
from caravana.api.errors import ENUMS, ERROR_CODES
from caravana.orders.models import OrderGroup
from tests import factories as f
from tests.api.support import merchant_client, send, token_client
from tests.orders.support import BR, buyer, market  # noqa: F401

pytestmark = pytest.mark.django_db


def codes(response, status: int = 422) -> dict[tuple, str]:
    """{loc: code} of a list of errors."""
    assert response.status_code == status, response.content
    return {tuple(d["loc"]): d["code"] for d in response.json()["detail"]}


def test_a_bad_s10_and_an_unknown_parcel(client):
    r = client.get("/api/v1/tracking/HC000000015CN")  # wrong check digit
    assert codes(r) == {("path", "identifier"): "invalid_s10"}
    r = client.get("/api/v1/tracking/HC000000014CN")
    assert codes(r, 404) == {("path", "identifier"): "unknown_parcel"}


def test_a_bad_document_and_the_wrong_type_of_document(market):  # noqa: F811
    earphones, _case = market
    client = token_client(buyer())
    order = {**BR, "country": "BR", "lines": [{"variant_id": earphones.pk, "quantity": 1}]}
    r = send(client, "post", "/api/v1/checkout", {**order, "buyer_id": "390.533.447-06"})
    assert codes(r)[("body", "buyer_id")] == "invalid_document"
    # A valid CNPJ given as a CPF: the client can offer to switch the type.
    cnpj = "11.222.333/0001-81"
    r = send(
        client, "post", "/api/v1/checkout", {**order, "buyer_id": cnpj, "buyer_id_type": "br.cpf"}
    )
    assert codes(r)[("body", "buyer_id")] == "wrong_document_type"
    r = send(client, "post", "/api/v1/checkout", {**order, "buyer_id": ""})
    assert codes(r)[("body", "buyer_id")] == "document_required"
    assert not OrderGroup.objects.exists()


def test_an_unknown_payment_method_is_not_offered(market):  # noqa: F811
    earphones, _case = market
    client = token_client(buyer())
    order = {**BR, "country": "BR", "lines": [{"variant_id": earphones.pk, "quantity": 1}]}
    r = send(client, "post", "/api/v1/checkout", {**order, "method": "bitcoin"})
    assert codes(r)[("body", "method")] == "method_not_offered"
    # With other errors beside it, each keeps its own code.
    r = send(client, "post", "/api/v1/checkout", {**order, "method": "bitcoin", "recipient": ""})
    assert codes(r)[("body", "method")] == "method_not_offered"
    assert codes(r)[("body", "recipient")] == "recipient_required"
    assert not OrderGroup.objects.exists()


def test_a_cart_quantity_beyond_stock(market):  # noqa: F811
    earphones, _case = market  # 10 in stock
    client = token_client(buyer())
    r = send(client, "post", "/api/v1/cart/lines", {"variant_id": earphones.pk, "quantity": 11})
    assert codes(r) == {("body", "quantity"): "out_of_stock"}
    r = send(client, "post", "/api/v1/cart/lines", {"variant_id": earphones.pk, "quantity": 10})
    assert r.status_code == 201, r.content


def test_a_missing_scope_no_token_and_no_object(client):
    staff = f.user(Role.MERCHANT)
    _t, catalog_only = accounts.create_token(staff, "catalog sync", [Scope.CATALOG])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {catalog_only}"}
    r = client.post("/api/v1/orders/NO-SUCH/refunds", "{}", content_type="application/json", **auth)
    assert r.status_code == 403
    assert (r.json()["code"], r.json()["required_scope"]) == ("missing_scope", "payments")
    r = Client().get("/api/v1/merchant/products")
    assert (r.status_code, r.json()["code"]) == (401, "not_authenticated")
    r = client.get("/api/v1/stores/no-such-store")
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found", "code": "not_found"})


def test_service_codes_and_schema_errors_on_the_catalog_api(db):
    merchant = f.merchant()
    client = merchant_client(merchant)
    r = client.get("/api/v1/products?sort=cheapest-first")
    assert codes(r) == {("body", "sort"): "invalid_sort"}
    r = send(client, "post", "/api/v1/merchant/products", {"title_en": "A lamp"})
    assert set(codes(r).values()) == {"required"}  # fields the schema needs, from Ninja
    product = f.product(f.store(merchant))
    taken = product.variants.get().sku
    variant = {"sku": taken, "price": "9.00", "weight_g": 100}
    variant |= {"length_cm": "10", "width_cm": "10", "height_cm": "5"}
    r = send(client, "post", f"/api/v1/merchant/products/{product.pk}/variants", variant)
    assert codes(r) == {("body", "sku"): "sku_taken"}


def test_the_openapi_schema_lists_every_code(client):
    schema = client.get("/api/v1/openapi.json").json()
    documented = schema["components"]["schemas"]["ErrorCode"]["enum"]
    assert documented == list(ERROR_CODES)
    for enum in ENUMS:
        assert {member.value for member in enum} <= set(documented), enum
    assert {"invalid_s10", "invalid_document", "missing_scope", "sku_taken"} <= set(documented)
    error = schema["components"]["schemas"]["Error"]
    item = error["properties"]["detail"]["anyOf"][1]["items"]
    assert "code" in item["required"]
    # Every error answer of every operation is that one shape, the tracking lookup's too.
    lookup = schema["paths"]["/api/v1/tracking/{identifier}"]["get"]["responses"]
    for status in ("404", "422"):
        ref = lookup[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/Error"
