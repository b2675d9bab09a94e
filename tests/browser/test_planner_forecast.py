"""The planner's forecast page in a real Chromium: the chart with its interval and the table of
charters pass axe and reflow at 320 px, in English and Spanish; looked at 1366 and 390 px.
With --screenshots (make screenshots) it is pictured into docs/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.orders.models import Order
from caravana.planning import outlook
from tests import factories as f
from tests.browser.axe import overflow, sticking_out
from tests.browser.journey import SHOT_DIR, WIDTHS, save_small
from tests.browser.test_accessibility import auditor  # noqa: F401  (fixture)
from tests.orders.support import market  # noqa: F401  (fixture)
from tests.planning.test_forecast_page import history  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VAR = Path(__file__).resolve().parents[2] / "var"


@pytest.fixture
def fitted(history):  # noqa: F811
    """The lanes fitted once before the browser comes (a day's first visit fits the model, seconds
    on a loaded machine; the live server shares this process's cache). A third of Brazil's
    orders are economy ones: they fly a lane of their own, SZX–VCP."""
    paid = Order.objects.filter(country="BR").exclude(paid_at=None)
    Order.objects.filter(pk__in=list(paid.values_list("pk", flat=True)[::3])).update(
        service_level="economy"
    )
    outlook.outlook(timezone.now().date())
    f.user(Role.PLANNER, username="pat")


def test_forecast_page_reads_in_two_languages(auditor, fitted):  # noqa: F811
    for locale in ("en-US", "es-ES"):
        a = auditor(locale)
        a.login("pat")
        a.visit("/planning/forecast/")
        assert a.page.locator('[data-lane="BR-SZX-VCP"] h2').inner_text() == "SZX–VCP (BR)"
        lane = a.page.locator('[data-lane="BR-SZX-GRU"]')
        assert lane.locator("svg polygon").count() == 1  # the interval's band
        assert lane.locator('[data-testid="recommended"]').count() == 8
        assert not a.problems, a.problems
        for width, height in WIDTHS:  # looked at by the author; kept out of the repository
            a.page.set_viewport_size({"width": width, "height": height})
            a.page.wait_for_timeout(150)
            VAR.mkdir(exist_ok=True)
            a.page.screenshot(
                path=str(VAR / f"planner-forecast-{locale}-{width}.png"), full_page=True
            )


@pytest.mark.screenshots
def test_screenshot_of_the_forecast_page(auditor, fitted):  # noqa: F811
    a = auditor()
    a.login("pat")
    a.page.goto(a.base + "/planning/forecast/")
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS:
        a.page.set_viewport_size({"width": width, "height": height})
        a.page.wait_for_timeout(150)
        png = a.page.locator('[data-lane="BR-SZX-GRU"]').screenshot()
        save_small(png, SHOT_DIR / f"planner-forecast-{width}.png")


#: The smallest chart text a reader gets, in CSS px (the axis labels; the title is larger).
MIN_TEXT_PX = 10.0


def _smallest_chart_text(page) -> float:
    """The chart's smallest text as drawn: its font size times the SVG's scale on screen."""
    return page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('figure.chart svg text')].map(t =>"
        " parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))"
    )


def test_forecast_chart_text_is_readable_on_a_phone(auditor, fitted):  # noqa: F811
    """At 390 px the chart scrolls sideways in its figure instead of shrinking its text to 5 px
    (720 units drawn in 358 px); the page itself does not scroll sideways, and axe passes."""
    a = auditor()
    a.login("pat")
    a.visit("/planning/forecast/")
    assert not a.problems, a.problems
    for width, height in WIDTHS:
        a.page.set_viewport_size({"width": width, "height": height})
        a.page.wait_for_timeout(150)
        smallest = _smallest_chart_text(a.page)
        assert smallest >= MIN_TEXT_PX, (width, smallest)
        assert overflow(a.page) <= 0, (width, sticking_out(a.page))
    figure = a.page.locator('[data-lane="BR-SZX-GRU"] figure.chart')
    assert figure.evaluate("f => f.scrollWidth > f.clientWidth")  # at 390 px it scrolls
