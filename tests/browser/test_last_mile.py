"""The last-mile carrier in a real Chromium at a laptop's and a phone's width: the buyer's
tracking page links the carrier's number, and the planner changes a bag's carrier from the
bags page. Neither page scrolls sideways. LAST_MILE_SHOTS=<dir> keeps the screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.fulfillment.models import Bag
from caravana.fulfillment.services import carriers, hub_steps, parcels
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from tests import factories as f
from tests.browser.journey import log_in
from tests.fulfillment.conftest import TODAY, parcel_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def _shot(page, name: str) -> None:
    folder = os.environ.get("LAST_MILE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", WIDTHS)
def test_tracking_page_links_the_carrier_number(live_server, page, width):
    seed_network(TODAY)
    parcel = parcels.create_parcel(
        f.merchant(),
        parcel_data(
            recipient_country="AR", recipient_city="Buenos Aires", recipient_state="C",
            recipient_postal_code="C1425ABC", service_level="premium",
        ),
    )  # fmt: skip
    carriers.set_number(parcel, "9134669991")
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page.goto(f"{live_server.url}/track/{parcel.s10}/")
    link = page.locator("[data-carrier-number] a")
    expect(link).to_have_text("9134 669 991")
    expect(link).to_have_attribute(
        "href", "https://www.andreani.com/#!/informacionEnvio/9134669991"
    )
    expect(page.locator("[data-carrier-number]")).to_contain_text("Andreani")
    _no_sideways_scroll(page)
    _shot(page, f"tracking-carrier-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_planner_changes_a_bag_carrier(live_server, page, width):
    seed_network(TODAY)
    staff = f.user(Role.HUB)
    add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)
    parcel = parcels.create_parcel(f.merchant(), parcel_data())
    hub_steps.receive(staff, parcel.s10, 500, 20, 15, 10)
    bag = hub_steps.sort_into_bag(staff, parcel.s10)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.context.add_cookies(
        [{"name": "django_language", "value": "pt-br", "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/planning/bags/")  # to the sign-in page and back
    log_in(page, f.user(Role.PLANNER))
    expect(page.locator("h1")).to_have_text("Malas e transportadoras de última milha")
    row = page.locator(f'[data-bag="{bag.identifier}"]')
    row.locator("select").select_option("br-jadlog")
    _no_sideways_scroll(page)
    _shot(page, f"planner-bags-{width}")
    row.locator("button").click()
    expect(page.locator(".messages")).to_contain_text("Jadlog")
    assert Bag.objects.get(pk=bag.pk).carrier.code == "br-jadlog"
    page.locator("[data-parcel-carrier] input[name=s10]").fill("HC123")
    page.locator("[data-parcel-carrier] button").click()
    expect(page.locator('[data-error-field="s10"]')).to_contain_text("Pacote:")
    _shot(page, f"planner-bags-error-{width}")
