"""The handover at GRU in a real Chromium: an officer opens Correios's manifest, scans a bag
(refused: customs holds one of its parcels), then parcels by keyboard (the carrier's number
shows, a rescan changes nothing), hands it over, and every page reads in es, pt-BR and en at
1366 px and 390 px without anything sticking out. With HANDOVER_SCREENSHOTS naming a folder,
every page goes there as a PNG."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from caravana.handover.models import HandoverManifest
from caravana.tracking.models import TrackingEvent
from tests.browser.pages import look as look_at_both_widths
from tests.browser.pages import session
from tests.handover.conftest import gru, market, world  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("HANDOVER_SCREENSHOTS", "")
LANGUAGES = {
    "es-ES": ("es", "Entrega a transportistas"),
    "pt-BR": ("pt-br", "Entrega às transportadoras"),
    "en-US": ("en", "Handover to carriers"),
}


def look(page, name: str) -> None:
    look_at_both_widths(page, f"handover-{name}", SHOTS)


def scan(page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_scan_flow_and_pages_in_three_languages(browser, live_server, gru):  # noqa: F811
    gw, carrier = gru["gateway"].iata, gru["carrier"]
    parcel, other = gru["released"]
    context, page = session(browser, live_server.url, gru["officer"].username, "en-US")
    page.goto(live_server.url + "/handover/")
    expect(page).to_have_url(re.compile(rf"/handover/{gw}/$"))
    look(page, "gateway-en-US")
    page.locator(f'tr[data-carrier="{carrier.code}"] [data-testid=open]').click()
    expect(page).to_have_url(re.compile(r"/manifests/\d+/$"))
    box, status = page.locator("[data-scan-input]"), page.locator("#scan-status")
    expect(box).to_be_focused()

    scan(page, parcel.bag.identifier)  # the bag holds parcels customs has not let go
    expect(status).to_have_class(re.compile("scan-err"))
    expect(status).to_contain_text(gru["held"].s10)
    expect(box).to_be_focused()

    scan(page, parcel.s10)
    expect(status).to_have_class(re.compile("scan-ok"))
    expect(status).to_contain_text("QA000000014BR")
    expect(page.locator("#manifest-summary")).to_contain_text("1 parcel")
    scan(page, parcel.s10)
    expect(status).to_have_class(re.compile("scan-warn"))
    scan(page, other.s10)
    expect(status).to_contain_text("QA000000028BR")
    expect(page.locator("#manifest-summary")).to_contain_text("2 parcels")
    page.reload()
    expect(page.locator("[data-testid=number]")).to_have_count(2)
    look(page, "manifest-open-en-US")
    page.locator("[data-testid=close]").click()
    expect(page.locator("[data-testid=summary]")).to_contain_text("Handed over")
    assert TrackingEvent.objects.filter(code="EMF").count() == 2
    manifest = HandoverManifest.objects.get()
    context.close()

    for locale, (lang, heading) in LANGUAGES.items():
        context, page = session(browser, live_server.url, gru["officer"].username, locale)
        for name, path in {
            "gateway": f"/handover/{gw}/",
            "manifest": f"/handover/{gw}/manifests/{manifest.pk}/",
        }.items():
            assert page.goto(live_server.url + path).status == 200
            assert page.locator("html").get_attribute("lang") == lang
            if name == "gateway":
                assert heading in page.locator("h1").inner_text()
            look(page, f"{name}-{locale}")
        context.close()
