"""Product pictures: the seed draws them (one per kind, colour and view, shared), every stored
picture has its thumbnails beside it, merchants reorder, set the main one, show one for a
variant and delete, only on their own products, in the console and the API; listings read
the main picture in the cards' one query."""

import io
import json
import random

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image, ImageStat

from caravana.accounts import services as accounts
from caravana.accounts.models import Role
from caravana.catalog import landed, services, thumbnails
from caravana.catalog.models import Product, ProductImage
from caravana.catalog.seeding import pictures, vocab
from tests import factories as f

pytestmark = pytest.mark.django_db


def upload(colour="orange", size=(600, 400), fmt="JPEG"):
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, fmt)
    return SimpleUploadedFile("x.jpg", buf.getvalue())


def test_every_kind_the_seed_writes_has_its_own_drawing():
    kinds = {k[2] for leaf in vocab.LEAVES for k in leaf.kinds}
    assert kinds <= set(pictures.KIND_DRAWERS)


def test_a_picture_is_the_same_for_the_same_seed_and_takes_the_variants_colour():
    a = pictures.draw("Matte lipstick", pictures.COLOURS["red"], random.Random("x"))
    b = pictures.draw("Matte lipstick", pictures.COLOURS["red"], random.Random("x"))
    assert a.size == (pictures.SIDE, pictures.SIDE) and a.tobytes() == b.tobytes()
    red = pictures.draw("Hoodie", pictures.COLOURS["red"], random.Random("y"))
    blue = pictures.draw("Hoodie", pictures.COLOURS["blue"], random.Random("y"))
    r_mean, b_mean = ImageStat.Stat(red).mean, ImageStat.Stat(blue).mean
    assert r_mean[0] - r_mean[2] > b_mean[0] - b_mean[2]
    assert pictures.colour_of({"shade": "05 Ruby"}) == pictures.COLOURS["ruby"]


def test_the_seed_gives_every_product_two_pictures_and_one_per_colour(media_root):
    call_command("seed", scale="test", no_progress=True, verbosity=0)
    products = Product.objects.prefetch_related("images", "variants")
    assert products.count() == 30
    names = set()
    for p in products:
        images = list(p.images.all())
        assert len(images) >= 2, p
        assert [i.position for i in images] == list(range(len(images)))
        for v in p.variants.all():
            assert any(i.variant_id == v.pk for i in images), v
        names.update(i.image.name for i in images)
    for name in names:
        assert default_storage.exists(name)
        for w in thumbnails.WIDTHS:
            for ext, _ in thumbnails.FORMATS:
                assert default_storage.exists(thumbnails.thumb_name(name, w, ext))
    # Different kinds and colours: a page of them is not one picture repeated.
    assert len(names) > 40


def test_an_upload_has_its_thumbnails_written_once(media_root):
    p = f.product()
    img = services.add_image(p, upload(size=(600, 400)))
    name = img.image.name
    with default_storage.open(thumbnails.thumb_name(name, 240, "webp")) as fh:
        small = Image.open(fh)
        assert small.format == "WEBP" and small.size == (240, 160)
    with default_storage.open(thumbnails.thumb_name(name, 960, "jpg")) as fh:
        assert Image.open(fh).size == (600, 400)  # never enlarged


def test_reorder_main_variant_and_delete_keep_positions_dense(media_root):
    p = f.product()
    v = p.variants.get()
    a, b, c = (services.add_image(p, upload(col)) for col in ("red", "green", "blue"))
    services.set_main_image(c)
    assert list(p.images.values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]
    services.move_image(ProductImage.objects.get(pk=c.pk), 2)
    assert list(p.images.values_list("pk", flat=True)) == [a.pk, b.pk, c.pk]
    services.set_image_variant(b, v)
    assert ProductImage.objects.get(pk=b.pk).variant_id == v.pk
    other = f.product()
    with pytest.raises(Exception) as exc:
        services.set_image_variant(a, other.variants.get())
    assert "variant" in exc.value.message_dict
    with pytest.raises(Exception) as exc:
        services.move_image(a, 9)
    assert "position" in exc.value.message_dict
    services.delete_image(ProductImage.objects.get(pk=a.pk))
    assert list(p.images.values_list("position", flat=True)) == [0, 1]
    assert not default_storage.exists(a.image.name)
    assert not default_storage.exists(thumbnails.thumb_name(a.image.name, 240, "webp"))


def test_a_shared_file_stays_until_its_last_picture_goes(media_root):
    p, q = f.product(), f.product()
    mine = services.add_image(p, upload())
    theirs = ProductImage.objects.create(product=q, image=mine.image.name, width=600, height=400)
    services.delete_image(mine)
    assert default_storage.exists(theirs.image.name)


@pytest.fixture
def merchant_console(media_root):
    staff = f.user(Role.MERCHANT)
    m = f.merchant(staff=staff)
    c = Client()
    c.force_login(staff)
    c.product = f.product(f.store(m))
    return c


