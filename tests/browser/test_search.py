"""Search that forgives, in a real Chromium: a misspelt word finds the products with "showing
results for …"; the search box's suggestions open after two letters and are used with the
keyboard alone. The screenshot run (make screenshots) writes docs/screenshots/search-*.png of
both at 1366 and 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from caravana.catalog import landed, vocabulary
from tests import factories as f
from tests.browser.axe import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _choose(page, url, country="MX"):
    page.goto(url + "/country/")
    page.locator(f'button[data-country="{country}"]').click()


@pytest.fixture
def catalogue():
    f.fx_rates()
    audio = f.category("audio", name_es="Audio")
    s = f.store()
    items = [
        f.product(s, cat=audio, title_es=f"Audífonos Bluetooth {n}", title_pt_br=f"Fone {n}")
        for n in range(3)
    ]
    landed.refresh()
    vocabulary.refresh()
    return items


def test_typo_search_and_keyboard_suggestions(live_server, page, catalogue):
    url = live_server.url
    _choose(page, url)
    page.goto(url + "/search/?q=audifnos")
    expect(page.get_by_test_id("corrected")).to_contain_text("audifonos")
    expect(page.locator(".card")).to_have_count(3)
    page.get_by_test_id("search-exact").click()
    expect(page.get_by_test_id("empty-results")).to_be_visible()
    expect(page.get_by_test_id("try-corrected")).to_have_text("audifonos")

    box = page.locator("input[data-suggest]")
    box.fill("")
    box.press_sequentially("au")
    listbox = page.locator("#search-suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    assert violations(page) == []
    box.press("Escape")
    expect(listbox).to_be_hidden()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/search/?q=audifonos")
    expect(page.locator(".card")).to_have_count(3)


@pytest.mark.screenshots
def test_screenshots_of_search(live_server, page, media_root):
    call_command("seed", scale="test", no_progress=True, verbosity=0)
    url = live_server.url
    _choose(page, url, "BR")
    problems: list[str] = []
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        page.goto(url + "/search/?q=fonne")
        expect(page.get_by_test_id("corrected")).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=SHOTS / f"search-typo-{width}.png")
        problems += [f"typo [{width}]: {v}" for v in violations(page)]
        box = page.locator("input[data-suggest]")
        box.fill("")
        box.press_sequentially("ca")
        expect(page.locator("#search-suggestions")).to_be_visible()
        box.press("ArrowDown")
        page.screenshot(path=SHOTS / f"search-suggestions-{width}.png")
        problems += [f"suggestions [{width}]: {v}" for v in violations(page)]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert problems == []
