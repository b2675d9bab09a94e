"""Resized copies of every product picture, written once beside it through Django's storage API
(when the picture is stored, or by `make_thumbnails` for older ones), never per request.

A picture ``products/2026/12/ab12.jpg`` has ``ab12-240.webp``, ``ab12-240.jpg``, ``ab12-480.*``
and ``ab12-960.*`` beside it: the names follow from the picture's own, so a card needs nothing
but the name its listing query already reads (no query per card). A width above the picture's
is written at the picture's width (never enlarged). WebP for browsers that take it (all current
ones), JPEG as the <picture> fallback."""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import escape

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils.safestring import SafeString, mark_safe
from PIL import Image

#: Card 1x / 2x, product page 1x / 2x (a card is at most ~240 CSS px wide, the page's picture
#: ~480).
WIDTHS = (240, 480, 960)
FORMATS = (("webp", "WEBP"), ("jpg", "JPEG"))


def thumb_name(name: str, width: int, ext: str) -> str:
    return f"{name.rpartition('.')[0]}-{width}.{ext}"


def _encoded(img: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "WEBP":
        img.save(buf, "WEBP", quality=80, method=3)
    else:
        img.convert("RGB").save(buf, "JPEG", quality=82, optimize=True, progressive=True)
    return buf.getvalue()


def encode_all(img: Image.Image) -> dict[tuple[int, str], bytes]:
    """Every thumbnail's bytes, by (width, extension). A width at or above the picture's is the
    picture's own size, encoded once and shared."""
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    by_size: dict[int, dict[str, bytes]] = {}
    out = {}
    for width in WIDTHS:
        w = min(width, img.width)
        if w not in by_size:
            small = (
                img
                if w == img.width
                else img.resize(
                    (w, max(1, round(img.height * w / img.width))), Image.LANCZOS, reducing_gap=2.0
                )
            )
            by_size[w] = {ext: _encoded(small, fmt) for ext, fmt in FORMATS}
        for ext, _ in FORMATS:
            out[(width, ext)] = by_size[w][ext]
    return out


def write(storage: Storage, name: str, img: Image.Image | None = None) -> None:
    """Write the missing thumbnails of the stored picture `name` (from `img` when the caller
    has its pixels, else read back from storage). Idempotent."""
    wanted = [(w, ext) for w in WIDTHS for ext, _ in FORMATS]
    missing = [key for key in wanted if not storage.exists(thumb_name(name, *key))]
    if not missing:
        return
    if img is None:
        with storage.open(name) as fh, Image.open(fh) as src:
            src.load()
            img = src.copy()
    data = encode_all(img)
    for key in missing:
        storage.save(thumb_name(name, *key), ContentFile(data[key]))


def delete(storage: Storage, name: str) -> None:
    storage.delete(name)
    for width in WIDTHS:
        for ext, _ in FORMATS:
            storage.delete(thumb_name(name, width, ext))


@dataclass(frozen=True)
class Sources:
    """The URLs a <picture> of one display width needs."""

    webp: str
    jpg: str
    webp_2x: str
    jpg_2x: str

    @property
    def webp_srcset(self) -> str:
        return f"{self.webp} 1x, {self.webp_2x} 2x"

    @property
    def jpg_srcset(self) -> str:
        return f"{self.jpg} 1x, {self.jpg_2x} 2x"


def sources(storage: Storage, name: str, width: int) -> Sources:
    """`width` is the 1x width (240 or 480); the 2x is twice it. One storage.url() call: the
    thumbnails' URLs are the picture's with the same suffix as their names (a signed URL, which
    signs each name apart, asks storage for each)."""
    url = storage.url(thumb_name(name, width, "webp"))
    if "?" in url:
        return Sources(
            webp=url,
            jpg=storage.url(thumb_name(name, width, "jpg")),
            webp_2x=storage.url(thumb_name(name, width * 2, "webp")),
            jpg_2x=storage.url(thumb_name(name, width * 2, "jpg")),
        )
    base = url[: -len(f"-{width}.webp")]
    return Sources(
        webp=url,
        jpg=f"{base}-{width}.jpg",
        webp_2x=f"{base}-{width * 2}.webp",
        jpg_2x=f"{base}-{width * 2}.jpg",
    )


def picture_html(
    src: Sources,
    *,
    width: int,
    height: int,
    alt: str,
    lazy: bool,
) -> SafeString:
    """A <picture>: WebP source, JPEG fallback, both 1x/2x; width and height given so the page
    keeps its layout while it loads; lazy below the fold. Built with one escape per value
    (the standard library's, without Django's lazy-string handling) rather than format_html:
    a listing writes 24 of them."""
    webp, jpg = escape(src.webp), escape(src.jpg)
    webp2, jpg2 = escape(src.webp_2x), escape(src.jpg_2x)
    return mark_safe(  # noqa: S308 — every value above is escaped
        f'<picture><source type="image/webp" srcset="{webp} 1x, {webp2} 2x">'
        f'<img src="{jpg}" srcset="{jpg} 1x, {jpg2} 2x" width="{int(width)}" '
        f'height="{int(height)}" alt="{escape(alt)}" loading="{"lazy" if lazy else "eager"}" '
        'decoding="async"></picture>'
    )
