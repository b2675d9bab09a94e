"""What the back-office page tests share: a logged-in browser context in a language, and the
look at both widths the project promises (1366 px and 390 px, nothing sticking out sideways)."""

from __future__ import annotations

from pathlib import Path

from tests import factories as f
from tests.browser.axe import overflow, settle, sticking_out


def session(browser, base: str, username: str, locale: str):
    """A new context in `locale` (the Accept-Language the page is read in), logged in."""
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    return context, page


def look(page, name: str, shots: str = "") -> None:
    """Both widths fit without sideways scroll; with `shots` naming a folder, each width is
    saved there as `<name>-<width>.png`. The page is left at 1366 px."""
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        settle(page)
        assert overflow(page) <= 0, (name, width, sticking_out(page))
        if shots:
            page.screenshot(path=str(Path(shots) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
