"""The chargeback case and the settlement page in a real Chromium, at 1366 px and 390 px, in
es, pt-BR and en: translated, nothing sticking out sideways, no axe violation; an operator
records the evidence as sent, and a settlement report with a planted difference lists it.
With PAYMENTS_SCREENSHOTS naming a folder, every page goes there as a PNG."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.payments import chargebacks
from caravana.payments.models import Chargeback, ChargebackStatus, Payment
from caravana.payments.providers import Dispute
from tests import factories as f
from tests.browser.axe import overflow, settle, sticking_out, violations

# the chargeback pages have no Django-client test: their queries are checked on PostgreSQL
# here (docs/decisions/0047)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.both_databases,
    pytest.mark.django_db(transaction=True),
]
SHOTS = os.environ.get("PAYMENTS_SCREENSHOTS", "")
LANGUAGES = {
    "es-ES": ("es", "Contracargos", "Reportes de liquidación", "Falta en el libro mayor"),
    "pt-BR": ("pt-br", "Chargebacks", "Relatórios de liquidação", "Falta no livro-razão"),
    "en-US": ("en", "Chargebacks", "Settlement reports", "Missing in the ledger"),
}


def session(browser, base: str, user, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    return context, page


def look(page, name: str) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        settle(page)
        assert overflow(page) <= 0, (name, width, sticking_out(page))
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    assert violations(page) == []


@pytest.fixture
def case(completed):
    payment = Payment.objects.filter(status="succeeded").first()
    return chargebacks.apply(
        "sandbox",
        Dispute(
            dispute_id="dp_1QbrowserTest",
            payment_id="",
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
            status="open",
            reason="product_not_received",
            raw_status="needs_response",
        ),
    )


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_the_chargeback_and_settlement_pages_read_well(
    browser, live_server, case, media_root, locale, tmp_path
):
    lang, heading, settle_heading, missing = LANGUAGES[locale]
    operator = f.user(Role.OPERATOR)
    context, page = session(browser, live_server.url, operator, locale)
    page.goto(live_server.url + "/operations/chargebacks/")
    assert page.locator("html").get_attribute("lang") == lang
    expect(page.locator("h1")).to_have_text(heading)
    look(page, f"chargebacks-list-{lang}")
    page.get_by_role("link", name="sandbox · dp_1QbrowserTest").click()
    expect(page.locator("h1")).to_contain_text("dp_1QbrowserTest")
    look(page, f"chargeback-case-{lang}")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.locator("form button").last.click()
    page.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == ChargebackStatus.SUBMITTED and case.evidence["orders"]
    Chargeback.objects.filter(pk=case.pk).update(status=ChargebackStatus.OPEN)

    report = tmp_path / "report.csv"
    report.write_text(
        "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,"
        "source_id,payment_intent_id\n"
        f"txn_1,2026-12-03 10:00:00,brl,{Decimal('42.00')},1.00,41.00,charge,ch_1,pi_notours\n"
    )
    page.goto(live_server.url + "/operations/settlement/")
    expect(page.locator("h1")).to_have_text(settle_heading)
    page.set_input_files("input[name=file]", str(report))
    page.locator("main form button").last.click()
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/operations/settlement/")
    expect(page.locator("table")).to_contain_text(missing)
    expect(page.locator("table")).to_contain_text("pi_notours")
    look(page, f"settlement-{lang}")
    context.close()
