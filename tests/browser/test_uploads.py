"""Uploaded images show in the console and the storefront, served by the app without DEBUG,
on a wide and a narrow screen; a bomb is an error on the field."""

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from caravana.accounts.models import Role
from tests import factories as f
from tests.imagefiles import SCRIPT, png_header

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def picture(size=(480, 360), fmt="PNG") -> bytes:
    img = Image.new("RGB", size, "#0b6e4f")
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.ellipse((w // 4, h // 6, 3 * w // 4, 5 * h // 6), fill="#f0d36b")
    draw.rectangle((0, 0, w // 5, h), fill="#1d2433")
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def shown(img) -> bool:
    return img.evaluate("el => el.complete && el.naturalWidth > 0")


@pytest.mark.parametrize("width", [1366, 390])
def test_logo_and_product_image_show_in_the_console(live_server, page, media_root, width):
    page.set_viewport_size({"width": width, "height": 900})
    staff = f.user(Role.MERCHANT, username="lihua")
    m = f.merchant(staff=staff)
    product = f.product(f.store(m, slug="huaqiang"), title_en="TWS earphones")

    page.goto(live_server.url + "/accounts/login/?next=/console/stores/new/")
    page.fill("#id_username", "lihua")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/console/stores/new/$"))
    page.fill("#id_name", "Shenzhen Sound")
    page.fill("#id_slug", "shenzhen-sound")
    page.set_input_files(
        "#id_logo", {"name": "logo.html", "mimeType": "text/html", "buffer": picture((240, 240))}
    )
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/console/stores/$"))
    logo = page.locator("img.logo")
    expect(logo).to_have_attribute("src", re.compile(r"^/media/logos/.+\.png$"))
    page.wait_for_load_state("networkidle")
    assert shown(logo)
    page.screenshot(path=f"var/screenshot-console-logo-{width}.png", full_page=True)

    page.goto(f"{live_server.url}/console/products/{product.pk}/")
    page.set_input_files(
        "#id_image",
        {"name": "bomb.png", "mimeType": "image/png", "buffer": png_header(30000, 30000)},
    )
    page.get_by_role("button", name="Upload").click()
    field = page.locator('[data-field="image"]')
    expect(field).to_have_class(re.compile("has-error"))
    expect(field.locator(".errorlist")).to_contain_text("6000 pixels on a side")

    page.set_input_files(
        "#id_image",
        {"name": "poly.html", "mimeType": "text/html", "buffer": picture() + SCRIPT},
    )
    page.get_by_role("button", name="Upload").click()
    expect(page).to_have_url(re.compile(rf"/console/products/{product.pk}/(#pictures)?$"))
    # The editor shows the stored thumbnail (JPEG, made once at upload) and links the original.
    img = page.get_by_test_id("picture-editor").locator("img").first
    expect(img).to_have_attribute("src", re.compile(r"^/media/.+\.jpg$"))
    original = page.get_by_test_id("picture-editor").locator("a").first
    expect(original).to_have_attribute("href", re.compile(r"^/media/products/.+\.png$"))
    page.wait_for_load_state("networkidle")
    assert shown(img)
    img.scroll_into_view_if_needed()
    page.screenshot(path=f"var/screenshot-console-image-{width}.png", full_page=True)

    # The live server answers /media/ itself (Django's test handler): the headers of
    # caravana.media are tested with the test client, the stored bytes here.
    response = page.request.get(live_server.url + original.get_attribute("href"))
    assert response.headers["content-type"] == "image/png"
    assert SCRIPT not in response.body()
    thumbnail = page.request.get(live_server.url + img.get_attribute("src"))
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert SCRIPT not in thumbnail.body()

    # The storefront's store page shows the logo too (the buyer picks a country first).
    page.goto(f"{live_server.url}/country/")
    page.locator('button[data-country="BR"]').click()
    page.goto(f"{live_server.url}/s/shenzhen-sound/")
    store_logo = page.locator("h1 img")
    expect(store_logo).to_have_attribute("src", re.compile(r"^/media/logos/.+\.png$"))
    page.wait_for_load_state("networkidle")
    assert shown(store_logo)
