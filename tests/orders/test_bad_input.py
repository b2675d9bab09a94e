"""Orders API and cart pages: bad input is a 4xx naming the field and writes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from caravana.catalog import services as catalog
from caravana.orders.models import CartLine, Order, OrderGroup
from tests.api.support import assert_names, send, token_client
from tests.orders.support import BR, buyer, place

pytestmark = pytest.mark.django_db


def test_the_buyer_reads_an_order_with_its_lines(market):
    earphones, case = market
    user = buyer()
    group, _payment, _replayed = place(user, BR, [(earphones.pk, 2), (case.pk, 1)])
    for order in Order.objects.filter(group=group):
        r = token_client(user).get(f"/api/v1/orders/{order.number}")
        assert r.status_code == 200, r.content
        body = r.json()
        assert body["number"] == order.number and body["group"] == group.reference
        assert [line["quantity"] for line in body["lines"]] == [
            ln.quantity for ln in order.lines.all()
        ]
        assert body["quote"] == order.quote


def test_another_buyers_order_is_404(market):
    earphones, _case = market
    group, _p, _r = place(buyer(), BR, [(earphones.pk, 1)])
    number = Order.objects.filter(group=group).first().number
    assert token_client(buyer()).get(f"/api/v1/orders/{number}").status_code == 404


@pytest.mark.parametrize("variant_id", [10**30, 2**63, 0, -1])
def test_a_variant_id_beyond_the_column_is_422_naming_it(market, variant_id):
    client = token_client(buyer())
    r = send(client, "post", "/api/v1/cart/lines", {"variant_id": variant_id})
    assert_names(r, "variant_id")
    checkout = {**BR, "country": "BR", "lines": [{"variant_id": variant_id, "quantity": 1}]}
    r = send(client, "post", "/api/v1/checkout", checkout)
    assert_names(r, "lines", 0, "variant_id")
    assert not OrderGroup.objects.exists() and not CartLine.objects.exists()


def test_the_checkout_service_takes_an_id_beyond_the_column_as_not_for_sale(market):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as err:
        place(buyer(), BR, [(10**30, 1)])
    assert "cart" in err.value.message_dict


def _cheap(variant, stock=1000):
    catalog.update_variant(variant, {"price": "1.00"})
    catalog.set_stock(variant, variant.merchant.warehouses.get(name="Main"), stock)


def test_a_repeated_checkout_line_is_merged_then_capped(market):
    earphones, _case = market
    _cheap(earphones)
    client = token_client(buyer())
    lines = [
        {"variant_id": earphones.pk, "quantity": 99},
        {"variant_id": earphones.pk, "quantity": 99},
    ]
    r = send(client, "post", "/api/v1/checkout", {**BR, "country": "BR", "lines": lines})
    assert_names(r, "quantity")
    assert not OrderGroup.objects.exists()
    # within the cap, repeated lines are one line of their sum
    lines = [
        {"variant_id": earphones.pk, "quantity": 2},
        {"variant_id": earphones.pk, "quantity": 3},
    ]
    r = send(client, "post", "/api/v1/checkout", {**BR, "country": "BR", "lines": lines})
    assert r.status_code == 201, r.content
    assert [ln.quantity for ln in Order.objects.get().lines.all()] == [5]


def test_adding_a_line_twice_to_the_cart_stays_within_the_cap(market):
    earphones, _case = market
    _cheap(earphones)
    client = token_client(buyer())
    for _ in range(2):
        r = send(client, "post", "/api/v1/cart/lines", {"variant_id": earphones.pk, "quantity": 99})
        assert r.status_code == 201
    assert [ln["quantity"] for ln in r.json()["lines"]] == [99]
    page = Client()
    page.force_login(client.user)
    for _ in range(2):
        page.post("/cart/add/", {"variant": earphones.pk, "quantity": 99})
    assert list(CartLine.objects.values_list("quantity", flat=True)) == [99]


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://evil.example",
        "/\\evil.example",
        "https:evil.example",
    ],
)
def test_cart_add_never_redirects_to_another_site(market, target):
    client = Client()
    r = client.post("/cart/add/", {"variant": 0, "next": target})
    assert r.status_code == 302
    assert r["Location"] == "/cart/", r["Location"]


def test_cart_add_returns_to_a_page_of_the_site(market):
    earphones, _case = market
    r = Client().post("/cart/add/", {"variant": 0, "next": f"/p/{earphones.product_id}/"})
    assert r.status_code == 302 and r["Location"] == f"/p/{earphones.product_id}/"


@pytest.mark.parametrize("target", ["NaN", "9223372036854775808", "orders:list", "//evil.example/"])
def test_a_refused_cart_add_with_a_next_that_is_no_path_goes_back_to_the_cart(
    client, market, target
):
    """`redirect()` reads a bare string as a view name: `next=NaN` was a NoReverseMatch, a 500."""
    resp = client.post("/cart/add/", {"variant": "abc", "next": target})
    assert resp.status_code == 302 and resp["Location"] == "/cart/"
