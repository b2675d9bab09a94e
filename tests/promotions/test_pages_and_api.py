"""The console's promotion pages (merchant and operator), the API (a merchant's coupons, a
buyer's check against the cart), the product page's deal, "deals ending soon" and the seed."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from caravana import markets
from caravana.accounts import services as accounts
from caravana.accounts.models import Role
from caravana.catalog import landed
from caravana.catalog import services as catalog_services
from caravana.money import Money
from caravana.orders import carts
from caravana.pricing import fx
from caravana.promotions import queries
from caravana.promotions.demo import seed_demo_promotions
from caravana.promotions.models import Coupon, FlashDeal, FreeShipping
from tests import factories as f
from tests.promotions.conftest import deal

pytestmark = pytest.mark.django_db


def when(hours: int) -> str:
    return timezone.localtime(timezone.now() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def utc(hours: int) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def staff_of(merchant):
    staff = f.user(Role.MERCHANT)
    catalog_services.add_member(merchant, staff)
    return staff


def test_merchant_console_coupon_deal_and_free_shipping(market):
    a, _b = market
    c = Client()
    c.force_login(staff_of(a.merchant))
    assert c.get("/console/promotions/").status_code == 200
    form = {"action": "coupon", "coupon-country": "BR", "coupon-per_buyer": "1",
            "coupon-starts_at": when(-1), "coupon-ends_at": when(5)}  # fmt: skip
    bad = c.post("/console/promotions/", {**form, "coupon-code": "X Y", "coupon-kind": "percent",
                                          "coupon-value": "200"})  # fmt: skip
    assert bad.status_code == 422 and not Coupon.objects.exists()
    body = bad.content.decode()
    assert 'data-field="code"' in body and "has-error" in body
    ok = c.post("/console/promotions/", {**form, "coupon-code": "loja5", "coupon-kind": "fixed",
                                         "coupon-value": "5"})  # fmt: skip
    assert ok.status_code == 302
    assert Coupon.objects.get(code="LOJA5").merchant == a.merchant
    c.post("/console/promotions/", {"action": "deal", "deal-sku": a.sku, "deal-price": "80",
                                    "deal-cap": "3", "deal-ends_at": when(4)})  # fmt: skip
    assert FlashDeal.objects.get(variant=a).remaining == 3
    c.post("/console/promotions/", {"action": "shipping", "ship-threshold": "300"})
    assert FreeShipping.objects.get(merchant=a.merchant).threshold == 300
    page = c.get("/console/promotions/").content.decode()
    assert "LOJA5" in page and a.sku in page
    # Another merchant's staff cannot remove it.
    other = Client()
    other.force_login(staff_of(f.merchant()))
    coupon_id = Coupon.objects.get().pk
    assert other.post(f"/console/promotions/coupons/{coupon_id}/delete/").status_code == 404


def test_operators_create_platform_coupons(market):
    c = Client()
    c.force_login(f.user(Role.OPERATOR))
    r = c.post("/operations/coupons/", {"coupon-code": "BEMVINDO", "coupon-country": "BR",
                                        "coupon-kind": "percent", "coupon-value": "10",
                                        "coupon-per_buyer": "1", "coupon-starts_at": when(-1),
                                        "coupon-ends_at": when(48)})  # fmt: skip
    assert r.status_code == 302
    assert Coupon.objects.get(code="BEMVINDO").merchant is None
    merchant = Client()
    merchant.force_login(f.user(Role.MERCHANT))
    assert merchant.get("/operations/coupons/").status_code == 403


def test_api_coupons_crud_and_validation(market):
    a, _b = market
    fx.invalidate()
    staff = staff_of(a.merchant)
    _t, secret = accounts.create_token(staff, "erp")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"code": "api10", "country": "BR", "kind": "percent", "value": "10",
            "starts_at": utc(-1), "ends_at": utc(24)}  # fmt: skip
    r = api.post("/api/v1/merchant/coupons", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert r.json()["funding"] == "merchant" and r.json()["code"] == "API10"
    bad = api.post("/api/v1/merchant/coupons", json.dumps({**body, "code": "api10"}),
                   content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and "code_taken" in bad.content.decode()
    assert api.get("/api/v1/merchant/coupons").json()["count"] == 1
    other_staff = staff_of(f.merchant())
    _t, other_secret = accounts.create_token(other_staff, "erp")
    other = Client(HTTP_AUTHORIZATION=f"Bearer {other_secret}")
    assert other.get(f"/api/v1/merchant/coupons/{cid}").status_code == 404
    # A buyer checks it against the cart.
    buyer = f.user(Role.BUYER)
    cart = carts.create_cart(buyer)
    carts.add_to_cart(cart, a.pk, 1)
    c = Client()
    c.force_login(buyer)
    ok = c.post("/api/v1/coupons/validate", json.dumps({"code": "API10", "country": "BR"}),
                content_type="application/json")  # fmt: skip
    assert ok.status_code == 200 and ok.json()["valid"] is True, ok.json()
    assert float(ok.json()["discount"]) > 0
    no = c.post("/api/v1/coupons/validate", json.dumps({"code": "API10", "country": "MX"}),
                content_type="application/json")  # fmt: skip
    assert no.json()["valid"] is False and "coupon" in no.json()["errors"]
    assert api.delete(f"/api/v1/merchant/coupons/{cid}").status_code == 204


def test_product_page_cards_and_deals_ending_soon(market, client):
    a, b = market
    fx.invalidate()
    landed.refresh(product_ids=[a.product.pk, b.product.pk])
    deal(a, price="70.00", cap=4)
    deal(b, price="30.00", cap=2, ends_at=timezone.now() + dt.timedelta(minutes=30))
    client.cookies["caravana_country"] = "BR"
    page = client.get(f"/p/{a.product.pk}/").content.decode()
    assert 'data-testid="flash-deal"' in page and "data-countdown" in page
    soon = queries.ending_soon("BR")
    assert [d.variant_id for d in soon] == [b.pk, a.pk]
    home = client.get("/").content.decode()
    assert 'data-testid="deals-ending-soon"' in home and home.count('data-testid="deal-item"') == 2
    # Each at its landed price, as the product page's deal box shows it (not the goods price).
    landed_a = queries.deal_quote(next(d for d in soon if d.variant_id == a.pk), "BR")
    assert landed_a is not None and landed_a.collect_at_checkout > Decimal("70.00")
    locale = markets.get("BR").format_locale("en")  # the page is in English here
    shown = Money(landed_a.collect_at_checkout, landed_a.currency).format(locale)
    assert f'data-testid="deal-landed">{shown}<' in home
    assert 'data-testid="card-deal"' in home


def test_seed_is_idempotent(market):
    first = seed_demo_promotions()
    again = seed_demo_promotions()
    assert first["coupons"] >= 6 and again == {"coupons": 0, "deals": 0, "free_shipping": 0}
