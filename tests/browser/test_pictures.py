"""Product pictures in a real Chromium: picking a colour shows that variant's main picture;
the merchant makes another picture the main one in the console's picture editor. The
screenshot run (make screenshots) seeds the test catalogue's drawn pictures and writes
docs/screenshots/pictures-*.png of home, search, a product page and the editor at 1366 and
390 px."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from caravana.accounts.models import Role, User
from caravana.catalog import landed, services
from caravana.catalog.models import Product
from caravana.catalog.seeding.reference import DEMO_PASSWORD
from tests import factories as f
from tests.browser.axe import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _upload(colour: str) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (400, 400), colour).save(buf, "PNG")
    return SimpleUploadedFile("x.png", buf.getvalue())


def _choose(page, url, country="BR"):
    page.goto(url + "/country/")
    page.locator(f'button[data-country="{country}"]').click()


def _login(page, url, user, password=f.PASSWORD):
    page.goto(url + "/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").last.click()


@pytest.fixture
def pictured(media_root):
    f.fx_rates()
    staff = f.user(Role.MERCHANT)
    m = f.merchant(staff=staff)
    p = f.product(f.store(m), title_en="Ceramic mug")
    red = p.variants.get()
    services.update_variant(red, {"options": {"colour": "Red"}})
    blue = f.variant(p, price="110.00", options={"colour": "Blue"})
    services.add_image(p, _upload("red"), red)
    services.add_image(p, _upload("blue"), blue)
    landed.refresh()
    return p, blue, staff


def test_picking_a_variant_shows_its_picture_and_the_console_sets_the_main_one(
    live_server, page, pictured
):
    p, blue, staff = pictured
    url = live_server.url
    _choose(page, url)
    page.goto(f"{url}/p/{p.pk}/")
    main = page.get_by_test_id("main-picture").locator("img")
    first_src = main.get_attribute("src")
    page.locator(f'button[data-variant="{blue.pk}"]').click()
    expect(page.locator(f'button[data-variant="{blue.pk}"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    assert main.get_attribute("src") != first_src
    # The new source loads after the click: wait for it (a loaded machine is slow to decode).
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-main-picture] img');"
        " return i.complete && i.naturalWidth > 0; }",
        timeout=10_000,
    )
    blue_image = p.images.get(variant=blue)
    assert main.get_attribute("src").endswith(blue_image.image.name.rsplit(".", 1)[0] + "-480.jpg")
    # The console: the blue picture becomes the main one.
    page.context.clear_cookies()
    _login(page, url, staff)
    page.goto(f"{url}/console/products/{p.pk}/#pictures")
    editor = page.get_by_test_id("picture-editor")
    editor.locator(f'li[data-image="{blue_image.pk}"]').get_by_test_id("set-main").click()
    expect(editor.locator("li").first).to_have_attribute("data-image", str(blue_image.pk))
    assert Product.objects.get(pk=p.pk).images.first().pk == blue_image.pk
    problems = violations(page)
    assert not problems, problems


@pytest.mark.screenshots
def test_screenshots_of_the_pictures(live_server, page, media_root):
    call_command("seed", scale="test", no_progress=True, verbosity=0)
    url = live_server.url
    _choose(page, url)
    merchant_user = User.objects.get(username="merchant")
    mine = Product.objects.filter(store__merchant__members__user=merchant_user)
    # A product with several colours, to show the option picker.
    product = max(mine.order_by("pk")[:20], key=lambda p: p.variants.count())
    problems: list[str] = []
    for name, path in (
        ("home", "/"),
        ("search", "/search/?q=fone"),
        ("product", f"/p/{product.pk}/"),
    ):
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
            page.goto(url + path)
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_load_state("networkidle")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=SHOTS / f"pictures-{name}-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            problems += [f"{name} [{width}]: {v}" for v in violations(page)]
    page.context.clear_cookies()
    _login(page, url, merchant_user, DEMO_PASSWORD)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
        page.goto(f"{url}/console/products/{product.pk}/")
        page.locator("#pictures").scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        page.locator("#pictures").screenshot(path=SHOTS / f"pictures-console-{width}.png")
        problems += [f"console [{width}]: {v}" for v in violations(page)]
    assert not problems, problems
