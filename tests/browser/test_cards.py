"""Cards in a real Chromium: the card is typed into the sandbox provider's fields, its script
posts it to the sandbox's own token endpoint, and Caravana's server receives only the token
(every request to Caravana is inspected for the number). A Chilean buyer pays with the
challenge test card and saves it, approves the bank's challenge, pays again with the saved card
and fails the challenge this time, then removes the card from the account page. Screenshots in
es, pt-BR and en at 1366 and 390 px go to docs/screenshots/cards-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from caravana.payments.models import Payment, SavedCard
from tests import factories as f
from tests import shots
from tests.browser.axe import violations
from tests.browser.journey import enter_card
from tests.orders.support import CHECKOUT, ensure_pricing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHALLENGE_CARD = "4000 0027 6000 3184"
CL = CHECKOUT["CL"]


@pytest.fixture
def shop(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    ensure_pricing()
    f.fx_rates()
    a = f.product(price="129.00", stock=20, title_en="TWS earphones", title_es="Audífonos",
                  title_pt_br="Fone TWS")  # fmt: skip
    return a, f.user(email="javiera@example.cl")


def _choose(page, url, country, language=""):
    page.goto(url + "/country/")
    page.select_option("select[name=language]", language)
    page.locator(f'button[data-country="{country}"]').click()


def _login(page, url, user):
    page.goto(url + "/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()


def _to_checkout(page, url, product):
    page.goto(f"{url}/p/{product.pk}/")
    page.get_by_test_id("add-to-cart").click()
    page.goto(url + "/checkout/")


def _fill_chile(page):
    for name in ("recipient", "street_address", "city", "postal_code", "buyer_id"):
        page.fill(f"#{name}", CL[name])
    page.select_option("#state", CL["state"])
    # Chile offers Webpay first (payments.MethodOffer): the card's fields show once chosen.
    page.check('input[name=method][value="card"]')


def _shots(page, name, problems: list[str]):
    """Screenshots at both widths; axe's violations (WCAG 2.2 AA) are added to `problems`."""
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        shots.take(page, SHOTS / f"cards-{name}-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        problems += [f"{name} [{width}]: {v}" for v in violations(page)]
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_saved_card_and_a_challenge_and_no_card_number_reaches_caravana(live_server, page, shop):
    product, user = shop
    url = live_server.url
    problems: list[str] = []
    sent: list[tuple[str, str]] = []  # every request the browser made, with its body
    page.on("request", lambda r: sent.append((r.url, r.post_data or "")))
    _choose(page, url, "CL")
    _login(page, url, user)
    _to_checkout(page, url, product)
    _fill_chile(page)
    enter_card(page, CHALLENGE_CARD)
    page.get_by_test_id("save-card").check()
    _shots(page, "checkout-es", problems)

    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/checkout/")) as req:
        page.get_by_test_id("place-order").click()
    body = req.value.post_data or ""
    assert re.search(r"card_token=tok_[0-9a-f]{24}", body) and "save_card=1" in body, body
    digits = CHALLENGE_CARD.replace(" ", "")
    to_caravana = [(u, b) for u, b in sent if "/sandbox-provider/" not in u]
    for u, b in to_caravana:  # not the number, not its groups, not the CVV's field
        assert digits not in b and "4000+0027" not in b and "6000+3184" not in b, u
        assert "card_cvc" not in b and "card_expiry" not in b and "card_number" not in b, u
        assert digits not in u, u
    to_provider = [b for u, b in sent if u.endswith("/sandbox-provider/v1/card_tokens")]
    assert len(to_provider) == 1 and digits in to_provider[0].replace(" ", "")

    # The bank asks for a challenge: the buyer approves it and the payment goes through.
    page.wait_for_url(re.compile(r"/pay/"))
    expect(page.get_by_test_id("challenge-needed")).to_be_visible()
    _shots(page, "pay-challenge-es", problems)
    page.get_by_test_id("challenge-link").click()
    expect(page.get_by_test_id("challenge")).to_contain_text("3184")
    _shots(page, "challenge-es", problems)
    page.get_by_test_id("challenge-approve").click()
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "succeeded")
    saved = SavedCard.objects.get(buyer=user)
    assert (saved.brand, saved.last4) == ("visa", "3184")

    # A second order with the saved card: no card fields, no token; the bank asks again, and
    # this time the check fails, so the payment is declined.
    _to_checkout(page, url, product)
    _fill_chile(page)
    choice = page.locator(f'input[name=saved_card][value="{saved.reference}"]')
    expect(choice).to_be_visible()
    choice.check()
    expect(page.locator("#card-number")).to_be_hidden()
    _shots(page, "checkout-saved-es", problems)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/checkout/")) as req:
        page.get_by_test_id("place-order").click()
    body = req.value.post_data or ""
    assert f"saved_card={saved.reference}" in body and "card_token=&" in body + "&", body
    page.get_by_test_id("challenge-link").click()
    page.get_by_test_id("challenge-fail").click()
    expect(page.get_by_test_id("payment-status")).to_have_attribute("data-status", "declined")
    assert Payment.objects.order_by("-pk").first().decline_reason == "authentication_failed"

    # The account page shows the card and removes it.
    page.get_by_test_id("account-link").first.click()
    expect(page.get_by_test_id("saved-cards")).to_contain_text("3184")
    _shots(page, "account-es", problems)
    page.get_by_test_id("delete-card").click()
    expect(page.get_by_test_id("no-saved-cards")).to_be_visible()
    assert not SavedCard.objects.exists()
    assert not problems, "\n".join(problems)


def test_the_card_fields_name_a_wrong_entry_and_read_in_portuguese_and_english(
    live_server, page, shop
):
    """The provider's answer names the wrong field beside it; nothing is posted to Caravana."""
    product, user = shop
    url = live_server.url
    problems: list[str] = []
    _login(page, url, user)
    said = {
        "pt": "Este não é um número de cartão válido.",
        "en": "This is not a valid card number.",
    }
    for language, tag in (("pt-br", "pt"), ("en", "en")):
        _choose(page, url, "BR", language)
        _to_checkout(page, url, product)
        page.check('input[name=method][value="card"]')
        enter_card(page, "4242 4242 4242 4241")  # the check digit is wrong
        page.fill("#card-expiry", "13/30")
        with page.expect_response(lambda r: r.url.endswith("/card_tokens")) as answer:
            page.get_by_test_id("place-order").click()
        assert answer.value.status == 422
        for field in ("number", "expiry"):
            expect(page.locator(f"#card-{field}-error")).to_be_visible()
            expect(page.locator(f"#card-{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#card-cvc-error")).to_be_hidden()
        expect(page.locator("#card-number-error")).to_have_text(said[tag])  # the page's language
        expect(page.locator("#card-number")).to_be_focused()
        assert page.url.endswith("/checkout/") and not Payment.objects.exists()
        _shots(page, f"checkout-card-errors-{tag}", problems)
    assert not problems, "\n".join(problems)
