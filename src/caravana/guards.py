"""Request guards that hold for every page and every API endpoint at once, so no view has to
remember them:

* a body over the limit is refused with 413 before anything reads it (Django's own check,
  RequestDataTooBig, is a SuspiciousOperation and would be a 400);
* a NUL character (U+0000) anywhere in the path, a query string, a form field or a JSON body is
  refused naming the field. PostgreSQL text cannot hold NUL ("A string literal cannot contain
  NUL (0x00) characters", psycopg), so such input would otherwise end in a 500 wherever it
  reached a query. Django's form CharField already refuses it
  (ProhibitNullCharactersValidator); this covers the API and views that read request data
  directly.

API requests (under /api/) get the API's error shape, HTTP 422 (413 for size) with
{"detail": [{"loc", "msg", "type", "code"}]}; pages get a short plain-text answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found as django_page_not_found

from caravana.error_codes import CommonErrorCode

NUL = "\x00"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def body_limit(request: HttpRequest) -> int | None:
    """The largest body accepted: DATA_UPLOAD_MAX_MEMORY_SIZE for everything but file uploads,
    REQUEST_MAX_UPLOAD_BYTES for multipart (files are streamed to disk, so may be larger)."""
    if request.content_type == "multipart/form-data":
        return getattr(settings, "REQUEST_MAX_UPLOAD_BYTES", None)
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large(request: HttpRequest) -> HttpResponse:
    limit = body_limit(request) or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    msg = _("The request body is larger than %(n)d bytes.") % {"n": limit}
    if _is_api(request):
        return JsonResponse(
            {
                "detail": [
                    {
                        "loc": ["body"],
                        "msg": msg,
                        "type": "too_large",
                        "code": CommonErrorCode.TOO_LARGE.value,
                    }
                ]
            },
            status=413,
        )
    return HttpResponse(msg, status=413, content_type="text/plain; charset=utf-8")


def _refuse(request: HttpRequest, loc: list[Any]) -> HttpResponse:
    field = ".".join(str(p) for p in loc[1:]) or loc[0]
    msg = _("%(field)s contains a NUL character, which is not allowed.") % {"field": field}
    if _is_api(request):
        return JsonResponse(
            {
                "detail": [
                    {
                        "loc": loc,
                        "msg": msg,
                        "type": "value_error",
                        "code": CommonErrorCode.NUL_CHARACTER.value,
                    }
                ]
            },
            status=422,
        )
    return HttpResponse(msg, status=400, content_type="text/plain; charset=utf-8")


def _nul_in_json(value: Any, path: list[Any]) -> list[Any] | None:
    """The path of the first string (or key) holding a NUL, or None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                return [*path, key]
            found = _nul_in_json(item, [*path, key])
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_in_json(item, [*path, i])
            if found is not None:
                return found
    return None


def _nul_in_query(query: Any, where: str) -> list[Any] | None:
    for key, values in query.lists():
        if NUL in key or any(NUL in v for v in values if isinstance(v, str)):
            return [where, key]
    return None


class RequestGuardMiddleware:
    """Refuse oversized bodies (413) and NUL characters (422 on the API, 400 on pages)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        if limit is not None and _content_length(request) > limit:
            return too_large(request)
        if NUL in request.path:
            return _refuse(request, ["path"])
        found = _nul_in_query(request.GET, "query")
        if (
            found is None
            and request.method == "POST"
            and request.content_type
            in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            )
        ):
            found = _nul_in_query(request.POST, "form")
        if found is None and request.content_type == "application/json":
            # JSON can only carry NUL escaped, so the body is parsed only when the escape is there.
            body = request.body
            if b"\\u0000" in body:
                try:
                    found = _nul_in_json(json.loads(body), ["body"])
                except ValueError:
                    found = None  # not JSON: the endpoint answers that itself
        if found is not None:
            return _refuse(request, found)
        return self.get_response(request)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: an API path that matches no operation answers in the API's JSON shape."""
    if _is_api(request):
        return JsonResponse(
            {
                "detail": [
                    {
                        "loc": ["path"],
                        "msg": _("Not found."),
                        "type": "not_found",
                        "code": CommonErrorCode.NOT_FOUND.value,
                    }
                ]
            },
            status=404,
        )
    return django_page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (found while reading it, e.g. a
    chunked request without Content-Length) is 413, not Django's 400."""
    if isinstance(exception, RequestDataTooBig):
        return too_large(request)
    return django_bad_request(request, exception)


def safe_next(request: HttpRequest, default: str) -> str:
    """The posted `next` field when it is a path on this site, else ``default``.

    Never a redirect to another site (an open redirect), and only a path starting with "/":
    `redirect()` reads any other string as a view name, so `next=NaN` would end in
    NoReverseMatch, a 500."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default
