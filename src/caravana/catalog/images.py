"""Every uploaded image passes through here before it is stored: product images, store logos
and any other image field. We trust decoded pixels, never the client's file name, extension or
content type. The stored file is one Pillow wrote from those pixels, under a random name with
the extension of the format Pillow decoded, so bytes appended to an image (an HTML/script
polyglot), metadata (EXIF with GPS, comments, text chunks) and the client's name never survive.

Bombs are refused before decoding: the byte size before anything is read, the pixel count from
the header (our limit, and Pillow's Image.MAX_IMAGE_PIXELS set to it in CatalogConfig.ready)."""

from __future__ import annotations

import contextlib
import io
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from caravana.catalog.error_codes import CatalogErrorCode
from caravana.errors import field_error

# Pillow format name -> the extension we store under, and the Content-Type it is served with.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
ACCEPT = ",".join(CONTENT_TYPES.values())
MIN_SIDE = 100
MAX_SIDE = 6000
_SRGB = ImageCms.createProfile("sRGB")


class CleanImage(ContentFile):
    """Bytes Pillow wrote from decoded pixels, under a name we chose. Storage backends that
    look at `content_type` (django-storages' S3 takes it over the name) get ours."""

    def __init__(self, data: bytes, *, ext: str, width: int, height: int) -> None:
        super().__init__(data, name=f"{secrets.token_hex(16)}.{ext}")
        self.ext = ext
        self.width = width
        self.height = height
        self.content_type = CONTENT_TYPES[ext]


class SizeCappedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: once an uploaded file passes IMAGE_MAX_BYTES, the rest of
    its bytes are counted and dropped instead of written to a temporary file (the rest of the
    request is still parsed), and the file arrives empty with the size it had, which
    clean_image refuses by its size. A 27 MB logo is never kept whole, in memory or on disk."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        return raw_data if self.received <= settings.IMAGE_MAX_BYTES else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self.received <= settings.IMAGE_MAX_BYTES:
            return None  # the next handler (memory or temporary file) has it all
        return UploadedFile(
            io.BytesIO(), self.file_name, self.content_type, self.received, self.charset
        )


def _refuse(
    field: str, message: str, code: CatalogErrorCode = CatalogErrorCode.INVALID_IMAGE
) -> ValidationError:
    return field_error(field, message, code)


def clean_image(upload: Any, field: str = "image") -> CleanImage:
    """Validate an upload and return it re-encoded. Raises ValidationError naming `field`."""
    if isinstance(upload, CleanImage):
        return upload
    if not isinstance(upload, File):
        upload = File(upload)
    limit = settings.IMAGE_MAX_BYTES
    # The upload handler counted the bytes while streaming them to a temporary file: refuse
    # on that count, before Pillow (or anything) reads the file.
    if upload.size is None or upload.size > limit:
        raise _refuse(
            field,
            _("Images may be at most %(mb)s MB.") % {"mb": f"{limit / 2**20:g}"},
            CatalogErrorCode.IMAGE_TOO_LARGE,
        )
    not_ours = _refuse(field, _("Upload a JPEG, PNG or WebP image; this file is not one."))
    try:
        upload.seek(0)
        # `formats` keeps Pillow from trying any other decoder on the bytes (EPS would even
        # start Ghostscript). Image.open reads only the header; pixels are decoded by load().
        with Image.open(upload, formats=list(settings.IMAGE_FORMATS)) as img:
            fmt = img.format
            width, height = img.size
            _check_dimensions(field, width, height)
            img.load()
            out = _normalised(img, fmt)
    except Image.DecompressionBombError as exc:
        # Pillow refuses past twice MAX_IMAGE_PIXELS while reading the header.
        raise _too_many_pixels(field) from exc
    except UnidentifiedImageError as exc:
        raise not_ours from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as exc:
        raise _refuse(field, _("This image is damaged and could not be read.")) from exc
    ext = EXTENSIONS[fmt]
    buf = io.BytesIO()
    if ext == "jpg":
        out.save(buf, "JPEG", quality=88, optimize=True)
    elif ext == "png":
        out.save(buf, "PNG")
    else:
        out.save(buf, "WEBP", quality=88, method=4)
    return CleanImage(buf.getvalue(), ext=ext, width=out.width, height=out.height)


def _too_many_pixels(field: str) -> ValidationError:
    return _refuse(
        field,
        _("Images may be at most %(side)d pixels on a side and %(mp)d megapixels.")
        % {"side": MAX_SIDE, "mp": settings.IMAGE_MAX_PIXELS // 1_000_000},
        CatalogErrorCode.IMAGE_TOO_LARGE,
    )


def _check_dimensions(field: str, width: int, height: int) -> None:
    """From the header alone: nothing is decoded for an image we would refuse."""
    if width * height > settings.IMAGE_MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise _too_many_pixels(field)
    if min(width, height) < MIN_SIDE:
        raise _refuse(
            field, _("Images must be at least %(side)d pixels on a side.") % {"side": MIN_SIDE}
        )


def _normalised(img: Image.Image, fmt: str) -> Image.Image:
    """Upright (EXIF orientation applied), in sRGB, in a mode the output format takes, with
    no metadata: `info` carries comments, text chunks, EXIF and ICC into save(), so it is
    emptied."""
    icc = img.info.get("icc_profile")
    out = ImageOps.exif_transpose(img)
    alpha = out.has_transparency_data and fmt != "JPEG"
    if icc and out.mode in ("RGB", "RGBA", "CMYK"):
        # A broken profile: keep the pixels as they are.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            out = ImageCms.profileToProfile(
                out, io.BytesIO(icc), _SRGB, outputMode="RGBA" if out.mode == "RGBA" else "RGB"
            )
    keep = {"JPEG": ("RGB", "L"), "PNG": ("RGB", "RGBA", "L", "LA")}.get(fmt, ("RGB", "RGBA"))
    if out.mode not in keep or (alpha and out.mode not in ("RGBA", "LA")):
        out = out.convert("RGBA" if alpha else "RGB")
    out.info = {}
    return out


def _upload_path(kind: str, filename: str) -> str:
    ext = filename.rpartition(".")[2].lower()
    if ext not in CONTENT_TYPES:
        # SafeImageField.pre_save hands only CleanImage names here.
        raise ValueError(f"not a normalised image name: {filename!r}")
    return f"{kind}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


def product_image_path(instance: Any, filename: str) -> str:
    return _upload_path("products", filename)


def store_logo_path(instance: Any, filename: str) -> str:
    return _upload_path("logos", filename)


class ImageUploadField(forms.FileField):
    """A form field whose cleaned value is the CleanImage, so a bad file is an error on this
    field of the form. The client's file name is not checked: it is never used."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["max_length"] = None
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict:
        return {**super().widget_attrs(widget), "accept": ACCEPT}

    def to_python(self, data: Any) -> CleanImage | None:
        data = super().to_python(data)
        if data is None:
            return None
        try:
            return clean_image(data)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class SafeImageField(models.ImageField):
    """An ImageField that stores only CleanImage bytes, whatever path the file came by
    (services, admin, shell): an uncommitted file that is not one is cleaned on save."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        file = getattr(model_instance, self.attname)
        if file and not file._committed and not isinstance(file.file, CleanImage):
            setattr(model_instance, self.attname, clean_image(file.file, field=self.name))
        return super().pre_save(model_instance, add)

    def formfield(self, **kwargs: Any) -> forms.Field:
        return super().formfield(**{"form_class": ImageUploadField, **kwargs})
