"""Checks on uploaded images: we trust the decoded pixels, never the file name or the
client's content type."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError


def check_image(upload: Any) -> tuple[int, int]:
    if upload.size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            {
                "image": _("Images may be at most %(mb)d MB.")
                % {"mb": settings.IMAGE_MAX_BYTES >> 20}
            }
        )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt = img.format
            img.verify()
            size = img.size
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError({"image": _("This file is not an image.")}) from exc
    finally:
        upload.seek(0)
    if fmt not in settings.IMAGE_FORMATS:
        raise ValidationError({"image": _("Use a JPEG, PNG or WebP image.")})
    if min(size) < 100 or max(size) > 6000:
        raise ValidationError({"image": _("Images must be 100 to 6000 pixels on a side.")})
    return size
