"""catalog.images: every upload is re-encoded by Pillow under a generated name, and bombs and
oversized files are refused with an error naming the field."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from caravana.catalog.images import CleanImage, clean_image
from caravana.catalog.models import ProductImage
from tests import factories as f
from tests.imagefiles import SCRIPT, image_bytes, png_header, poly_upload


def refused(upload, field="image") -> str:
    with pytest.raises(ValidationError) as exc:
        clean_image(upload, field=field)
    assert list(exc.value.message_dict) == [field]
    return " ".join(exc.value.message_dict[field])


def test_polyglot_is_reencoded_under_a_generated_png_name():
    clean = clean_image(poly_upload())
    assert isinstance(clean, CleanImage)
    assert clean.name.endswith(".png") and "poly" not in clean.name
    assert len(clean.name) == 32 + len(".png")
    data = clean.read()
    assert SCRIPT not in data and b"<html" not in data
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG" and img.size == (200, 120)
    assert clean.content_type == "image/png"


@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_extension_is_the_decoded_format_not_the_clients(fmt, ext):
    clean = clean_image(SimpleUploadedFile("photo.png.exe", image_bytes(fmt)))
    assert clean.name.endswith(f".{ext}")
    assert Image.open(io.BytesIO(clean.read())).format == fmt


def test_metadata_is_stripped_and_orientation_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010E] = "<script>x</script>"  # ImageDescription
    raw = image_bytes("JPEG", (300, 150), exif=exif.tobytes(), comment=b"<script>c</script>")
    before = Image.open(io.BytesIO(raw))
    assert before.info.get("comment") and before.getexif()
    clean = clean_image(SimpleUploadedFile("a.jpg", raw))
    data = clean.read()
    assert b"<script>" not in data
    after = Image.open(io.BytesIO(data))
    assert after.size == (150, 300) == (clean.width, clean.height)
    assert not after.getexif() and "comment" not in after.info


def test_an_icc_profile_is_applied_and_dropped():
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for fmt in ("JPEG", "PNG", "WEBP"):
        raw = image_bytes(fmt, icc_profile=icc)
        assert Image.open(io.BytesIO(raw)).info.get("icc_profile")
        clean = clean_image(SimpleUploadedFile("a", raw))
        assert "icc_profile" not in Image.open(io.BytesIO(clean.read())).info


def test_png_text_chunks_are_dropped():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert(2)</script>")
    raw = image_bytes("PNG", pnginfo=info)
    assert b"<script>" in raw
    assert b"<script>" not in clean_image(SimpleUploadedFile("a.png", raw)).read()


@pytest.mark.parametrize(
    ("mode", "fmt", "out_mode"),
    [("CMYK", "JPEG", "RGB"), ("P", "PNG", "RGB"), ("RGBA", "PNG", "RGBA"), ("1", "PNG", "RGB")],
)
def test_modes_are_converted_to_what_browsers_show(mode, fmt, out_mode):
    clean = clean_image(SimpleUploadedFile("a", image_bytes(fmt, mode=mode)))
    assert Image.open(io.BytesIO(clean.read())).mode == out_mode


def test_a_png_claiming_30000_pixels_a_side_is_refused_from_its_header():
    msg = refused(SimpleUploadedFile("bomb.png", png_header(30000, 30000)))
    assert "6000 pixels on a side" in msg


@pytest.mark.parametrize("size", [(7000, 7000), (6001, 200), (200, 50_000)])
def test_too_many_pixels_or_too_long_a_side(size):
    assert "pixels on a side" in refused(SimpleUploadedFile("b.png", png_header(*size)))


def test_too_small():
    assert "at least 100 pixels" in refused(SimpleUploadedFile("s.png", image_bytes(size=(50, 50))))


def test_over_the_byte_limit_is_refused_by_its_size(settings):
    settings.IMAGE_MAX_BYTES = 10_000
    big = SimpleUploadedFile("big.png", b"\0" * 10_001)
    assert "at most" in refused(big, field="logo")


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        image_bytes("GIF"),
        image_bytes("BMP"),
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n",
        b"",
    ],
)
def test_anything_but_jpeg_png_webp_is_refused(data):
    assert "JPEG, PNG or WebP" in refused(SimpleUploadedFile("x.png", data))


def test_a_truncated_image_is_refused():
    raw = image_bytes("PNG", (400, 400))
    msg = refused(SimpleUploadedFile("t.png", raw[: len(raw) // 2]))
    assert "damaged" in msg


@pytest.mark.django_db
def test_the_model_field_cleans_a_raw_file_whatever_path_it_came_by(settings, tmp_path):
    """Admin or shell: a file assigned straight to the field is still re-encoded on save."""
    settings.MEDIA_ROOT = tmp_path
    p = f.product()
    row = ProductImage.objects.create(product=p, image=poly_upload())
    assert row.image.name.startswith("products/") and row.image.name.endswith(".png")
    assert "poly" not in row.image.name
    with default_storage.open(row.image.name) as fh:
        assert SCRIPT not in fh.read()
    with pytest.raises(ValidationError) as exc:
        ProductImage.objects.create(product=p, image=SimpleUploadedFile("b.png", b"nope"))
    assert "image" in exc.value.message_dict


def test_an_upload_past_the_limit_is_dropped_while_it_streams(settings):
    """The multipart parser with our handlers: the big file arrives empty, with its size."""
    from django.http.multipartparser import MultiPartParser
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
    from django.utils.module_loading import import_string

    settings.IMAGE_MAX_BYTES = 100_000
    small = image_bytes("PNG")
    body = encode_multipart(
        BOUNDARY,
        {
            "logo": SimpleUploadedFile("big.png", small + b"\0" * 300_000),
            "image": SimpleUploadedFile("small.png", small),
            "name": "after the big file",
        },
    )
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    handlers = [import_string(h)() for h in settings.FILE_UPLOAD_HANDLERS]
    post, files = MultiPartParser(meta, io.BytesIO(body), handlers).parse()
    assert post["name"] == "after the big file"
    assert files["logo"].size == len(small) + 300_000 and files["logo"].read() == b""
    assert "at most" in refused(files["logo"], field="logo")
    assert files["image"].read() == small
    assert clean_image(files["image"]).width == 200
