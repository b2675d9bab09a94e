"""Cards through real providers' scripts, in a real Chromium with no internet: Stripe.js's
origin is answered by a stand-in (page.route) exposing the documented calls the page uses
(Stripe(key).elements().create("card").mount, stripe.createPaymentMethod), so the page's own
script, the CSP that allows js.stripe.com on that page, the server's PaymentIntent with its
return_url (against the local fake Stripe), the redirect to the bank's page and the return
are exercised end to end. Also the sandbox's Colombian installments, labelled a demo
assumption on the page. Screenshots: docs/screenshots/cards-stripe-*.png,
cards-co-installments-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from caravana.payments.models import Payment, ProviderCall
from tests import factories as f
from tests import shots
from tests.browser.axe import violations
from tests.orders.support import CHECKOUT, ensure_pricing
from tests.payments import fake_stripe
from tests.payments.fake_stripe import FakeStripe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

#: Stands in for https://js.stripe.com/v3 (unreachable here): the calls stripe-card.js makes,
#: answering the PaymentMethod of Stripe's 3-D Secure test card.
STRIPE_JS = """
window.Stripe = function (key, opts) {
  window.__stripeKey = key;
  return {
    elements: function () { return { create: function () { return {
      mount: function (el) {
        var i = document.createElement("input");
        i.id = "stand-in-card"; i.setAttribute("aria-label", "Card (Stripe.js stand-in)");
        el.appendChild(i);
      },
      on: function () {}, focus: function () {}
    }; } }; },
    createPaymentMethod: function () {
      return Promise.resolve({ paymentMethod: { id: "pm_card_threeDSecure2Required" } });
    }
  };
};
"""


@pytest.fixture
def shop(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    ensure_pricing()
    f.fx_rates()
    a = f.product(price="129.00", stock=20, title_en="TWS earphones", title_es="Audífonos",
                  title_pt_br="Fone TWS")  # fmt: skip
    return a, f.user(email="buyer@example.com")


def _start(page, url, product, user, country, language="en"):
    page.goto(url + "/country/")
    page.select_option("select[name=language]", language)
    page.locator(f'button[data-country="{country}"]').click()
    page.goto(url + "/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.goto(f"{url}/p/{product.pk}/")
    page.get_by_test_id("add-to-cart").click()
    page.goto(url + "/checkout/")


def _fill(page, data: dict, state_select: bool = True):
    for name in ("recipient", "street_address", "city", "postal_code", "buyer_id"):
        page.fill(f"#{name}", data[name])
    if state_select:
        page.select_option("#state", data["state"])
    page.check('input[name=method][value="card"]')


def _shots(page, name: str, problems: list[str]) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        shots.take(page, SHOTS / f"cards-{name}-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        problems += [f"{name} [{width}]: {v}" for v in violations(page)]
    page.set_viewport_size({"width": 1366, "height": 900})


def test_stripe_js_card_goes_to_the_bank_and_back(live_server, page, shop, settings):
    product, user = shop
    stripe = FakeStripe()
    try:
        settings.PAYMENTS_PROVIDER = "stripe"
        settings.STRIPE_SECRET_KEY = fake_stripe.KEY
        settings.STRIPE_WEBHOOK_SECRET = fake_stripe.SECRET
        settings.STRIPE_API_BASE = stripe.url
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_caravana"
        settings.CARAVANA_SITE_URL = live_server.url
        url = live_server.url
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else 0)
        page.route("https://js.stripe.com/**", lambda r: r.fulfill(
            status=200, content_type="application/javascript", body=STRIPE_JS))  # fmt: skip
        bank: list[str] = []

        def bank_page(route):
            bank.append(route.request.url)
            route.fulfill(status=200, content_type="text/html",
                          body="<!doctype html><title>Bank</title><h1>3-D Secure</h1>")  # fmt: skip

        page.route("https://hooks.stripe.com/**", bank_page)
        problems: list[str] = []
        _start(page, url, product, user, "BR")
        _fill(page, CHECKOUT["BR"])
        expect(page.locator("#stand-in-card")).to_be_visible()
        assert page.evaluate("window.__stripeKey") == "pk_test_caravana"
        assert page.locator("#card-number").count() == 0  # no card input of ours
        page.fill("#stand-in-card", "4000002760003184")
        _shots(page, "stripe-checkout-en", problems)
        with page.expect_request(
            lambda r: r.method == "POST" and r.url.endswith("/checkout/")
        ) as req:
            page.get_by_test_id("place-order").click()
        body = req.value.post_data or ""
        assert "card_token=pm_card_threeDSecure2Required" in body
        assert "4000002760003184" not in body and "card_number" not in body
        page.wait_for_url(re.compile(r"https://hooks\.stripe\.com/"))
        payment = Payment.objects.get()
        assert bank == [payment.artefact["challenge_url"]]
        sent = stripe.seen("POST", "/v1/payment_intents")[-1]["form"]
        assert sent["return_url"] == f"{url}/pay/{payment.reference}/authenticated/"
        # The bank approves; Stripe sends the buyer back to the return_url.
        stripe.authenticate(payment.reference, passed=True)
        page.goto(sent["return_url"] + f"?payment_intent={payment.artefact['provider_id']}")
        expect(page).to_have_url(re.compile(rf"/pay/{payment.reference}/$"))
        payment.refresh_from_db()
        assert payment.artefact["challenge"] == "approved"
        assert ProviderCall.objects.get().key == f"capture:{payment.reference}"
        assert not blocked, blocked  # the CSP allowed Stripe.js on that page
        assert not problems, "\n".join(problems)
    finally:
        stripe.close()


def test_colombias_sandbox_installments_say_their_rate_is_a_demo(live_server, page, shop):
    product, user = shop
    problems: list[str] = []
    _start(page, live_server.url, product, user, "CO", "es")
    data = CHECKOUT["CO"]
    for name in ("recipient", "street_address", "city", "postal_code", "buyer_id"):
        page.fill(f"#{name}", data[name])
    page.check('input[name=method][value="card"]')
    note = page.get_by_test_id("installment-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("1.9")
    expect(note).to_contain_text("supuesto")
    page.locator("#installments").scroll_into_view_if_needed()
    _shots(page, "co-installments-es", problems)
    assert not problems, "\n".join(problems)


#: Stands in for https://sdk.mercadopago.com/js/v2 (unreachable here): the calls
#: mercadopago-card.js makes (mercadopago/sdk-js docs/core-methods.md, docs/fields.md); the
#: card's first digits are "typed" at once and createCardToken's arguments logged.
MERCADOPAGO_JS = """
window.MercadoPago = function (key, opts) {
  return {
    fields: {
      create: function (type) { var f = {
        mount: function (id) {
          var i = document.createElement("input");
          i.setAttribute("aria-label", type + " (MercadoPago.js stand-in)");
          document.getElementById(id).appendChild(i);
          return f;
        },
        on: function (ev, cb) {
          if (ev === "binChange") setTimeout(function () { cb({ bin: "45099999" }); }, 0);
        }
      }; return f; },
      createCardToken: function (args) {
        console.log("mp-token " + JSON.stringify(args));
        return Promise.resolve({ id: "tok-mp-browser" });
      }
    },
    getPaymentMethods: function () {
      return Promise.resolve({ results: [{ id: "visa", issuer: { id: 25 } }] });
    },
    getInstallments: function () { return Promise.resolve([]); }
  };
};
"""


def test_mercadopago_pay_again_sends_the_cardholder(live_server, page, shop, settings):
    """Pay-again with Mercado Pago: the holder's name and document (prefilled from the order)
    go into the card token as Mercado Pago names them (CPF), and become the payment's payer."""
    from django.urls import reverse

    from tests.orders.support import place
    from tests.payments.test_mercadopago import SECRET, TOKEN, FakeMercadoPago

    product, user = shop
    mp = FakeMercadoPago()
    try:
        settings.PAYMENTS_PROVIDER = "mercadopago"
        settings.MERCADOPAGO_ACCESS_TOKEN = TOKEN
        settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET
        settings.MERCADOPAGO_API_URL = mp.url
        settings.MERCADOPAGO_PUBLIC_KEY = "APP_USR-public-test"
        group = place(user, lines=[(product.variants.get().pk, 1)], method="pix")[0]
        mp.create = lambda body: mp.payments.setdefault(  # an authorised card
            "1300000996",
            {"id": 1300000996, "status": "authorized", "card": {"last_four_digits": "6351"},
             "payment_method_id": body["payment_method_id"], "currency_id": "BRL",
             "external_reference": body["external_reference"],
             "transaction_amount": body["transaction_amount"]},
        )  # fmt: skip
        page.route("https://sdk.mercadopago.com/**", lambda r: r.fulfill(
            status=200, content_type="application/javascript", body=MERCADOPAGO_JS))  # fmt: skip
        tokens: list[str] = []
        page.on(
            "console", lambda m: tokens.append(m.text[9:]) if m.text.startswith("mp-token") else 0
        )
        url = live_server.url
        page.goto(url + "/country/")
        page.select_option("select[name=language]", "en")
        page.locator('button[data-country="BR"]').click()
        page.goto(url + "/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", f.PASSWORD)
        page.locator("form button[type=submit], form input[type=submit]").last.click()
        page.goto(url + reverse("orders:detail", args=[group.orders.first().number]))
        page.check('input[name=method][value="card"]')
        holder = page.get_by_test_id("card-holder")
        expect(holder).to_have_value(group.recipient)
        holder.fill("")
        page.get_by_test_id("pay-another-way").click()
        expect(page.locator("#card-holder-error")).to_contain_text("cardholder's name")
        assert not tokens
        holder.fill("Ana Maria Souza")
        page.get_by_test_id("card-holder-id").fill("390.533.447-05")
        expect(page.locator("#card-holder-error")).to_be_hidden()
        problems: list[str] = []
        page.locator("#card-holder").scroll_into_view_if_needed()
        _shots(page, "mercadopago-pay-again", problems)
        page.get_by_test_id("pay-another-way").click()
        page.wait_for_url(re.compile(r"/pay/"))
        assert '"identificationType":"CPF"' in tokens[0] and "Ana Maria Souza" in tokens[0]
        body = mp.seen("POST", "/v1/payments")[-1]["body"]
        assert body["token"] == "tok-mp-browser" and body["payment_method_id"] == "visa"
        assert body["payer"]["identification"] == {"type": "CPF", "number": "39053344705"}
        assert not problems, "\n".join(problems)
    finally:
        mp.close()
