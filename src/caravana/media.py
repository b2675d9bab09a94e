"""Serving uploaded media from the file-system storage, with or without DEBUG.

Uploads are images catalog.images re-encoded, but a file that reached the media root some
other way (an older upload, an operator's copy) must still never run as a page on our origin:
the Content-Type comes from the stored extension only (images inline, anything else as an
octet-stream attachment), browsers are told not to sniff, and a sandboxing CSP applies.
With S3-compatible storage the URLs point at the bucket or its CDN and this view is unused."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponseNotModified
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from caravana.catalog.images import CONTENT_TYPES

MEDIA_CSP = "default-src 'none'; img-src 'self'; sandbox"
# Stored names are random and never rewritten, so a URL's bytes never change.
IMAGE_CACHE = "public, max-age=31536000, immutable"


def serves_locally() -> bool:
    """Whether media URLs point at this site (file-system storage, a relative MEDIA_URL)."""
    from django.conf import settings

    url = settings.MEDIA_URL or ""
    return "://" not in url and not url.startswith("//") and _local_storage() is not None


def _local_storage() -> FileSystemStorage | None:
    storage = storages["default"]
    return storage if isinstance(storage, FileSystemStorage) else None


@require_safe
def serve(request: HttpRequest, path: str) -> FileResponse | HttpResponseNotModified:
    storage = _local_storage()
    if storage is None:
        raise Http404
    parts = path.split("/")
    if "\x00" in path or "\\" in path or any(p in ("", ".", "..") for p in parts):
        raise Http404
    try:
        full = Path(storage.path(path))
        root = Path(storage.location).resolve()
        real = full.resolve(strict=True)
    except (SuspiciousFileOperation, OSError, RuntimeError, ValueError) as exc:
        raise Http404 from exc
    # resolve() follows symbolic links: the file itself must lie under the media root.
    if not real.is_relative_to(root) or not real.is_file():
        raise Http404
    stat = real.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
        response = HttpResponseNotModified()
    else:
        content_type = CONTENT_TYPES.get(real.suffix.lower().lstrip(".").replace("jpeg", "jpg"))
        response = FileResponse(
            real.open("rb"),
            content_type=content_type or "application/octet-stream",
            as_attachment=content_type is None,
            filename=real.name,
        )
        response["Last-Modified"] = http_date(stat.st_mtime)
        response["Cache-Control"] = IMAGE_CACHE if content_type else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    return response
