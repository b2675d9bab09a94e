"""The customs pages in a real Chromium: the merchant and the hub open a parcel's CN 23 from
their parcel lists, an operator exports a flight's advance data, at 1366 px and 390 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from caravana.accounts.models import Role
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from tests import factories as f
from tests.browser.pages import look as look_at_both_widths
from tests.browser.pages import session
from tests.fulfillment.conftest import TODAY, parcel_data
from tests.tracking.conftest import walk_to_gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("CUSTOMS_SCREENSHOTS", "")


@pytest.fixture
def people(settings):
    seed_network(TODAY)
    merchant_user = f.user(Role.MERCHANT, username="mei")
    merchant = f.merchant(staff=merchant_user)
    parcel = parcel_services.create_parcel(merchant, parcel_data(recipient_city="Rio de Janeiro"))
    hub_staff = f.user(Role.HUB, username="wang")
    add_hub_member(Hub.objects.get(code="SZX-HUB"), hub_staff)
    flight, _ = walk_to_gateway(parcel, hub_staff)
    f.user(Role.OPERATOR, username="op", is_staff=True, is_superuser=True)
    return parcel, flight


def look(page, name: str) -> None:
    look_at_both_widths(page, f"customs-{name}", SHOTS)


def test_cn23_from_console_and_hub_and_the_export_page(browser, live_server, people):
    parcel, flight = people
    for username, locale, path, name in (
        ("mei", "zh-CN", "/console/parcels/", "console-parcels"),
        ("wang", "en-US", "/hub/parcels/", "hub-parcels"),
    ):
        context, page = session(browser, live_server.url, username, locale)
        page.goto(live_server.url + path)
        link = page.locator(f'a[href$="/customs/{parcel.s10}/cn23.pdf"]')
        assert link.count() == 1
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.status == 200 and response.body().startswith(b"%PDF")
        if SHOTS:
            Path(SHOTS, f"customs-cn23-{username}.pdf").write_bytes(response.body())
        look(page, name)
        context.close()

    context, page = session(browser, live_server.url, "op", "es-ES")
    page.goto(live_server.url + "/operations/customs/")
    assert page.locator("h1").inner_text() == "Datos anticipados de aduana"
    look(page, "operations")
    page.select_option("#e-flight", str(flight.pk))
    page.locator('[data-testid="start-ead"]').click()
    page.wait_for_load_state("networkidle")
    assert "/jobs/" in page.url
    look(page, "job")
    context.close()
