"""Promotions in a real Chromium. A platform coupon typed in the cart comes off the checkout
and the order page, and at release the platform's coupons account pays it, not the merchant.
A flash deal's product page shows the price, the units left and a countdown that ticks (axe
checked, photographed at 1366 and 390 px into docs/screenshots/flash-deal-*.png); two buyers
race for its last unit: the one who places second is told the deal ended and nothing of
theirs is placed, so only one order line carries the deal price."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from caravana.orders import lifecycle
from caravana.orders.models import Order, OrderLine
from caravana.payments import ledger
from caravana.payments.models import AccountKind, LedgerAccount
from caravana.promotions import services
from caravana.promotions.models import FlashDeal
from tests import factories as f
from tests import shots
from tests.browser.axe import violations
from tests.orders.support import BR, ensure_pricing, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def shop(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    ensure_pricing()
    f.fx_rates()
    product = f.product(price="129.00", stock=20, title_en="TWS earphones",
                        title_pt_br="Fone de ouvido TWS", title_es="Audífonos TWS")  # fmt: skip
    now = timezone.now()
    window = {"starts_at": now - dt.timedelta(hours=1), "ends_at": now + dt.timedelta(hours=5)}
    return {"product": product, "variant": product.variants.get(), "window": window,
            "buyer": f.user(username="ana", email="ana@example.com")}  # fmt: skip


def _enter(page, url, user):
    page.goto(url + "/country/")
    page.locator('button[data-country="BR"]').click()
    page.goto(url + "/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()


def _checkout(page, url, submit=True):
    page.goto(url + "/checkout/")
    for name in ("recipient", "street_address", "city", "postal_code", "buyer_id"):
        page.fill(f"#{name}", BR[name])
    page.select_option("#state", BR["state"])
    page.check('input[name=method][value="pix"]')
    if submit:
        page.get_by_test_id("place-order").click()


def test_coupon_at_checkout_and_its_funding_in_the_ledger(live_server, page, shop):
    url, product = live_server.url, shop["product"]
    services.save_coupon({"code": "BEMVINDO10", "country": "BR", "kind": "percent",
                          "value": "10", **shop["window"]}, merchant=None)  # fmt: skip
    _enter(page, url, shop["buyer"])
    page.goto(f"{url}/p/{product.pk}/")
    page.get_by_test_id("add-to-cart").click()
    page.goto(url + "/cart/")
    page.fill("#coupon", "nope")
    page.get_by_test_id("coupon-form").locator("button").click()
    expect(page.get_by_test_id("discount-total")).to_have_count(0)
    page.fill("#coupon", "bemvindo10")
    page.get_by_test_id("coupon-form").locator("button").click()
    expect(page.get_by_test_id("discount-total")).to_contain_text("BEMVINDO10")
    _checkout(page, url)
    page.get_by_test_id("sandbox-confirm").click()
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "succeeded")
    order = Order.objects.get()
    assert order.coupon_code == "BEMVINDO10" and order.platform_funded == order.discount > 0
    page.goto(f"{url}/orders/{order.number}/")
    expect(page.get_by_test_id("order-discount")).to_contain_text("BEMVINDO10")
    lifecycle.mark_shipped(order)
    lifecycle.confirm_delivery(order)
    lifecycle.confirm_receipt(order, order.buyer)
    coupons = LedgerAccount.objects.get(kind=AccountKind.COUPONS, currency="BRL")
    assert coupons.balance == order.discount  # the platform's cost, never the merchant's
    assert ledger.reconcile() == []


def test_flash_deal_countdown_and_the_race_for_its_last_unit(live_server, page, shop):
    url, product, variant = live_server.url, shop["product"], shop["variant"]
    deal = services.save_deal(
        {"variant": variant.pk, "price": "89.00", "cap": 1, **shop["window"]},
        merchant=variant.merchant,
    )
    _enter(page, url, shop["buyer"])
    page.goto(f"{url}/p/{product.pk}/")
    box = page.get_by_test_id("flash-deal")
    expect(box).to_be_visible()
    expect(page.get_by_test_id("deal-left")).to_contain_text("1")
    countdown = page.get_by_test_id("deal-countdown")
    expect(countdown).to_have_text(re.compile(r"^0[45]:\d\d:\d\d$"))
    first = countdown.inner_text()
    page.wait_for_function(
        "t => document.querySelector('[data-testid=deal-countdown]').textContent !== t", arg=first
    )
    problems = []
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        shots.take(page, SHOTS / f"flash-deal-{width}.png", full_page=width > 400)
        problems += [f"[{width}] {v}" for v in violations(page)]
    assert not problems, problems
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_test_id("add-to-cart").click()
    _checkout(page, url, submit=False)
    # Another buyer takes the last unit at the deal's price while Ana fills in the checkout.
    rival, _payment, _r = place(f.user(email="rival@example.com"), lines=[(variant.pk, 1)])
    assert rival.orders.get().lines.get().unit_price == deal.price
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("errors").locator('[data-field="cart"]')).to_be_visible()
    assert Order.objects.count() == 1
    assert FlashDeal.objects.get(pk=deal.pk).remaining == 0
    assert [str(p) for p in OrderLine.objects.values_list("unit_price", flat=True)] == ["89.00"]
    # The price is back to normal: placing again buys at the variant's own price.
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("sandbox-confirm")).to_be_visible()
    assert sorted(str(p) for p in OrderLine.objects.values_list("unit_price", flat=True)) == [
        "129.00", "89.00",
    ]  # fmt: skip
