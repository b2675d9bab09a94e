"""The merchant console's customs pages in a real Chromium: a merchant (in Chinese) sets a
product's national tariff codes (a bad one is refused on its field, through htmx, and nothing
is saved), then the sender identity; every page fits 1366 and 390 px with no sideways scroll
and no axe violation. With --screenshots the pages go to
docs/screenshots/console-customs-<page>-<width>.png."""

from __future__ import annotations

import pytest

from caravana.accounts.models import Role
from caravana.catalog.models import Merchant
from caravana.customs import services as customs
from tests import factories as f
from tests.browser import journey as j
from tests.browser.axe import overflow, settle, small_targets, sticking_out, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    merchant = f.merchant(staff=f.user(Role.MERCHANT, username="mei"))
    store = f.store(merchant)
    earphones = f.product(
        store, title_en="Wireless earphones", title_zh_hans="无线耳机", hs_code="851830"
    )
    f.product(store, title_en="Phone case", title_zh_hans="手机壳", hs_code="392690")
    f.merchant(staff=f.user(Role.MERCHANT, username="li"))
    return merchant, earphones


def check(page, name: str, shots) -> None:
    """Both widths fit without sideways scroll; axe finds nothing; pictures when asked."""
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        settle(page)
        assert overflow(page) <= 0, (name, width, sticking_out(page))
        assert small_targets(page) == [], (name, width)
    assert violations(page) == [], name
    j.shoot(page, shots, "console", f"customs-{name}")


def test_a_merchant_sets_codes_and_sender_identity(live_server, browser, shop, request):
    merchant, earphones = shop
    shots = j.SHOT_DIR if request.config.getoption("--screenshots") else None
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "mei")
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")

    page.goto(live_server.url + "/console/")
    page.locator("nav.sectionnav a[href='/console/customs/']").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "海关"
    page.locator(f"a[href='/console/products/{earphones.pk}/customs/']").click()
    page.wait_for_load_state("networkidle")
    assert "/customs/" in page.url

    # A Mexican code of another heading: refused on its field, in place (htmx), nothing saved.
    page.fill("#id_code_br", "8518.30.00")
    page.fill("#id_code_mx", "8471.30.01.00")
    page.locator("#national-codes [type=submit]").click()
    errors = page.locator("[data-testid=errors]")
    errors.wait_for()
    assert "851830" in errors.inner_text() and "NICO" in errors.inner_text()
    assert page.locator("[data-field=code_mx].has-error").count() == 1
    assert customs.national_codes_of(earphones) == {}
    check(page, "codes-error", shots)

    page.fill("#id_code_mx", "8518.30.01.99")
    page.fill("#id_code_ar", "8518.30.00.900K")
    page.locator("#national-codes [type=submit]").click()
    page.locator("[data-testid=saved]").wait_for()
    assert page.input_value("#id_code_mx") == "8518300199"
    assert customs.national_codes_of(earphones) == {
        "BR": "85183000",
        "MX": "8518300199",
        "AR": "85183000900K",
    }
    check(page, "codes", shots)

    page.goto(live_server.url + "/console/customs/sender/")
    page.fill("#id_legal_name", "Shenzhen Huaqiang Electronics Co., Ltd.")
    page.fill("#id_legal_name_zh", "深圳华强电子有限公司")
    page.select_option("#id_province", "广东省")
    page.fill("#id_city", "深圳市")
    page.fill("#id_district", "南山区")
    page.fill("#id_postal_code", "5180")
    page.fill("#id_street_address", "No. 8 Keji Road, Building 2, Room 301")
    page.fill("#id_street_address_zh", "科技路8号2栋301室")
    page.locator("#sender-form [type=submit]").click()
    page.locator("[data-testid=errors]").wait_for()
    assert page.locator("[data-field=postal_code].has-error").count() == 1
    assert not Merchant.objects.filter(legal_name__startswith="Shenzhen Huaqiang").exists()
    check(page, "sender-error", shots)
    page.fill("#id_postal_code", "518057")
    page.locator("#sender-form [type=submit]").click()
    page.locator("[data-testid=saved]").wait_for()
    merchant.refresh_from_db()
    assert merchant.legal_name == "Shenzhen Huaqiang Electronics Co., Ltd."
    check(page, "sender", shots)

    page.goto(live_server.url + "/console/customs/")
    assert "85183000900K" in page.locator("[data-testid=codes-table]").inner_text()
    assert "深圳华强电子有限公司" in page.locator("[data-testid=sender-summary]").inner_text()
    check(page, "overview", shots)
    context.close()

    # Another merchant's staff: the product's customs page does not exist for them.
    other = browser.new_context(locale="en-US")
    page = other.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "li")
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    response = page.goto(live_server.url + f"/console/products/{earphones.pk}/customs/")
    assert response.status == 404
    other.close()
