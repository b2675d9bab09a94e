"""The merchant's statement in a real Chromium, in Chinese: the lines of its own orders and
payout, the closing balance the ledger holds, the CSV and PDF downloads; the page fits 1366 and
390 px without sideways scroll and axe finds nothing. With --screenshots it is written to
docs/screenshots/console-statement-<width>.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.catalog import services as catalog_services
from caravana.payments import payouts
from caravana.payments.models import AccountKind, LedgerAccount, PayoutBatch
from tests import factories as f
from tests.browser import journey as j
from tests.browser.axe import overflow, settle, small_targets, sticking_out, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_merchant_reads_and_downloads_its_statement(
    live_server, browser, completed, settings, request
):
    settings.PAYOUTS_FEE_RATE = "0.005"  # demo figures, not a partner's price
    settings.PAYOUTS_FX_MARGIN = "0.01"
    orders = list(completed.orders.order_by("pk"))
    mine, theirs = orders[0].merchant, orders[1].merchant
    payouts.run_payouts()
    user = f.user(Role.MERCHANT, username="mei")
    catalog_services.add_member(mine, user)
    batch = PayoutBatch.objects.get(merchant=mine)
    shots = j.SHOT_DIR if request.config.getoption("--screenshots") else None

    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/login/?next=/console/statement/")
    page.fill("#id_username", "mei")
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("对账单")
    section = page.get_by_test_id("statement-BRL")
    expect(section.locator("tr[data-category=order]")).to_contain_text(orders[0].number)
    expect(section.locator("tr[data-category=commission]")).to_have_count(1)
    expect(section.locator("tr[data-category=fx]")).to_have_count(1)
    expect(section.locator("tr[data-category=fee]")).to_have_count(1)
    expect(section.locator("tr[data-category=payout]")).to_contain_text(batch.reference)
    assert orders[1].number not in page.content()
    payable = LedgerAccount.objects.get(merchant=mine, kind=AccountKind.MERCHANT_PAYABLE)
    assert payable.balance == 0
    expect(page.get_by_test_id("closing-BRL")).to_contain_text("0.00")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        settle(page)
        assert overflow(page) <= 0, (width, sticking_out(page))
        assert small_targets(page) == [], width
    assert violations(page) == []
    j.shoot(page, shots, "console", "statement")

    with page.expect_download() as csv_file:
        page.get_by_test_id("csv").click()
    assert csv_file.value.suggested_filename.startswith("statement-")
    body = csv_file.value.path().read_text(encoding="utf-8-sig")
    assert batch.reference in body and orders[0].number in body
    with page.expect_download() as pdf_file:
        page.get_by_test_id("pdf").click()
    assert pdf_file.value.path().read_bytes()[:4] == b"%PDF"
    assert theirs.pk != mine.pk
    context.close()


def test_an_operator_reads_a_merchants_statement_from_payouts(
    live_server, browser, completed, settings, request
):
    """Operations → Payouts → the batch's merchant: its statement, read-only (no downloads, no
    form but the month), fitting 1366 and 390 px with nothing axe objects to. With
    --screenshots: docs/screenshots/ops-merchant-statement-<width>.png."""
    settings.PAYOUTS_FEE_RATE = "0.005"  # demo figures, not a partner's price
    settings.PAYOUTS_FX_MARGIN = "0.01"
    orders = list(completed.orders.order_by("pk"))
    mine = orders[0].merchant
    payouts.run_payouts()
    f.user(Role.OPERATOR, username="olga")
    batch = PayoutBatch.objects.get(merchant=mine)
    shots = j.SHOT_DIR if request.config.getoption("--screenshots") else None

    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/login/?next=/operations/payouts/")
    page.fill("#id_username", "olga")
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    page.locator(f"tr:has-text('{batch.reference}') [data-testid=merchant-statement]").click()
    expect(page.locator("h1")).to_contain_text(mine.legal_name)
    section = page.get_by_test_id("statement-BRL")
    expect(section.locator("tr[data-category=order]")).to_contain_text(orders[0].number)
    expect(section.locator("tr[data-category=payout]")).to_contain_text(batch.reference)
    expect(page.get_by_test_id("read-only")).to_be_visible()
    assert (
        page.get_by_test_id("csv").count() == 0
        and page.locator("main form[method=post]").count() == 0
    )
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        settle(page)
        assert overflow(page) <= 0, (width, sticking_out(page))
    assert violations(page) == []
    j.shoot(page, shots, "ops", "merchant-statement")
    context.close()
