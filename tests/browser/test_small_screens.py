"""A phone, 390 × 844 CSS px, in a real Chromium: the header is one line, the account links open
from a menu, the product page does not scroll sideways and its buy button stays in reach, and
the order summary comes before the pay button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.axe import overflow, sticking_out
from tests.orders.support import BR, ensure_pricing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="pt-BR", viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shop(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "http"
    ensure_pricing()
    f.fx_rates()
    long_title = "Fone de ouvido Bluetooth TWS com cancelamento de ruído e estojo de carga sem fio"
    product = f.product(
        price="129.00",
        title_pt_br=long_title,
        description_pt_br="Fone sem fio com estojo de carga. " * 40,
    )
    return product, f.user(username="ana", email="ana@example.com")


def one_line_header(page) -> None:
    """Every visible item of the header sits on one row, and the header is one row high."""
    boxes = page.evaluate(
        "() => [...document.querySelector('header.top').children]"
        ".filter(e => e.offsetParent !== null && !e.matches(':popover-open'))"
        ".map(e => { const r = e.getBoundingClientRect();"
        " return [e.className || e.tagName, r.top, r.bottom, r.right] })"
    )
    header = page.locator("header.top").bounding_box()
    assert header["height"] <= 64, (header, boxes)
    middles = [(top + bottom) / 2 for _name, top, bottom, _right in boxes]
    assert max(middles) - min(middles) <= 8, boxes
    assert max(right for *_rest, right in boxes) <= PHONE["width"], boxes


def test_the_header_is_one_line_and_its_menu_opens(live_server, phone, shop):
    product, user = shop
    phone.goto(live_server.url + "/country/")
    phone.locator('button[data-country="BR"]').click()
    for path in ("/", "/search/?q=fone", f"/p/{product.pk}/", "/cart/"):
        phone.goto(live_server.url + path)
        one_line_header(phone)
        assert overflow(phone) <= 0, (path, sticking_out(phone))
    menu = phone.get_by_role("button", name="Menu")
    login = phone.get_by_role("link", name="Entrar")
    expect(login).to_be_hidden()
    menu.click()
    expect(login).to_be_visible()
    assert login.bounding_box()["x"] + login.bounding_box()["width"] <= PHONE["width"]
    login.click()
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))
    phone.fill("#id_username", user.username)
    phone.fill("#id_password", f.PASSWORD)
    phone.locator("main form [type=submit]").click()
    phone.goto(live_server.url + "/")
    one_line_header(phone)  # logged in: orders and log out are in the menu too
    phone.get_by_role("button", name="Menu").click()
    expect(phone.get_by_role("link", name="Pedidos")).to_be_visible()


def test_the_product_page_fits_and_its_buy_button_stays_in_reach(live_server, phone, shop):
    product, _user = shop
    phone.goto(live_server.url + "/country/")
    phone.locator('button[data-country="BR"]').click()
    phone.goto(f"{live_server.url}/p/{product.pk}/")
    assert overflow(phone) <= 0, sticking_out(phone)
    buy = phone.get_by_test_id("buy-bar")
    for _ in range(2):  # at the top of the page, then after scrolling through the description
        expect(buy).to_be_in_viewport()
        box = buy.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"] and box["height"] >= 24
        phone.mouse.wheel(0, 1500)
        phone.wait_for_timeout(200)
    assert phone.evaluate("() => window.scrollY") > 500
    buy.click()
    expect(phone).to_have_url(re.compile(r"/cart/$"))
    expect(phone.locator("table.cart tbody tr")).to_have_count(1)


def test_the_order_summary_comes_before_the_pay_button(live_server, phone, shop):
    product, user = shop
    phone.goto(live_server.url + "/country/")
    phone.locator('button[data-country="BR"]').click()
    phone.goto(f"{live_server.url}/p/{product.pk}/")
    phone.get_by_test_id("buy-bar").click()
    phone.goto(live_server.url + "/accounts/login/?next=/checkout/")
    phone.fill("#id_username", user.username)
    phone.fill("#id_password", f.PASSWORD)
    phone.locator("main form [type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/checkout/$"))
    assert overflow(phone) <= 0, sticking_out(phone)
    summary = phone.get_by_test_id("checkout-total").bounding_box()
    button = phone.get_by_test_id("place-order").bounding_box()
    assert summary["y"] + summary["height"] <= button["y"], (summary, button)
    for name in ("recipient", "street_address", "city", "postal_code", "buyer_id"):
        phone.fill(f"#{name}", BR[name])
    phone.select_option("#state", BR["state"])
    phone.check('input[name=method][value="pix"]')
    phone.get_by_test_id("place-order").click()
    expect(phone.get_by_test_id("pix-qr").locator("svg")).to_be_visible()
    assert overflow(phone) <= 0, sticking_out(phone)
    amount = phone.get_by_test_id("amount").bounding_box()
    confirm = phone.get_by_test_id("sandbox-confirm").bounding_box()
    assert amount["y"] + amount["height"] <= confirm["y"]
