"""Abuse limits: the client's address behind our proxies, request rates per client (Ninja's
throttles, for the API and for pages alike) and the login page a locked-out client sees.

Rates are settings.RATE_LIMITS[scope] ("N/min"…), read at each request so an operator's
environment and a test's override apply without a restart. Counts live in the Django cache
(Redis in production, shared by every process)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import threading
from collections.abc import Callable
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_timedelta
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from ninja.throttling import SimpleRateThrottle

from caravana.accounts.error_codes import AccountsErrorCode


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with settings.CARAVANA_TRUSTED_PROXIES = n the
    n-th address from the right of X-Forwarded-For (each trusted proxy appends the address it
    saw; anything further left was written by the client and is not trusted)."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = int(getattr(settings, "CARAVANA_TRUSTED_PROXIES", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    return addresses[-min(proxies, len(addresses))] if addresses else remote


class RateThrottle(SimpleRateThrottle):
    """A Ninja throttle counting per client address under `scope`, at the rate the settings
    give; over the limit the 429 always carries Retry-After (Ninja adds the header from
    wait(), which here is never None). One instance serves every request of an operation, so
    the per-request state is kept per thread."""

    scope: str = ""

    def __init__(self, scope: str | None = None) -> None:
        if scope:
            self.scope = scope
        self._state = threading.local()

    # Ninja's SimpleRateThrottle keeps key, history and now on the instance between
    # allow_request() and wait(); these keep them per thread instead.
    key = property(lambda self: self._state.key, lambda self, v: setattr(self._state, "key", v))
    history = property(
        lambda self: self._state.history, lambda self, v: setattr(self._state, "history", v)
    )
    now = property(lambda self: self._state.now, lambda self, v: setattr(self._state, "now", v))
    num_requests = property(
        lambda self: self._state.num_requests,
        lambda self, v: setattr(self._state, "num_requests", v),
    )
    duration = property(
        lambda self: self._state.duration, lambda self, v: setattr(self._state, "duration", v)
    )

    def get_rate(self) -> str | None:
        return (getattr(settings, "RATE_LIMITS", {}) or {}).get(self.scope) or None

    def get_ident(self, request: HttpRequest) -> str:
        return client_ip(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request: HttpRequest) -> bool:
        rate = self.get_rate()
        if rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)

    def wait(self) -> float:
        """Seconds until the oldest request in the window leaves it, at least one."""
        history = getattr(self._state, "history", None)
        if not history:
            return float(self.duration or 1)
        return max(1.0, self.duration - (self.now - history[-1]))


class AnonApiThrottle(RateThrottle):
    """API requests without a token, per address (a request with one is AnonApiThrottle-free
    and counted by TokenThrottle)."""

    scope = "api_anon"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        if getattr(request, "auth", None) is not None:
            return None
        return super().get_cache_key(request)


class TokenThrottle(RateThrottle):
    """Authenticated API requests, per API token (per signed-in user for session auth)."""

    scope = "api_token"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        auth = getattr(request, "auth", None)
        if auth is None:
            return None
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            ident = hashlib.sha256(header[7:].strip().encode()).hexdigest()
        else:
            ident = f"user{getattr(auth, 'pk', auth)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def api_throttles(*scopes: str) -> list[SimpleRateThrottle]:
    """The API's throttles (per token, and per address without one), plus a per-address
    throttle for each extra scope, for an operation that sets its own."""
    return [AnonApiThrottle(), TokenThrottle(), *(RateThrottle(scope) for scope in scopes)]


def wait_phrase(seconds: float, language: str | None = None) -> str:
    """ "in 1 hour", "em 5 minutos", "dentro de 45 segundos": the wait as people say it (CLDR
    relative time through babel, rounded to its largest unit), not 3597 seconds."""
    lang = (language or get_language() or "en").replace("-", "_")
    try:
        locale = Locale.parse(lang)
    except (ValueError, UnknownLocaleError):
        locale = Locale("en")
    return format_timedelta(
        dt.timedelta(seconds=max(1, seconds)), add_direction=True, locale=locale
    )


def too_many_requests(request: HttpRequest, retry_after: float) -> HttpResponse:
    """The 429 page, with Retry-After in whole seconds (RFC 9110 §10.2.3)."""
    seconds = max(1, math.ceil(retry_after))
    message = _("Too many requests from your connection. Try again %(when)s.") % {
        "when": wait_phrase(seconds)
    }
    response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(scope: str, methods: tuple[str, ...] = ("GET", "POST")) -> Callable:
    """A page view limited per client address under `scope` for the given methods (sign-up
    counts only its POSTs, so reading the form is free)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                throttle = RateThrottle(scope)
                if not throttle.allow_request(request):
                    return too_many_requests(request, throttle.wait())
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def lockout_message(minutes: int) -> str:
    return ngettext(
        "Too many failed logins. Logging in is blocked for %(n)d minute; try again later.",
        "Too many failed logins. Logging in is blocked for %(n)d minutes; try again later.",
        minutes,
    ) % {"n": minutes}


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: the login page (the admin's for the admin) with the
    lockout as its form error, status 429 and Retry-After."""
    from django.contrib import admin
    from django.contrib.admin.forms import AdminAuthenticationForm

    cooloff = settings.AXES_COOLOFF_TIME
    seconds = int(cooloff.total_seconds()) if cooloff else 3600
    message = lockout_message(max(1, math.ceil(seconds / 60)))

    is_admin = request.path.startswith(reverse("admin:index"))
    base = AdminAuthenticationForm if is_admin else AuthenticationForm

    def clean(form: forms.Form) -> None:
        raise forms.ValidationError(message, code=AccountsErrorCode.LOCKED_OUT.value)

    form = type("LockedOutForm", (base,), {"clean": clean})(request, data=request.POST or None)
    form.is_valid()
    if is_admin:
        context = {
            **admin.site.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.POST.get("username", ""),
            "form": form,
            "next": request.GET.get("next", ""),
        }
        response = render(request, "admin/login.html", context, status=429)
    else:
        context = {"form": form, "next": request.POST.get("next", "")}
        response = render(request, "accounts/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
