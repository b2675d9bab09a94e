"""Uploads through the merchant console: product images and store logos are re-encoded under a
generated name and served as images; bombs and oversized files are form errors on the field."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from caravana.accounts.models import Role
from caravana.catalog.models import ProductImage, Store
from tests import factories as f
from tests.imagefiles import SCRIPT, image_bytes, png_header, poly_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(media_root):
    staff = f.user(Role.MERCHANT)
    m = f.merchant(staff=staff)
    f.store(m, slug="mine")
    c = Client()
    c.force_login(staff)
    c.merchant = m
    return c


def test_polyglot_product_image_is_stored_as_png_and_served_as_one(staff_client, settings):
    assert settings.DEBUG is False
    p = f.product(staff_client.merchant.stores.get())
    r = staff_client.post(f"/console/products/{p.pk}/images/", {"image": poly_upload()})
    assert r.status_code == 302
    img = ProductImage.objects.get(product=p)
    name = img.image.name
    assert name.startswith("products/") and name.endswith(".png") and "poly" not in name
    with default_storage.open(name) as fh:
        stored = fh.read()
    assert stored.startswith(b"\x89PNG") and SCRIPT not in stored
    r = Client().get(img.image.url)
    assert r.status_code == 200
    assert r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("inline")
    assert "sandbox" in r["Content-Security-Policy"]
    assert b"".join(r.streaming_content) == stored
    page = staff_client.get(f"/console/products/{p.pk}/")
    assert img.image.url.encode() in page.content


def test_a_png_claiming_30000_by_30000_pixels_is_a_form_error(staff_client):
    p = f.product(staff_client.merchant.stores.get())
    bomb = SimpleUploadedFile("bomb.png", png_header(30000, 30000), content_type="image/png")
    r = staff_client.post(f"/console/products/{p.pk}/images/", {"image": bomb})
    assert r.status_code == 422
    assert "6000 pixels on a side" in " ".join(r.context["image_form"].errors["image"])
    assert not ProductImage.objects.exists()


def test_a_logo_over_the_limit_is_a_form_error(staff_client, settings):
    big = image_bytes("PNG", (200, 200)) + b"\0" * settings.IMAGE_MAX_BYTES
    r = staff_client.post(
        "/console/stores/new/",
        {"name": "Big logo", "slug": "big-logo", "logo": SimpleUploadedFile("logo.png", big)},
    )
    assert r.status_code == 422
    assert "at most 5 MB" in " ".join(r.context["form"].errors["logo"])
    assert not Store.objects.filter(slug="big-logo").exists()


def test_a_polyglot_logo_is_stored_reencoded_under_a_generated_name(staff_client):
    r = staff_client.post(
        "/console/stores/new/",
        {"name": "Poly", "slug": "poly", "logo": poly_upload()},
    )
    assert r.status_code == 302
    logo = Store.objects.get(slug="poly").logo
    assert logo.name.startswith("logos/") and logo.name.endswith(".png")
    assert "poly" not in logo.name.rsplit("/", 1)[1]
    with default_storage.open(logo.name) as fh:
        assert SCRIPT not in fh.read()
    r = Client().get(logo.url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    dashboard = staff_client.get("/console/stores/")
    assert logo.url.encode() in dashboard.content


def test_a_store_without_a_logo_is_still_fine(staff_client):
    r = staff_client.post("/console/stores/new/", {"name": "Plain", "slug": "plain"})
    assert r.status_code == 302
    assert not Store.objects.get(slug="plain").logo
