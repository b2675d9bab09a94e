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


def test_a_flight_without_airline_says_so_on_every_page(
    auditor,  # noqa: F811
    world,
    planner_user,
    hub_user,
    operator_user,
):
    """No airline 5Y recorded: the waybills page, the planner's and hub's load sheets and the
    operators' list say the flight has no airline, pass axe and fit 320 px, in English and
    Portuguese (WAYBILL_SCREENSHOTS names a folder to picture them at 1366 and 390 px)."""
    import os
    from pathlib import Path

    from caravana.planning import services as planning
    from tests.planning.test_commit import fl, make_run

    b1 = world["bags"][0]
    planning.commit(planner_user, make_run(planner_user, world, {f"bag-{b1.pk}": fl(world["f1"])}))
    pk = world["f1"].pk
    shots = os.environ.get("WAYBILL_SCREENSHOTS", "")
    found = []
    for locale, said, listed in (
        ("en-US", "has no airline", "Flights with cargo but no airline"),
        ("pt-BR", "não tem companhia aérea", "Voos com carga mas sem companhia aérea"),
    ):
        for user, paths in (
            (planner_user, [f"/waybills/flights/{pk}/", f"/planning/flights/{pk}/"]),
            (hub_user, [f"/hub/flights/{pk}/"]),
            (operator_user, ["/waybills/all/", f"/waybills/flights/{pk}/"]),
        ):
            a = auditor(locale)
            a.login(user.username)
            for path in paths:
                a.visit(path)
                text = listed if path == "/waybills/all/" else said
                assert text in a.page.locator("main").inner_text(), (locale, path)
                for width in (1366, 390) if shots else ():
                    a.page.set_viewport_size({"width": width, "height": 900})
                    a.page.wait_for_timeout(150)
                    name = f"{locale}-{user.username}-{path.strip('/').replace('/', '-')}-{width}"
                    a.page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=True)
            found += a.problems
    assert found == [], "\n".join(found)
