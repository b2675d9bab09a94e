"""The console's dashboard and variant matrix in a real Chromium (issue 13, items 9 and 10): a
merchant with paid orders lands on the dashboard (figures, both charts drawn, the orders to
ship), downloads the pick list of the selected orders, then edits a dress's colour × size grid
in Chinese: a bad cell is named and nothing saved, then one post saves every cell. Both pages
fit 1366 and 390 px with no sideways scroll and no axe violation. With --screenshots the
dashboard goes to docs/screenshots/console-dashboard-<en|zh>-<width>.png and the matrix
(with its error) to console-variant-matrix-zh-<width>.png."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.catalog import services
from caravana.catalog.models import MerchantMember, Stock
from caravana.network.seed import seed_network
from tests import factories as f
from tests.browser import journey as j
from tests.browser.axe import overflow, settle, small_targets, sticking_out, violations
from tests.orders.support import market  # noqa: F401  (fixture)
from tests.reviews.conftest import deliver, paid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(market):  # noqa: F811
    seed_network(timezone.now().date())
    speaker = f.product(price="120.00", stock=50, title_en="Speaker", title_zh_hans="音箱")
    merchant = speaker.store.merchant
    staff = f.user(Role.MERCHANT, username="mei")
    MerchantMember.objects.create(user=staff, merchant=merchant)
    buyer = f.user(Role.BUYER, username="ana", email="ana@example.com")
    orders = [paid(buyer, speaker.variants.get(), qty=q) for q in (1, 2, 1)]
    deliver(orders[2])
    cat = f.category("dresses", name_en="Dresses", name_zh_hans="连衣裙")
    dress = services.create_product(
        speaker.store, {"category": cat, "hs_code": "610443", "title_zh_hans": "碎花连衣裙"}
    )
    for colour in ("Black", "Red"):
        for size in ("S", "M", "L"):
            f.variant(dress, price="59.00", sku=f"D-{colour}-{size}",
                      options={"colour": colour, "size": size})  # fmt: skip
    return {"orders": orders, "dress": dress}


def check(page, name: str) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        settle(page)
        assert overflow(page) <= 0, (name, width, sticking_out(page))
        assert small_targets(page) == [], (name, width)
    assert violations(page) == [], name


def login(browser, live_server, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "mei")
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    return context, page


def test_dashboard_and_variant_matrix(live_server, browser, shop, request):
    shots = j.SHOT_DIR if request.config.getoption("--screenshots") else None
    context, page = login(browser, live_server, "en-US")
    page.goto(live_server.url + "/console/")
    assert page.locator("[data-testid=orders-today] .kpi-value").inner_text() == "3"
    assert page.locator("[data-testid=to-ship] .kpi-value").inner_text() == "2"
    assert page.locator("[data-testid=orders-chart] rect").count() == 1
    assert page.locator("[data-testid=sales-chart] rect").count() == 1
    check(page, "dashboard")
    j.shoot(page, shots, "console", "dashboard-en")
    with page.expect_download() as download:
        page.locator("[data-testid=pick-list]").click()
    assert download.value.suggested_filename.startswith("pick-list-")
    context.close()

    context, page = login(browser, live_server, "zh-CN")
    page.goto(live_server.url + "/console/")
    assert page.locator("h1").inner_text() == "仪表板"
    j.shoot(page, shots, "console", "dashboard-zh")
    dress = shop["dress"]
    page.goto(live_server.url + f"/console/products/{dress.pk}/")
    page.locator("[data-testid=matrix-link]").click()
    page.wait_for_load_state("networkidle")
    assert "颜色 × 尺码" in page.locator("[data-testid=matrix] caption").inner_text()
    red_m = dress.variants.get(sku="D-Red-M")
    black_l = dress.variants.get(sku="D-Black-L")
    page.fill(f"[name=price-{black_l.pk}]", "65.50")
    page.fill(f"[name=stock-{red_m.pk}]", "-1")
    page.locator("#variant-matrix [type=submit]").click()
    errors = page.locator("[data-testid=errors]")
    errors.wait_for()
    assert "红色 / M" in errors.inner_text()
    black_l.refresh_from_db()
    assert black_l.price == Decimal("59.00")
    check(page, "matrix-error")
    j.shoot(page, shots, "console", "variant-matrix-zh")
    page.fill(f"[name=stock-{red_m.pk}]", "8")
    page.locator("#variant-matrix [type=submit]").click()
    page.locator(".messages").wait_for()
    black_l.refresh_from_db()
    assert black_l.price == Decimal("65.50")
    assert Stock.objects.get(variant=red_m).quantity == 8
    context.close()
