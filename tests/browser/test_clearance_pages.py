"""The customs desk and the buyer's request panel in a real Chromium, at 1366 px and 390 px,
in the languages each is read in: nothing sticks out sideways, no page is left untranslated.
With CLEARANCE_SCREENSHOTS naming a folder, every page goes there as a PNG."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from caravana.clearance import services
from caravana.clearance.models import BuyerRequest
from tests.browser.pages import look as look_at_both_widths
from tests.browser.pages import session
from tests.clearance.conftest import world  # noqa: F401  (fixture)
from tests.orders.support import market  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("CLEARANCE_SCREENSHOTS", "")
#: The browser's language → the page's <html lang> and the desk's heading in it.
DESK_LANGUAGES = {
    "es-ES": ("es", "Mostrador aduanero"),
    "pt-BR": ("pt-br", "Balcão aduaneiro"),
    "zh-CN": ("zh-hans", "海关"),
}


def look(page, name: str) -> None:
    look_at_both_widths(page, f"clearance-{name}", SHOTS)


@pytest.fixture
def desk(world):  # noqa: F811
    manifest = services.present_manifest(world["flight"], world["gateway"], world["operator"])
    p, a, b, _c = world["parcel"], *world["others"]
    services.decide(p, "held", "documents", note="Envie a nota fiscal · 请提供发票")
    services.decide(a, "held", "valuation")
    services.decide(b, "cleared")
    services.answer_request(
        BuyerRequest.objects.get(case__parcel=a), value="125.90", text="Fatura anexada"
    )
    return {**world, "manifest": manifest}


def test_the_desk_pages_in_three_languages_at_both_widths(browser, live_server, desk):
    gw, s10 = desk["gateway"].iata, desk["parcel"].s10
    pages = {
        "desk": f"/clearance/{gw}/",
        "manifest": f"/clearance/{gw}/manifests/{desk['manifest'].pk}/",
        "case": f"/clearance/{gw}/parcels/{s10}/",
        "upload": f"/clearance/{gw}/upload/",
        "dashboard": f"/clearance/{gw}/dashboard/",
    }
    for locale, (lang, heading) in DESK_LANGUAGES.items():
        context, page = session(browser, live_server.url, desk["officer"].username, locale)
        for name, path in pages.items():
            assert page.goto(live_server.url + path).status == 200, path
            assert page.locator("html").get_attribute("lang") == lang, (locale, path)
            if name == "desk":
                assert heading in page.locator("h1").inner_text()
            look(page, f"{name}-{locale}")
        context.close()


def test_the_buyers_request_panel_at_both_widths(browser, live_server, desk):
    context, page = session(browser, live_server.url, desk["buyer"].username, "pt-BR")
    page.goto(live_server.url + f"/orders/{desk['order'].number}/")
    panel = page.locator('[data-testid="customs-requests"]')
    assert panel.is_visible() and "请提供发票" in panel.inner_text()
    look(page, "buyer-request")
    context.close()


def test_a_scan_with_customs_figures_records_them_and_empties_the_fields(
    browser, live_server, desk
):
    """The officer types customs' amounts, scans the parcel: the scan is recorded with its
    assessment, the amounts are emptied for the next parcel (the decision stays), and the
    parcel's page shows the figures beside what the buyer paid."""
    from caravana.duties.models import DutyAssessment
    from caravana.payments import ledger

    gw, s10 = desk["gateway"].iata, desk["parcel"].s10
    paid = ledger.collected_by_tax(desk["order"])
    context, page = session(browser, live_server.url, desk["officer"].username, "pt-BR")
    page.goto(live_server.url + f"/clearance/{gw}/")
    page.select_option('[data-testid="outcome"]', "released")
    page.fill('[data-testid="assessed-ii"]', str(paid["ii"]).replace(".", ","))
    page.fill('[data-testid="assessed-icms"]', str(paid["icms"] + 1))
    look(page, "desk-assessed-pt-BR")
    page.fill("#scan", s10)
    page.press("#scan", "Enter")
    page.wait_for_selector("#scans > li.scan-ok")
    # emptied once htmx has settled the answer (scanner.js), a moment after it is swapped in
    expect(page.locator('[data-testid="assessed-ii"]')).to_have_value("")
    assert page.input_value('[data-testid="outcome"]') == "released"
    assessed = DutyAssessment.objects.get(parcel=desk["parcel"])
    assert assessed.difference_total == 1 and assessed.source == f"desk {gw}"
    page.goto(live_server.url + f"/clearance/{gw}/parcels/{s10}/")
    table = page.locator('[data-testid="assessment"]')
    assert str(assessed.assessed_total).replace(".", ",") in table.inner_text()
    look(page, "case-assessed-pt-BR")
    context.close()
