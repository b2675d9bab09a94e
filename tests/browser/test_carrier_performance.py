"""The operators' carrier performance page in a real Chromium, at 1366 and 390 px: the demo's
deliveries give every country a row, the fill bars are drawn with a width a phone can read,
nothing sticks out sideways, and the country filter narrows the page. With --screenshots the
page goes to docs/screenshots/all-carrier-performance-<width>.png."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.network.seed import seed_network
from caravana.tracking.demo import seed_demo_deliveries
from tests import factories as f
from tests.browser import journey as j
from tests.browser.axe import overflow, sticking_out
from tests.fulfillment.conftest import TODAY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_carrier_performance_reads_on_a_laptop_and_a_phone(live_server, page, request):
    cache.clear()  # the page keeps a period's counts (carrier_rollup.cached_bucket_rows)
    seed_network(TODAY)
    f.merchant(staff=f.user(Role.MERCHANT, username="merchant"))
    assert seed_demo_deliveries()["parcels"] == 60
    operator = f.user(Role.OPERATOR)
    page.goto(live_server.url + "/accounts/login/")
    j.log_in(page, operator)
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/operations/carriers/")
    expect(page.get_by_test_id("countries").locator("tbody tr")).to_have_count(6)
    assert page.locator("section.perf-country").count() == 6
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)
        assert overflow(page) <= 0, sticking_out(page)
        # A fill bar of a share is a visible width on the screen, not a hairline.
        track = page.locator(".perf-chart .perf-track").first
        box = track.bounding_box()
        assert box is not None and box["width"] >= 200 and box["height"] >= 10
        bar = track.locator("rect.share").bounding_box()
        assert bar is not None and bar["width"] > 20
    shots = j.SHOT_DIR if request.config.getoption("--screenshots") else None
    j.shoot(page, shots, "all", "carrier-performance")
    page.select_option("#id_country", "MX")
    page.locator("form[data-testid=period] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("section.perf-country").count() == 1
    expect(page.locator("section.perf-country h2")).to_have_text("Mexico")
