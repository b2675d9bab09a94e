"""Checkout journeys in a real Chromium: Pix from Brazil with two merchants, OXXO from Mexico.
The sandbox's "confirm payment" button posts a signed webhook over HTTP to our own endpoint."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from caravana.network.seed import seed_network
from caravana.orders.models import Order
from caravana.orders.shipping import ship_as_parcel
from tests import factories as f
from tests.browser.journey import enter_card
from tests.orders.support import BR, MX, ensure_pricing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "http"
    ensure_pricing()
    f.fx_rates()
    a = f.product(
        price="129.00", title_en="TWS earphones", title_pt_br="Fone TWS", title_es="Audífonos"
    )
    b = f.product(price="19.90", hs_code="392690", title_en="Phone case", title_pt_br="Capinha",
                  title_es="Funda")  # fmt: skip
    return a, b, f.user(email="buyer@example.com")


def _login(page, url, user):
    page.goto(url + "/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()


def _choose(page, url, country):
    page.goto(url + "/country/")
    page.locator(f'button[data-country="{country}"]').click()


def _fill(page, data):
    for name in ("recipient", "street_address", "city", "postal_code", "buyer_id"):
        page.fill(f"#{name}", data[name])
    page.select_option("#state", data["state"])
    if data.get("buyer_id_type"):
        page.select_option("#buyer_id_type", data["buyer_id_type"])
    page.check(f'input[name=method][value="{data["method"]}"]')


def test_buyer_in_brazil_pays_two_merchants_by_pix(live_server, page, shop):
    a, b, user = shop
    _choose(page, live_server.url, "BR")
    for product in (a, b):  # anonymous cart, attached at login
        page.goto(f"{live_server.url}/p/{product.pk}/")
        page.get_by_test_id("add-to-cart").click()
    _login(page, live_server.url, user)
    page.goto(live_server.url + "/cart/")
    expect(page.locator("table.cart tbody tr")).to_have_count(2)
    page.get_by_test_id("to-checkout").click()
    expect(page.get_by_test_id("parcel")).to_have_count(2)
    _fill(page, BR)
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("pix-qr").locator("svg")).to_be_visible()
    payload = page.get_by_test_id("pix-payload").input_value()
    assert payload.startswith("000201") and "br.gov.bcb.pix" in payload
    page.screenshot(path="var/screenshot-pay-pix.png")
    page.get_by_test_id("sandbox-confirm").click()
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "succeeded")
    page.goto(live_server.url + "/orders/")
    expect(page.locator('td[data-status="paid"]')).to_have_count(2)
    assert Order.objects.filter(status="paid").count() == 2


def test_buyer_in_mexico_pays_with_an_oxxo_voucher(live_server, page, shop):
    a, _b, user = shop
    _login(page, live_server.url, user)
    _choose(page, live_server.url, "MX")
    page.goto(f"{live_server.url}/p/{a.pk}/")
    page.get_by_test_id("add-to-cart").click()
    page.goto(live_server.url + "/checkout/")
    _fill(page, MX)
    page.get_by_test_id("place-order").click()
    ref = page.get_by_test_id("oxxo-reference")
    expect(ref).to_have_text(re.compile(r"^\d{14}$"))
    voucher = page.get_by_test_id("voucher").get_attribute("href")
    resp = page.request.get(live_server.url + voucher)
    assert resp.ok and resp.body().startswith(b"%PDF")
    page.get_by_test_id("sandbox-confirm").click()
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "succeeded")
    assert Order.objects.get().status == "paid"


def test_a_brazilian_cep_fills_the_address_and_a_colombian_picks_a_cedula(
    live_server, page, shop, tmp_path
):
    """Issue 12, items 5 and 6: the CEP fills street, city and state (demo data) and the
    summary follows the state; a Colombian chooses among the country's documents, the cédula
    preselected, under the "Departamento" label. Screenshots at 1366 and 390 px."""
    a, _b, user = shop
    _choose(page, live_server.url, "BR")
    page.goto(f"{live_server.url}/p/{a.pk}/")
    page.get_by_test_id("add-to-cart").click()
    _login(page, live_server.url, user)
    page.goto(live_server.url + "/checkout/")
    page.fill("#postal_code", "01310-100")
    page.locator("#postal_code").blur()
    expect(page.get_by_test_id("cep-filled")).to_be_visible()
    expect(page.locator("#street_address")).to_have_value("Avenida Paulista")
    expect(page.locator("#city")).to_have_value("São Paulo")
    expect(page.locator("#state")).to_have_value("SP")
    page.select_option("#state", "RJ")  # the swapped-in select still re-quotes the summary
    expect(page.get_by_test_id("parcel")).to_have_count(1)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path=tmp_path / "checkout-br-1366.png", full_page=True)

    _choose(page, live_server.url, "CO")
    page.goto(live_server.url + "/checkout/")
    expect(page.locator("#buyer_id_type")).to_have_value("co.cc")
    expect(page.locator("#buyer_id_type option")).to_have_count(4)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 844})
        page.screenshot(path=tmp_path / f"checkout-co-{width}.png", full_page=True)
    page.fill("#recipient", "Camila Rodríguez")
    page.fill("#street_address", "Carrera 7 # 71-21")
    page.fill("#city", "Bogotá")
    page.select_option("#state", "Bogotá")
    page.fill("#postal_code", "110231")
    page.fill("#buyer_id", "1020304050")
    page.check('input[name=method][value="card"]')  # PSE comes first in Colombia
    enter_card(page, "4111 1111 1111 1111")
    page.get_by_test_id("place-order").click()
    page.wait_for_url(re.compile(r"/pay/"))
    group = Order.objects.get(country="CO").group
    assert (group.buyer_id_type, group.buyer_id_number) == ("co.cc", "1020304050")


def test_declined_card_then_pix_from_the_order_page(live_server, page, shop):
    """A declined card is not a dead end: the order page offers another way, and Pix pays."""
    a, _b, user = shop
    _choose(page, live_server.url, "BR")
    _login(page, live_server.url, user)
    page.goto(f"{live_server.url}/p/{a.pk}/")
    page.get_by_test_id("add-to-cart").click()
    page.goto(live_server.url + "/checkout/")
    _fill(page, {**BR, "method": "card"})
    enter_card(page, "4000 0000 0000 0002")  # the sandbox declines cards ending 0002
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "declined")
    page.get_by_test_id("retry-options").click()
    expect(page.get_by_test_id("payment-problem")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "awaiting_payment")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        page.screenshot(path=f"var/screenshot-order-declined-{width}.png", full_page=True)
    page.check('[data-testid="other-method-form"] input[name=method][value="pix"]')
    page.get_by_test_id("pay-another-way").click()
    expect(page.get_by_test_id("pix-qr").locator("svg")).to_be_visible()
    page.get_by_test_id("sandbox-confirm").click()
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "succeeded")
    order = Order.objects.get()
    assert order.status == "paid"
    seed_network(dt.date.today())
    parcel = ship_as_parcel(order, "SZX-HUB")
    page.goto(f"{live_server.url}/orders/{order.number}/")
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "in_fulfilment")
    expect(page.get_by_test_id("parcel-tracking")).to_have_text(parcel.s10)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        page.screenshot(path=f"var/screenshot-order-shipping-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_test_id("parcel-tracking").click()
    expect(page).to_have_url(re.compile(f"/track/{parcel.s10}/$"))


def _box(locator):
    box = locator.bounding_box()
    assert box is not None
    return box


def test_two_wrong_fields_are_marked_beside_them_and_the_rest_is_kept(live_server, page, shop):
    """Issue 12, item 7: a Brazilian checkout with a void CPF and a wrong CEP comes back with each
    message right above its own field (tied to it by aria-describedby), a focused summary on top
    whose links lead to the fields, and every other value as typed. Only the chosen method's
    fields are shown; the installments say each amount "sem juros". Screenshots at 1366 and
    390 px with the errors shown, no sideways scroll."""
    a, _b, user = shop
    _choose(page, live_server.url, "BR")
    _login(page, live_server.url, user)
    page.goto(f"{live_server.url}/p/{a.pk}/")
    page.get_by_test_id("add-to-cart").click()
    page.goto(live_server.url + "/checkout/")
    # Pix first: no card fields; then the card: its number and installments appear.
    page.check('input[name=method][value="pix"]')
    expect(page.locator("#card-number")).to_be_hidden()
    expect(page.locator("#installments")).to_be_hidden()
    page.check('input[name=method][value="card"]')
    expect(page.locator("#card-number")).to_be_visible()
    options = page.locator("#installments option").all_inner_texts()
    assert options[0].startswith("À vista: R$")
    assert re.fullmatch(r"3x de R\$\s?\d+,\d\d sem juros( \(a primeira de R\$\s?\d+,\d\d\))?",
                        options[2]), options  # fmt: skip
    # Another state, another ICMS: the installments follow the new total (htmx, out of band);
    # the card number typed so far is not sent along.
    enter_card(page, "4111 1111 1111 1111")
    with page.expect_request(lambda r: r.method == "POST" and "/checkout/" in r.url) as sent:
        page.select_option("#state", "RR")
    assert "4111" not in (sent.value.post_data or "")
    assert "state=RR" in (sent.value.post_data or "")
    expect(page.locator("#installments option").nth(2)).not_to_have_text(options[2])
    page.select_option("#installments", "3")

    form = {**BR, "buyer_id": "111.111.111-11", "postal_code": "0131-100", "method": "card"}
    # The CEP lookup (fired when the postal code loses focus) swaps the address fields: wait for
    # its answer and swap before typing more (wait_for_load_state would not wait: the page's
    # own load was idle long ago, and a late swap undid what was typed after it).
    with page.expect_response(lambda r: "/checkout/cep/" in r.url):
        _fill(page, form)
    expect(page.locator("#postal_code")).to_have_value("0131-100")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.select_option("#state", "SP")
    page.fill("#email", "ana@example.com.br")
    page.fill("#city_area", "Bela Vista")
    enter_card(page, "4111 1111 1111 1111")
    page.get_by_test_id("place-order").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    for name in ("buyer_id", "postal_code"):
        field, message = page.locator(f"#{name}"), page.locator(f"#{name}-error")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", f"{name}-error")
        expect(message).to_be_visible()
        expect(message).not_to_be_empty()
        # Beside its field: in the field's own block, just above the input, not only on top.
        assert page.locator(f".field:has(#{name}) #{name}-error").count() == 1
        m, f_ = _box(message), _box(field)
        assert 0 <= f_["y"] - (m["y"] + m["height"]) < 24, (name, m, f_)
        expect(summary.locator(f'a[href="#{name}"]')).to_be_visible()
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.evaluate_all("els => els.map(e => e.id)") == ["postal_code", "buyer_id"]
    typed = {**form, "email": "ana@example.com.br", "city_area": "Bela Vista"}
    for name in ("recipient", "street_address", "city", "city_area", "email"):
        expect(page.locator(f"#{name}")).to_have_value(typed[name])
    expect(page.locator("#buyer_id")).to_have_value("111.111.111-11")
    expect(page.locator("#postal_code")).to_have_value("0131-100")
    expect(page.locator("#state")).to_have_value("SP")
    expect(page.locator('input[name=method][value="card"]')).to_be_checked()
    expect(page.locator("#installments")).to_have_value("3")
    expect(page.locator("#card-number")).to_have_value("")  # never written back
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        page.screenshot(path=f"var/screenshot-checkout-errors-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    summary.locator('a[href="#postal_code"]').click()
    expect(page.locator("#postal_code")).to_be_focused()

    # Put right, the order is placed (the card typed again).
    page.fill("#buyer_id", BR["buyer_id"])
    page.fill("#postal_code", BR["postal_code"])
    enter_card(page, "4111 1111 1111 1111")
    page.get_by_test_id("place-order").click()
    page.wait_for_url(re.compile(r"/pay/"))
    assert Order.objects.get().group.payments.get().installments == 3


def test_without_javascript_a_card_number_left_behind_does_not_stop_pix(live_server, browser, shop):
    """No JavaScript: every method's fields are shown under its choice; the server ignores the
    card's (a wrong number, 3 installments) when Pix is chosen."""
    a, _b, user = shop
    context = browser.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _choose(page, live_server.url, "BR")
        _login(page, live_server.url, user)
        page.goto(f"{live_server.url}/p/{a.pk}/")
        page.get_by_test_id("add-to-cart").click()
        page.goto(live_server.url + "/checkout/")
        expect(page.locator("#card-number")).to_be_visible()
        _fill(page, {**BR, "method": "pix"})
        page.fill("#card-number", "1234")  # no name: never sent
        page.select_option("#installments", "3")
        page.get_by_test_id("place-order").click()
        page.wait_for_url(re.compile(r"/pay/"))
        expect(page.get_by_test_id("pix-payload")).to_be_visible()
        assert Order.objects.get().group.payments.get().installments == 1
    finally:
        context.close()
