"""The demo under its Content-Security-Policy, in a real Chromium: the main pages of every role
(storefront, cart, checkout, pay page, tracking with its route map, merchant console, hub,
planning, admin, API docs) run with no "Content Security Policy" message in the browser's
console, and the controls that once used inline handlers still work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from tests import factories as f
from tests.browser.axe import quiet
from tests.fulfillment.conftest import TODAY, parcel_data
from tests.orders.support import BR, ensure_pricing
from tests.tracking.conftest import walk_to_gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Watched:
    """A page in its own browser context that records console messages and page errors."""

    def __init__(self, browser, base: str) -> None:
        self.context = browser.new_context(locale="en-US")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base = base
        self.messages: list[str] = []
        self.page.on("console", lambda m: self.messages.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.messages.append(f"pageerror: {e}"))

    def visit(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        quiet(self.page)

    def login(self, username: str, admin: bool = False) -> None:
        self.page.goto(self.base + ("/admin/login/" if admin else "/accounts/login/"))
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", f.PASSWORD)
        self.page.locator("form [type=submit]").last.click()
        self.page.wait_for_load_state("networkidle")

    def violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser, live_server):
    pages: list[Watched] = []

    def make() -> Watched:
        pages.append(Watched(browser, live_server.url))
        return pages[-1]

    yield make
    for w in pages:
        w.close()


@pytest.fixture
def world(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "http"
    ensure_pricing()
    f.fx_rates()
    seed_network(TODAY)
    merchant_user = f.user(Role.MERCHANT, username="mei")
    merchant = f.merchant(staff=merchant_user)
    product = f.product(
        f.store(merchant), price="129.00", title_en="TWS earphones", title_pt_br="Fone TWS"
    )
    parcel = parcel_services.create_parcel(merchant, parcel_data(recipient_city="Rio de Janeiro"))
    hub_staff = f.user(Role.HUB, username="wang")
    add_hub_member(Hub.objects.get(code="SZX-HUB"), hub_staff)
    walk_to_gateway(parcel, hub_staff)
    f.user(username="ana", email="ana@example.com")
    f.user(Role.PLANNER, username="pat")
    f.user(Role.OPERATOR, username="op", is_staff=True, is_superuser=True)
    return product, parcel


def test_buyer_pages_log_no_csp_violation(watched, world):
    product, parcel = world
    w = watched()
    w.visit("/country/")
    w.page.locator('button[data-country="BR"]').click()
    w.visit("/")
    w.visit("/search/?q=TWS")
    w.visit(f"/p/{product.pk}/")
    w.page.get_by_test_id("add-to-cart").click()
    w.login("ana")
    w.visit("/cart/")
    w.visit("/checkout/")
    for name in ("recipient", "street_address", "city", "postal_code", "buyer_id"):
        w.page.fill(f"#{name}", BR[name])
    w.page.select_option("#state", BR["state"])  # htmx re-quotes the summary
    w.page.check('input[name=method][value="pix"]')
    w.page.get_by_test_id("place-order").click()
    expect(w.page.get_by_test_id("pix-qr").locator("svg")).to_be_visible()
    w.page.wait_for_timeout(3500)  # one htmx poll of the payment status
    w.visit("/orders/")
    w.visit("/track/")
    w.visit(f"/track/{parcel.s10}/")
    expect(w.page.locator("[data-route-map] svg")).to_be_visible()
    # The language menu submits itself through site.js, with no inline handler.
    w.page.locator("footer select[name=language]").select_option("es")
    expect(w.page.locator("html")).to_have_attribute("lang", "es")
    assert w.violations() == [], w.violations()


def test_staff_pages_log_no_csp_violation(watched, world):
    merchant = watched()
    merchant.login("mei")
    for path in ("/console/", "/console/products/", "/console/parcels/", "/console/tokens/",
                 "/console/orders/"):  # fmt: skip
        merchant.visit(path)
    merchant.page.locator("select[name=status]").select_option("paid")
    expect(merchant.page).to_have_url(re.compile(r"status=paid"))

    hub = watched()
    hub.login("wang")
    for path in ("/hub/", "/hub/bags/", "/hub/ulds/", "/hub/flights/", "/hub/parcels/"):  # last
        hub.visit(path)
    hub.page.locator("select[name=state]").select_option(index=1)
    expect(hub.page).to_have_url(re.compile(r"state=\w+"))

    planner = watched()
    planner.login("pat")
    planner.visit("/planning/")

    operator = watched()
    operator.login("op", admin=True)
    for path in ("/admin/", "/admin/catalog/product/", "/admin/catalog/product/add/",
                 "/api/v1/docs"):  # fmt: skip
        operator.visit(path)
    # Swagger UI fetches the schema after the load event: its operations drawn, it has run
    expect(operator.page.locator(".swagger-ui .opblock").first).to_be_visible()

    found = [v for w in (merchant, hub, planner, operator) for v in w.violations()]
    assert found == [], found
