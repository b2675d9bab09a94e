"""Held items in a real Chromium: the merchant chooses in its console (Spanish, then Chinese)
with each cost shown, a bad price named on the page; the São Paulo point's staff open and close
a reverse manifest; the product page offers local stock in Portuguese; the operators' carrier
page shows returns by reason. Every page fits 1366 and 390 px without scrolling sideways.
RETURNS_SHOTS=<dir> keeps the screenshots (docs/screenshots/returns-held-*.png)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from caravana.returns import services
from caravana.returns.models import HeldItem
from tests.browser.test_returns import _check, _log_in
from tests.orders.support import market  # noqa: F401  (fixture)
from tests.returns.conftest import delivered, world  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _held(world) -> HeldItem:  # noqa: F811
    order, _parcel = delivered("BR", world["variant"])
    ret = services.request_return(order, order.buyer, {order.lines.get().pk: 2}, "changed_mind")
    ret = services.decide(ret, world["merchant_staff"], True)
    services.receive(world["staff"]["BR"], ret.drop_off_code, "as_new")
    return HeldItem.objects.get(request=ret)


def _lang(page, base: str, code: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": code, "url": base}])


def test_held_items_from_choice_to_manifest_and_local_offer(live_server, page, world, settings):  # noqa: F811
    from caravana.duties.seed import ensure_reference as ensure_duties
    from caravana.returns.seed import ensure_reference

    ensure_duties()
    ensure_reference()
    first, second = _held(world), _held(world)
    point = first.point
    point.disposal_fee, point.costs_source = Decimal("12.00"), "demo: made up for the screenshot"
    point.save()
    base = live_server.url

    _lang(page, base, "es")
    _log_in(page, base, world["merchant_staff"], "/console/returns/#held")
    expect(page.get_by_test_id("held-row")).to_have_count(2)
    expect(page.get_by_test_id("held-costs").first).to_contain_text("no verificado")
    row = page.locator(f"#held-{first.pk}")
    row.get_by_test_id("choose-resell").check()
    row.get_by_test_id("choose-price").fill("gratis")
    row.get_by_test_id("choose-submit").click()
    expect(page.locator(f"#held-{first.pk}").get_by_test_id("held-error")).to_have_attribute(
        "data-field", "price"
    )
    page.locator(f"#held-{first.pk}").scroll_into_view_if_needed()
    _check(page, "held-console-error-es")
    row = page.locator(f"#held-{first.pk}")
    row.get_by_test_id("choose-price").fill("399,90")
    row.get_by_test_id("choose-submit").click()
    expect(page.locator(f"#held-{first.pk}")).to_have_attribute("data-state", "for_sale")
    row = page.locator(f"#held-{second.pk}")
    row.get_by_test_id("choose-consolidate").check()
    row.get_by_test_id("choose-submit").click()
    expect(page.locator(f"#held-{second.pk}")).to_have_attribute("data-state", "consolidate")
    page.locator("#held").scroll_into_view_if_needed()
    _check(page, "held-console-es")
    _lang(page, base, "zh-hans")
    _log_in(page, base, world["merchant_staff"], "/console/returns/#held")
    expect(page.get_by_test_id("held-costs").first).to_contain_text("未核实")
    _check(page, "held-console-zh")

    # The point's staff, in Portuguese: a reverse manifest opened, exported, closed.
    _lang(page, base, "pt-br")
    _log_in(page, base, world["staff"]["BR"], "/returns-point/#stock")
    page.get_by_test_id("open-manifest-button").click()
    expect(page.get_by_test_id("open-manifest")).to_contain_text("aberto")
    page.locator("#stock").scroll_into_view_if_needed()
    _check(page, "held-point-desk-pt")
    page.get_by_test_id("close-manifest").click()
    second.refresh_from_db()
    assert second.state == HeldItem.State.SHIPPED

    # The product page in Brazil offers the local stock.
    settings.LOCAL_STOCK_OFFERS = True
    _lang(page, base, "pt-br")
    page.context.add_cookies([{"name": "caravana_country", "value": "BR", "url": base}])
    page.goto(f"{base}/p/{first.variant.product_id}/")
    expect(page.get_by_test_id("local-offer")).to_contain_text("Estoque local")
    page.get_by_test_id("local-offer").scroll_into_view_if_needed()
    _check(page, "held-local-offer-pt")

    # Operators: returns by reason on the carrier performance page, in English.
    from caravana.accounts.models import Role
    from tests import factories as f

    _lang(page, base, "en")
    ops = f.user(Role.OPERATOR, username="ops-held")
    _log_in(page, base, ops, "/operations/carriers/")
    page.goto(page.url.split("?")[0] + "#returns")
    expect(page.get_by_test_id("returns-by-reason")).to_contain_text("Changed my mind")
    page.locator("#returns").scroll_into_view_if_needed()
    _check(page, "held-returns-by-reason-en")
