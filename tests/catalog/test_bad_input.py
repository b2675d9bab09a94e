"""Merchant catalog writes: bad input is a 422 naming the field and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.catalog.models import Product, Stock, Variant
from caravana.limits import INT_MAX
from tests.api.support import assert_names, merchant_client, send
from tests.orders.support import BR, buyer, place
from tests.orders.support import market as market  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(market):  # noqa: F811
    earphones, _case = market
    return earphones, merchant_client(earphones.merchant)


def test_a_product_with_orders_is_not_deleted_but_refused_naming_it(shop):
    variant, client = shop
    place(buyer(), BR, [(variant.pk, 1)])
    r = client.delete(f"/api/v1/merchant/products/{variant.product_id}")
    assert_names(r, "product")
    assert "deactivate" in r.json()["detail"][0]["msg"]
    assert Product.objects.filter(pk=variant.product_id, is_active=True).exists()
    # what the message says works: it is taken off sale instead
    r = send(
        client, "patch", f"/api/v1/merchant/products/{variant.product_id}", {"is_active": False}
    )
    assert r.status_code == 200 and r.json()["is_active"] is False


def test_a_product_nobody_ordered_is_deleted(shop):
    variant, client = shop
    assert client.delete(f"/api/v1/merchant/products/{variant.product_id}").status_code == 204
    assert not Product.objects.filter(pk=variant.product_id).exists()


@pytest.mark.parametrize(
    "field", ["title_pt_br", "hs_code", "category", "is_active", "description_en"]
)
def test_patch_with_null_is_422_naming_the_field(shop, field):
    variant, client = shop
    before = Product.objects.values().get(pk=variant.product_id)
    r = send(client, "patch", f"/api/v1/merchant/products/{variant.product_id}", {field: None})
    assert_names(r, field)
    assert Product.objects.values().get(pk=variant.product_id) == before


@pytest.mark.parametrize("field", ["sku", "price", "weight_g", "options", "battery"])
def test_variant_patch_with_null_is_422_naming_the_field(shop, field):
    variant, client = shop
    r = send(client, "patch", f"/api/v1/merchant/variants/{variant.pk}", {field: None})
    assert_names(r, field)


def test_the_service_refuses_null_too(shop):
    from django.core.exceptions import ValidationError

    from caravana.catalog import services

    variant, _client = shop
    with pytest.raises(ValidationError) as err:
        services.update_product(variant.product, {"title_pt_br": None})
    assert "title_pt_br" in err.value.message_dict


@pytest.mark.parametrize("quantity", [2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30])
def test_stock_is_bounded_by_the_column_on_every_database(shop, quantity):
    variant, client = shop
    r = send(client, "put", f"/api/v1/merchant/variants/{variant.pk}/stock", {"quantity": quantity})
    if quantity <= INT_MAX:
        assert r.status_code == 200, r.content
        assert Stock.objects.get(variant=variant).quantity == quantity
    else:
        assert_names(r, "quantity")
        assert Stock.objects.get(variant=variant).quantity == 10


def test_stock_beyond_the_column_is_a_form_error_in_the_console(shop):
    variant, api = shop
    client = Client()
    client.force_login(api.user)
    r = client.post(
        f"/console/variants/{variant.pk}/stock/", {"quantity": 2**31}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 422 and b"2147483647" in r.content
    assert Stock.objects.get(variant=variant).quantity == 10


@pytest.mark.parametrize("weight", [2**31, 10**30, 0])
def test_other_integer_fields_are_bounded(shop, weight):
    variant, client = shop
    r = send(client, "patch", f"/api/v1/merchant/variants/{variant.pk}", {"weight_g": weight})
    assert_names(r, "weight_g")
    assert Variant.objects.get(pk=variant.pk).weight_g == 250


def test_ids_beyond_any_column_are_404():
    assert Client().get(f"/api/v1/products/{10**30}").status_code == 404
    r = send(
        merchant_client_for_new_merchant(),
        "patch",
        f"/api/v1/merchant/variants/{10**30}",
        {"sku": "X"},
    )
    assert r.status_code == 404


def merchant_client_for_new_merchant():
    from tests import factories as f

    return merchant_client(f.merchant(staff=f.user(Role.MERCHANT)))
