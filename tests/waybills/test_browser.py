"""The waybill pages in a real Chromium: axe finds nothing, they fit 320 px, and the documents
open from the planner's, the hub's and the operators' pages. With --screenshots (make
screenshots) they are pictured at 1366 and 390 px into docs/screenshots/waybills-*.png."""

from __future__ import annotations

import pytest

from tests.browser.journey import SHOT_DIR, shoot
from tests.browser.test_accessibility import auditor  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_documents(a, start: str) -> None:
    """From `start`, follow the load sheet's link to the documents page and open each one."""
    a.visit(start)
    a.page.get_by_role("link", name="Air waybills").first.click()
    a.page.wait_for_load_state("networkidle")
    a.check("waybills page")
    for kind in ("manifest", "mawb", "hawb", "onerecord"):
        href = a.page.locator(f'[data-doc="{kind}"]').first.get_attribute("href")
        response = a.page.request.get(a.base + href)
        assert response.status == 200, (kind, href)


def test_documents_open_from_planner_hub_and_operator_pages(
    auditor,  # noqa: F811
    committed,
    planner_user,
    hub_user,
    operator_user,
):
    flight, _master = committed
    planner = auditor()
    planner.login(planner_user.username)
    _open_documents(planner, f"/planning/flights/{flight.pk}/")
    hub = auditor()
    hub.login(hub_user.username)
    _open_documents(hub, f"/hub/flights/{flight.pk}/")
    operator = auditor()
    operator.login(operator_user.username)
    operator.visit("/waybills/all/")
    operator.page.get_by_role("link", name="Documents").first.click()
    operator.page.wait_for_load_state("networkidle")
    operator.check("waybills page (operator)")
    found = [p for x in (planner, hub, operator) for p in x.problems]
    assert found == [], "\n".join(found)


@pytest.mark.screenshots
def test_screenshots_of_the_waybill_pages(
    auditor,  # noqa: F811
    committed,
    planner_user,
    hub_user,
):
    flight, _master = committed
    planner = auditor()
    planner.login(planner_user.username)
    planner.page.goto(planner.base + f"/waybills/flights/{flight.pk}/")
    shoot(planner.page, SHOT_DIR, "waybills", "flight")
    hub = auditor()
    hub.login(hub_user.username)
    hub.page.goto(hub.base + f"/hub/flights/{flight.pk}/")
    shoot(hub.page, SHOT_DIR, "waybills", "handover")
