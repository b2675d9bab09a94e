"""WCAG 2.2 AA over every page of every role, in a real Chromium: axe-core finds no violation
on any storefront, checkout, pay, order, tracking, console, hub, planning or operations page;
each page has a title of its own and a meta description, starts with a "skip to content" link,
draws every control at least 24 px square and fits a 320 px wide window without sideways scroll
(WCAG 1.4.10, reflow)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from caravana.accounts.models import Role, User
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from caravana.orders.models import Order
from tests import factories as f
from tests.browser.axe import overflow, quiet, settle, small_targets, sticking_out, violations
from tests.fulfillment.conftest import TODAY, parcel_data
from tests.orders.support import BR, ensure_pricing, place
from tests.tracking.conftest import walk_to_gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1366, "height": 900}
NARROW = {"width": 320, "height": 640}


class Auditor:
    """One role's browser context; every page it visits is checked and the problems kept, so
    one run lists them all."""

    def __init__(self, browser, base: str, locale: str = "en-US") -> None:
        self.context = browser.new_context(locale=locale, viewport=WIDE)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base = base
        self.problems: list[str] = []
        self.csp: list[str] = []
        self.page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and self.csp.append(m.text),
        )

    def login(self, username: str) -> None:
        self.page.goto(self.base + "/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", f.PASSWORD)
        self.page.locator("main form [type=submit]").last.click()
        self.page.wait_for_load_state("networkidle")

    def visit(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response.status)
        quiet(self.page)
        self.check(path)

    def check(self, label: str) -> None:
        """The page as it is now: axe at 1366 px and at 320 px, the reflow, the head."""
        page = self.page
        page.set_viewport_size(WIDE)
        settle(page)
        self.problems += [f"{label} [1366]: {v}" for v in violations(page)]
        self.problems += [f"{label} [1366]: under 24 px: {t}" for t in small_targets(page)]
        title = page.title()
        if not title or title.count("Caravana") > 1 or title.strip() == "·":
            self.problems.append(f"{label}: title {title!r}")
        description = page.locator('head meta[name="description"]')
        if description.count() != 1 or not (description.get_attribute("content") or "").strip():
            self.problems.append(f"{label}: no meta description")
        first = page.evaluate(
            "() => { const f = document.querySelector('a[href], button, input:not([type=hidden]),"
            " select, textarea, summary, [tabindex]'); return f && f.classList.contains('skip')"
            " ? f.getAttribute('href') : null }"
        )
        if first != "#content":
            self.problems.append(f"{label}: the first focusable element is no skip link")
        page.set_viewport_size(NARROW)
        settle(page)  # the resize event (site.js marks tables that now scroll) comes a frame later
        extra = overflow(page)
        if extra > 0:
            self.problems.append(
                f"{label} [320]: {extra} px of sideways scroll from {sticking_out(page)}"
            )
        self.problems += [f"{label} [320]: {v}" for v in violations(page)]
        page.set_viewport_size(WIDE)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def auditor(browser, live_server):
    made: list[Auditor] = []

    def make(locale: str = "en-US") -> Auditor:
        made.append(Auditor(browser, live_server.url, locale))
        return made[-1]

    yield make
    for a in made:
        a.close()


@pytest.fixture
def world(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "http"
    ensure_pricing()
    f.fx_rates()
    seed_network(TODAY)
    merchant_user = f.user(Role.MERCHANT, username="mei")
    merchant = f.merchant(staff=merchant_user)
    audio = f.category("audio", name_pt_br="Áudio", name_es="Audio")
    store = f.store(merchant, slug="huaqiang")
    product = f.product(
        store,
        cat=audio,
        price="129.00",
        title_en="TWS Bluetooth earphones",
        title_pt_br="Fone Bluetooth TWS",
        description_pt_br="Fone sem fio com estojo de carga.",
    )
    f.variant(product, sku="TWS-WHITE", price="131.00")
    parcel = parcel_services.create_parcel(merchant, parcel_data(recipient_city="Rio de Janeiro"))
    hub_staff = f.user(Role.HUB, username="wang")
    add_hub_member(Hub.objects.get(code="SZX-HUB"), hub_staff)
    flight, _ = walk_to_gateway(parcel, hub_staff)
    f.user(username="ana", email="ana@example.com")
    f.user(Role.PLANNER, username="pat")
    f.user(Role.OPERATOR, username="op", is_staff=True, is_superuser=True)
    return product, parcel, flight


def test_buyer_pages_pass_axe_and_fit_320px(auditor, world):
    product, parcel, _flight = world
    a = auditor("pt-BR")
    a.visit("/country/")
    a.page.locator('button[data-country="BR"]').click()
    for path in ("/", "/search/?q=fone", "/c/audio/", "/s/huaqiang/", f"/p/{product.pk}/",
                 "/accounts/login/", "/accounts/signup/", "/track/",
                 f"/track/{parcel.s10}/"):  # fmt: skip
        a.visit(path)
    a.page.goto(a.base + f"/p/{product.pk}/")
    expect(a.page).to_have_title("Fone Bluetooth TWS · Caravana")
    a.page.goto(a.base + "/")
    expect(a.page).to_have_title("Caravana · Compre da China, entrega no Brasil")
    a.page.goto(a.base + f"/p/{product.pk}/")
    a.page.get_by_test_id("add-to-cart").first.click()
    a.visit("/cart/")
    a.login("ana")
    a.visit("/checkout/")
    a.page.get_by_test_id("place-order").click()  # nothing filled in: the errors are shown
    a.page.wait_for_load_state("networkidle")
    a.check("/checkout/ (errors)")
    for name in ("recipient", "street_address", "city", "postal_code", "buyer_id"):
        a.page.fill(f"#{name}", BR[name])
    a.page.select_option("#state", BR["state"])
    a.page.check('input[name=method][value="pix"]')
    a.page.get_by_test_id("place-order").click()
    expect(a.page.get_by_test_id("pix-qr").locator("svg")).to_be_visible()
    a.check("/pay/ (pix)")
    a.visit("/orders/")
    a.visit(f"/orders/{Order.objects.get().number}/")
    assert a.csp == []
    assert a.problems == [], "\n".join(a.problems)


def test_staff_pages_pass_axe_and_fit_320px(auditor, world):
    product, parcel, flight = world
    group, _payment, _replayed = place(
        User.objects.get(username="ana"), BR, [(product.variants.first().pk, 1)]
    )
    merchant = auditor("zh-CN")
    merchant.login("mei")
    for path in ("/console/", "/console/stores/new/", "/console/products/",
                 "/console/products/new/", f"/console/products/{product.pk}/",
                 "/console/parcels/", "/console/parcels/new/", "/console/tokens/",
                 "/console/orders/", "/console/orders/refunds/",
                 "/console/orders/payouts/", "/console/customs/", "/console/customs/sender/",
                 f"/console/products/{product.pk}/customs/", "/console/stores/",
                 f"/console/products/{product.pk}/matrix/"):  # fmt: skip
        merchant.visit(path)
    merchant.visit(f"/console/orders/{group.orders.get().number}/")

    hub = auditor()
    hub.login("wang")
    for path in ("/hub/", "/hub/bags/", "/hub/ulds/", "/hub/flights/", f"/hub/flights/{flight.pk}/",
                 "/hub/parcels/"):  # fmt: skip
        hub.visit(path)

    planner = auditor()
    planner.login("pat")
    planner.visit("/planning/")
    planner.visit(f"/planning/flights/{flight.pk}/")

    operator = auditor()
    operator.login("op")
    for path in ("/operations/ledger/", "/operations/payouts/", "/operations/disputes/",
                 "/operations/review/", "/operations/duties/",
                 "/operations/customs/"):  # fmt: skip
        operator.visit(path)

    found = [p for x in (merchant, hub, planner, operator) for p in x.problems]
    assert [c for x in (merchant, hub, planner, operator) for c in x.csp] == []
    assert found == [], "\n".join(found)


def test_the_skip_link_is_the_first_tab_stop_and_focus_is_visible(auditor, world):
    product, _parcel, _flight = world
    a = auditor("pt-BR")
    a.page.goto(a.base + "/country/")
    a.page.locator('button[data-country="BR"]').click()
    a.page.goto(a.base + f"/p/{product.pk}/")
    a.page.keyboard.press("Tab")
    skip = a.page.locator(":focus")
    expect(skip).to_have_text("Pular para o conteúdo")
    expect(skip).to_be_in_viewport()
    outline = a.page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor] }"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline
    a.page.keyboard.press("Enter")
    expect(a.page).to_have_url(re.compile(r"#content$"))
    a.page.keyboard.press("Tab")  # the next stop is inside the main content, not the header
    assert a.page.evaluate("() => !!document.activeElement.closest('main')")
