"""Buying local stock in a real Chromium (issue 15 item 7): a second buyer in Brazil sees the
São Paulo point's "local stock, fast delivery" offer on the product page, buys it through the
ordinary checkout and pays by Pix in the sandbox; the point's staff pack it and hand it to
Correios on their desk; Correios's events deliver it; the order page and the tracking page show
the carrier's number. 1366 and 390 px; RETURNS_SHOTS=<dir> keeps the screenshots
(docs/screenshots/returns-resold-locally-*.png)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from caravana import webhook_signing
from caravana.carrier_events import demo as carrier_demo
from caravana.carrier_events import services as carrier_events
from caravana.fulfillment.models import Parcel
from caravana.handover import ranges
from caravana.network.models import Carrier
from caravana.orders.models import Order, OrderKind
from caravana.returns import services
from caravana.returns.models import HeldItem, ReturnsPoint
from tests import factories as f
from tests.browser.test_returns import _check, _log_in
from tests.orders.support import BR, market  # noqa: F401  (fixture)
from tests.returns.conftest import delivered, world  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_buyer_buys_local_stock_through_checkout(live_server, page, world, settings):  # noqa: F811
    from caravana.duties.seed import ensure_reference as ensure_duties
    from caravana.returns.seed import ensure_reference

    settings.PAYMENTS_SANDBOX_TRANSPORT = "http"
    settings.LOCAL_STOCK_OFFERS = True
    ensure_duties()
    ensure_reference()
    order, _parcel = delivered("BR", world["variant"])
    ret = services.request_return(order, order.buyer, {order.lines.get().pk: 2}, "changed_mind")
    ret = services.decide(ret, world["merchant_staff"], True)
    services.receive(world["staff"]["BR"], ret.drop_off_code, "as_new")
    item = HeldItem.objects.get(request=ret)
    correios = Carrier.objects.get(code="br-correios")
    Carrier.objects.filter(pk=correios.pk).update(
        price_per_parcel=Decimal("19.90"), price_per_kg=Decimal("3.50")
    )
    ReturnsPoint.objects.filter(pk=item.point_id).update(last_mile_carrier=correios)
    ranges.add_range(correios, "ZZ", 1, 9999, 8, "test range", is_demo=True)
    services.choose(item, world["merchant_staff"], "resell", "399.90")
    base = live_server.url

    second = f.user(email="bruno@example.com", username="bruno")
    page.context.add_cookies(
        [{"name": "django_language", "value": "pt-br", "url": base},
         {"name": "caravana_country", "value": "BR", "url": base}]
    )  # fmt: skip
    _log_in(page, base, second, f"/p/{item.variant.product_id}/")
    offer = page.get_by_test_id("local-offer")
    expect(offer).to_contain_text("Estoque local")
    expect(offer.get_by_test_id("local-promise")).to_be_visible()
    offer.scroll_into_view_if_needed()
    _check(page, "resold-locally-product")
    page.get_by_test_id("add-to-cart").first.click()  # the cart offers the local stock too
    page.goto(f"{base}/cart/")
    expect(page.get_by_test_id("cart-local-offer")).to_contain_text("Estoque local")
    page.goto(f"{base}/p/{item.variant.product_id}/")
    offer = page.get_by_test_id("local-offer")
    offer.get_by_test_id("buy-local").click()
    expect(page.get_by_test_id("local-checkout")).to_be_visible()
    expect(page.get_by_test_id("parcel")).to_have_count(1)
    for name in ("recipient", "street_address", "city", "postal_code", "buyer_id"):
        page.fill(f"#{name}", BR[name])
    page.select_option("#state", BR["state"])
    page.check('input[name=method][value="pix"]')
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("pix-qr").locator("svg")).to_be_visible()
    page.get_by_test_id("sandbox-confirm").click()
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "succeeded")
    bought = Order.objects.get(buyer=second)
    assert bought.kind == OrderKind.LOCAL and bought.duties == 0 and bought.status == "paid"
    item.refresh_from_db()
    assert item.sold == 1

    # The point's staff pack it and hand it to Correios.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "pt-br", "url": base}])
    _log_in(page, base, world["staff"]["BR"], "/returns-point/#stock")
    expect(page.get_by_test_id("local-to-send")).to_contain_text(bought.number)
    page.get_by_test_id("send-local").click()
    expect(page.get_by_test_id("local-to-send")).not_to_contain_text(bought.number)
    parcel = Parcel.objects.get(order_ref=bought.number)
    assert parcel.kind == "local" and parcel.carrier_tracking_number

    # Correios's events deliver it.
    feed = carrier_events.ensure_feed(parcel.carrier, "correios")
    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    body = json.dumps(carrier_demo.correios_payload(parcel.carrier_tracking_number, start))
    carrier_events.receive_webhook(
        feed, body.encode(), webhook_signing.sign(feed.webhook_secret, body.encode())
    )
    bought.refresh_from_db()
    assert bought.status == "delivered"

    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "django_language", "value": "pt-br", "url": base},
         {"name": "caravana_country", "value": "BR", "url": base}]
    )  # fmt: skip
    _log_in(page, base, second, f"/orders/{bought.number}/")
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "delivered")
    _check(page, "resold-locally-order")
    page.goto(f"{base}/track/{parcel.s10}/")
    expect(page.get_by_test_id("local-parcel")).to_be_visible()
    expect(page.locator("[data-carrier-number]")).to_have_attribute(
        "data-carrier-number", parcel.carrier_tracking_number
    )
    _check(page, "resold-locally-tracking")
