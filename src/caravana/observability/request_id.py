"""The request id: taken from the X-Request-ID header when it is a sensible value (a proxy or
the client set it), made up otherwise; held in a context variable for the logs
(observability.logs) and the Celery tasks the request enqueues (observability.tasks), and sent
back in the response's X-Request-ID header."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.core.signals import request_finished

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
#: What we accept from outside: printable, no spaces, at most 128 characters, so a forged
#: header cannot break a log line or the JSON around it (a UUID, a hex trace id, "abc-123").
VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def get() -> str | None:
    return _current.get()


def set_current(value: str | None) -> None:
    _current.set(value)


def clean(value: str | None) -> str | None:
    """``value`` if it is an id we accept, else None."""
    if value and VALID.fullmatch(value):
        return value
    return None


def new() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so every answer, a refusal by the guards included, carries it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = clean(request.headers.get(HEADER)) or new()
        request.request_id = rid  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs a 4xx or 5xx after the middleware returns;
        # request_finished clears it (below).
        _current.set(rid)
        response = self.get_response(request)
        response[HEADER] = rid
        return response


def _clear(**_kwargs: object) -> None:
    _current.set(None)


request_finished.connect(_clear, dispatch_uid="caravana.request_id.clear")
