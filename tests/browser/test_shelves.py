"""Recently viewed and the wishlist in a real Chromium: an anonymous buyer's views show on the
home page; the heart asks them to log in and brings them back with the product saved; the
views follow them into their account; hearts on cards save and remove in place (htmx); the
wishlist page lists what they saved. axe checks the home, product and wishlist pages. The
screenshot run (make screenshots) writes docs/screenshots/shelves-*.png: the home page, a
product page with reviews and "bought together", a store page with its reputation."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count
from playwright.sync_api import expect

from caravana.catalog import landed
from caravana.catalog.models import Product, Store
from caravana.reviews.demo import seed_demo_reviews
from caravana.shelves.demo import seed_baskets
from caravana.shelves.models import BoughtTogether, WishlistItem
from tests import factories as f
from tests.browser.axe import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def products():
    f.fx_rates()
    s = f.store()
    made = [f.product(s, title_en=t, stock=20) for t in ("Ceramic mug", "Desk lamp", "Kettle")]
    landed.refresh()
    return made


def _problems(page, name: str) -> list[str]:
    return [f"{name}: {v}" for v in violations(page)]


def test_recently_viewed_and_the_wishlist_through_a_login(live_server, page, products):
    mug, lamp, _kettle = products
    buyer = f.user(username="ana", email="ana@example.com")
    url = live_server.url
    page.goto(url + "/country/")
    page.locator('button[data-country="BR"]').click()
    page.goto(f"{url}/p/{mug.pk}/")
    page.goto(f"{url}/p/{lamp.pk}/")
    page.goto(url + "/")
    recent = page.get_by_test_id("recently-viewed")
    expect(recent.locator("a.card")).to_have_count(2)
    expect(recent.locator("a.card").first).to_have_attribute("data-product", str(lamp.pk))
    problems = _problems(page, "home")
    # The heart on the mug's page: log in first, then back on the page with it saved.
    page.goto(f"{url}/p/{mug.pk}/")
    page.locator(".title-row").get_by_test_id("wish").click()
    expect(page).to_have_url(f"{url}/accounts/login/?next=%2Fp%2F{mug.pk}%2F")
    page.fill("input[name=username]", buyer.username)
    page.fill("input[name=password]", f.PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    expect(page).to_have_url(f"{url}/p/{mug.pk}/")
    expect(page.locator(".title-row").get_by_test_id("wish")).to_have_attribute(
        "aria-pressed", "true"
    )
    problems += _problems(page, "product")
    # The views made anonymously are the account's now; a card's heart saves in place.
    page.goto(url + "/")
    recent = page.get_by_test_id("recently-viewed")
    expect(recent.locator("a.card").first).to_have_attribute("data-product", str(mug.pk))
    heart = recent.locator(f'.card-wrap:has(a[data-product="{lamp.pk}"])').get_by_test_id("wish")
    heart.click()
    expect(
        recent.locator(f'.card-wrap:has(a[data-product="{lamp.pk}"])').get_by_test_id("wish")
    ).to_have_attribute("aria-pressed", "true")
    assert page.url == url + "/"  # no page load: htmx swapped the button
    page.get_by_test_id("account-link").first.click()
    page.get_by_test_id("account-wishlist-link").click()
    saved = page.get_by_test_id("wishlist")
    expect(saved.locator("a.card")).to_have_count(2)
    problems += _problems(page, "wishlist")
    saved.locator(f'.card-wrap:has(a[data-product="{mug.pk}"])').get_by_test_id("wish").click()
    expect(
        saved.locator(f'.card-wrap:has(a[data-product="{mug.pk}"])').get_by_test_id("wish")
    ).to_have_attribute("aria-pressed", "false")
    assert list(WishlistItem.objects.values_list("product_id", flat=True)) == [lamp.pk]
    assert not problems, problems


@pytest.mark.screenshots
def test_screenshots_of_the_shelves(live_server, page, media_root, settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    call_command("seed", scale="test", no_progress=True, verbosity=0)
    seed_demo_reviews(limit=3)
    seed_baskets()
    url = live_server.url
    page.goto(url + "/country/")
    page.locator('button[data-country="BR"]').click()
    together = set(BoughtTogether.objects.values_list("product_id", flat=True))
    product = (
        Product.objects.filter(pk__in=together)
        .annotate(n=Count("reviews"))
        .order_by("-n", "pk")
        .first()
    )
    assert product is not None, "no product bought together"
    store = Store.objects.get(pk=product.store_id)
    for other in BoughtTogether.objects.filter(product=product).values_list("other_id", flat=True):
        page.goto(f"{url}/p/{other}/")  # so the home page has recently viewed products
    problems: list[str] = []
    for name, path in (
        ("home", "/"),
        ("product", f"/p/{product.pk}/"),
        ("store", f"/s/{store.slug}/"),
    ):
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
            page.goto(url + path)
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_load_state("networkidle")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=SHOTS / f"shelves-{name}-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            problems += _problems(page, f"{name} [{width}]")
    assert not problems, problems