def test_console_upload_reorder_main_variant_delete(merchant_console):
    c, p = merchant_console, merchant_console.product
    v = p.variants.get()
    url = f"/console/products/{p.pk}/images/"
    assert c.post(url, {"image": upload("red")}).status_code == 302
    assert c.post(url, {"image": upload("blue"), "variant": v.pk}).status_code == 302
    first, second = p.images.all()
    assert second.variant_id == v.pk
    r = c.post(f"/console/images/{second.pk}/", {"action": "main"})
    assert r.status_code == 302 and r["Location"].endswith("#pictures")
    assert p.images.first().pk == second.pk
    c.post(f"/console/images/{second.pk}/", {"action": "down"})
    assert p.images.first().pk == first.pk
    c.post(f"/console/images/{second.pk}/", {"action": "variant", "variant": ""})
    assert ProductImage.objects.get(pk=second.pk).variant_id is None
    page = c.get(f"/console/products/{p.pk}/").content.decode()
    assert 'data-testid="picture-editor"' in page and ".webp" in page
    c.post(f"/console/images/{first.pk}/", {"action": "delete"})
    assert list(p.images.values_list("pk", flat=True)) == [second.pk]


def test_console_refuses_a_file_that_is_not_an_image_naming_the_field(merchant_console):
    c, p = merchant_console, merchant_console.product
    bad = SimpleUploadedFile("notes.jpg", b"not an image at all")
    r = c.post(f"/console/products/{p.pk}/images/", {"image": bad})
    assert r.status_code == 422
    assert "JPEG, PNG or WebP" in " ".join(r.context["image_form"].errors["image"])
    assert not p.images.exists()


def test_another_merchants_picture_is_404_in_the_console(merchant_console, media_root):
    theirs = services.add_image(f.product(), upload())
    r = merchant_console.post(f"/console/images/{theirs.pk}/", {"action": "delete"})
    assert r.status_code == 404
    assert ProductImage.objects.filter(pk=theirs.pk).exists()


@pytest.fixture
def api(media_root):
    staff = f.user(Role.MERCHANT)
    m = f.merchant(staff=staff)
    _token, secret = accounts.create_token(staff, "erp")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    c.product = f.product(f.store(m))
    return c


def test_api_uploads_lists_moves_and_deletes_pictures(api):
    p = api.product
    v = p.variants.get()
    base = f"/api/v1/merchant/products/{p.pk}/images"
    r = api.post(base, {"image": upload("red")})
    assert r.status_code == 201, r.content
    r = api.post(base, {"image": upload("blue"), "variant": v.pk})
    assert r.status_code == 201 and r.json()["variant"] == v.pk
    assert r.json()["thumbnails"]["240.webp"].endswith("-240.webp")
    second = r.json()["id"]
    r = api.patch(
        f"/api/v1/merchant/images/{second}", json.dumps({"position": 0}), "application/json"
    )
    assert r.status_code == 200 and r.json()["position"] == 0
    listed = api.get(base).json()
    assert [i["id"] for i in listed][0] == second
    bad = api.post(base, {"image": upload(), "variant": f.product().variants.get().pk})
    assert bad.status_code == 422 and "variant" in bad.content.decode()
    assert api.delete(f"/api/v1/merchant/images/{second}").status_code == 204
    assert [i["id"] for i in api.get(base).json()] != [second]


def test_api_hides_another_merchants_pictures(api, media_root):
    theirs = services.add_image(f.product(), upload())
    assert api.delete(f"/api/v1/merchant/images/{theirs.pk}").status_code == 404
    assert api.get(f"/api/v1/merchant/products/{theirs.product_id}/images").status_code == 404


def _home_queries(c) -> tuple[int, str]:
    c.get("/")
    with CaptureQueriesContext(connection) as q:
        r = c.get("/")
    assert r.status_code == 200
    return len(q), r.content.decode()


def test_cards_bring_their_main_picture_without_a_query_per_card(media_root, settings):
    # the books' and the promise's freshness checks (every 2 s) out of the count
    settings.PRICING_BOOKS_CHECK_SECONDS = settings.PROMISE_CHECK_SECONDS = 3600
    f.fx_rates()
    s = f.store()
    products = [f.product(s, title_en=f"Mug {i}") for i in range(8)]
    landed.refresh()
    c = Client()
    c.post("/country/", {"country": "BR"})
    before, _html = _home_queries(c)
    for p in products:
        services.add_image(p, upload())
        services.add_image(p, upload("blue"))
    landed.refresh()
    after, html = _home_queries(c)
    assert after == before
    assert html.count('<source type="image/webp"') == 8
    assert 'width="240" height="240"' in html
    assert html.count('loading="eager"') == 6 and html.count('loading="lazy"') >= 2


def test_product_page_shows_pictures_and_each_variants_main_one(media_root):
    f.fx_rates()
    p = f.product()
    v1 = p.variants.get()
    v2 = f.variant(p, price="120.00", options={"colour": "Blue"})
    services.add_image(p, upload("red"), v1)
    blue = services.add_image(p, upload("blue"), v2)
    c = Client()
    c.post("/country/", {"country": "BR"})
    html = c.get(f"/p/{p.pk}/").content.decode()
    assert 'data-testid="main-picture"' in html and 'type="image/webp"' in html
    assert f'data-variant="{v2.pk}"' in html
    assert thumbnails.thumb_name(blue.image.name, 480, "webp").rsplit("/", 1)[1] in html


def test_make_thumbnails_writes_what_an_older_picture_lacks(media_root):
    p = f.product()
    img = services.add_image(p, upload())
    small = thumbnails.thumb_name(img.image.name, 240, "webp")
    default_storage.delete(small)
    out = io.StringIO()
    call_command("make_thumbnails", stdout=out)
    assert default_storage.exists(small) and "1 pictures" in out.getvalue()
