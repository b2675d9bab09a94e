"""Image files for upload tests, made with Pillow (and by hand where Pillow would refuse to
write them, as a PNG header that claims 30000×30000 pixels)."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

SCRIPT = b"<script>alert(1)</script>"


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (200, 120), mode: str = "RGB", **save
) -> bytes:
    img = Image.new(mode, size, "orange" if mode in ("RGB", "RGBA", "CMYK") else 128)
    buf = io.BytesIO()
    img.save(buf, fmt, **save)
    return buf.getvalue()


def polyglot() -> bytes:
    """Valid PNG bytes followed by a script: a browser that sniffs it as HTML runs the script."""
    return image_bytes("PNG") + b"<html><body>" + SCRIPT + b"</body></html>"


def poly_upload(name: str = "poly.html") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, polyglot(), content_type="text/html")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width×height, with a tiny IDAT: decoding it would allocate
    width×height×3 bytes (2.7 GB for 30000×30000)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )
