"""A buyer's return in a real Chromium, in Portuguese: from the delivered order's page to the
return form, the merchant's approval, the drop-off code and label on the order page, and the
returns point's scan. Every page fits 1366 and 390 px without scrolling sideways.
RETURNS_SHOTS=<dir> keeps the screenshots (docs/screenshots/returns-*.png)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from caravana.returns import services
from caravana.returns.models import ReturnRequest, ReturnState
from tests.browser.journey import save_small
from tests.orders.support import market  # noqa: F401  (fixture)
from tests.returns.conftest import delivered, world  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = ((1366, 900), (390, 844))


def _check(page, name: str) -> None:
    """Both widths: nothing scrolls sideways; screenshots kept when RETURNS_SHOTS is set."""
    folder = os.environ.get("RETURNS_SHOTS")
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
            name,
            width,
        )
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            full = page.evaluate("document.documentElement.scrollHeight")
            clip = {"x": 0, "y": 0, "width": width, "height": min(full, int(height * 1.8))}
            png = page.screenshot(full_page=True, clip=clip)
            save_small(png, Path(folder) / f"returns-{name}-{width}.png")
    page.set_viewport_size({"width": 1366, "height": 900})


def _log_in(page, base: str, user, next_url: str) -> None:
    from tests import factories as f

    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator("main form button[type=submit]").last.click()


def test_a_buyer_returns_an_order_in_portuguese(live_server, page, world):  # noqa: F811
    from caravana.duties.seed import ensure_reference as ensure_duties
    from caravana.returns.seed import ensure_reference

    ensure_duties()
    ensure_reference()
    order, _parcel = delivered("BR", world["variant"])
    base = live_server.url
    page.context.add_cookies([{"name": "django_language", "value": "pt-br", "url": base}])
    _log_in(page, base, order.buyer, f"/orders/{order.number}/")
    expect(page.get_by_test_id("start-return")).to_have_text("Devolver itens")
    page.get_by_test_id("start-return").click()
    expect(page.get_by_test_id("return-window")).to_contain_text("Você pode pedir a devolução")
    page.get_by_test_id("return-reason-changed_mind").check()
    _check(page, "form")
    page.get_by_test_id("return-submit").click()
    expect(page.get_by_test_id("order-return-state")).to_have_text("Aguardando aprovação")

    ret = ReturnRequest.objects.get(order=order)
    services.decide(ret, world["merchant_staff"], True)
    page.reload()
    ret.refresh_from_db()
    expect(page.get_by_test_id("drop-off-code")).to_have_text(ret.drop_off_code)
    expect(page.get_by_test_id("return-label")).to_have_attribute(
        "href", f"/orders/{order.number}/returns/{ret.reference}/label.pdf"
    )
    page.get_by_test_id("order-returns").scroll_into_view_if_needed()
    _check(page, "order-page")

    # The merchant's console, in Chinese.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    _log_in(page, base, world["merchant_staff"], "/console/returns/")
    expect(page.get_by_test_id("return-row")).to_contain_text("已批准")
    _check(page, "console-zh")  # this machine's Chromium has no CJK font: shots read in English
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.reload()
    expect(page.get_by_test_id("return-row")).to_contain_text("Approved")
    _check(page, "console")

    # The São Paulo point scans the drop-off code.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "pt-br", "url": base}])
    _log_in(page, base, world["staff"]["BR"], "/returns-point/")
    page.get_by_test_id("scan-code").fill(ret.drop_off_code.lower())
    page.get_by_test_id("scan-submit").click()
    expect(page.get_by_test_id("scan-done")).to_contain_text("Reembolsado")
    _check(page, "point-desk")
    ret.refresh_from_db()
    assert ret.state == ReturnState.REFUNDED
