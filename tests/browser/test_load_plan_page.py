"""The hub's flight page with its load plan in a real Chromium: the positions and the CG
envelope picture pass axe and reflow at 320 px, in es as well. With --screenshots (make
screenshots) the load sheet is pictured at 1366 and 390 px into docs/screenshots/."""

from __future__ import annotations

import pytest

from caravana.fulfillment.models import Bag, Uld
from caravana.fulfillment.services import hub_steps, loading
from caravana.network.models import Flight
from tests.browser.journey import SHOT_DIR, WIDTHS, save_small
from tests.browser.test_accessibility import auditor  # noqa: F401  (fixture)
from tests.fulfillment.conftest import TODAY, hub_user, make_parcel, merchant, network  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def planned(make_parcel, hub_user):  # noqa: F811
    """A B747-400F with two built ULDs and two loose bags (one with batteries) planned on it,
    one ULD already loaded."""
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    bags = []
    for i in range(4):
        for _ in range(3):
            p = make_parcel(declared_weight_g=9_000, battery="in_equipment" if i == 3 else "none")
            hub_steps.receive(hub_user, p.s10, 9_000, 60, 40, 40)
            bag = hub_steps.sort_into_bag(hub_user, p.s10)
        bags.append(hub_steps.close_bag(hub_user, bag.identifier))
    for tag, bag in (("PMC12345CV", bags[0]), ("PMC12346CV", bags[1])):
        loading.build_uld(hub_user, tag, bag.identifier)
        loading.close_uld(hub_user, tag)
    Uld.objects.update(planned_flight=flight)
    Bag.objects.filter(pk__in=[bags[2].pk, bags[3].pk]).update(planned_flight=flight)
    loading.load_uld_onto_flight(hub_user, "PMC12345CV", flight)
    return flight


def test_load_plan_reads_in_two_languages(auditor, planned, hub_user):  # noqa: F811
    for locale in ("en-US", "es-ES"):
        a = auditor(locale)
        a.login(hub_user.username)
        a.visit(f"/hub/flights/{planned.pk}/")
        assert a.page.locator('[data-testid="load-plan"] svg polygon').count() == 1
        assert a.page.locator("[data-plan-position]").count() == 4
        assert "MAC" in a.page.locator(".cg-envelope figcaption").inner_text()
        assert not a.problems, a.problems


@pytest.mark.screenshots
def test_screenshot_of_the_load_plan(auditor, planned, hub_user):  # noqa: F811
    a = auditor()
    a.login(hub_user.username)
    a.page.goto(a.base + f"/hub/flights/{planned.pk}/")
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS:
        a.page.set_viewport_size({"width": width, "height": height})
        a.page.wait_for_timeout(150)
        png = a.page.locator("#load-sheet").screenshot()
        save_small(png, SHOT_DIR / f"hub-load-plan-{width}.png")
