"""django-csp's middleware with the policy string built once per configuration: upstream builds
it twice per response (the policy and the report-only one) from the settings, ~2.5 % of a
checkout's CPU. Responses with a nonce or a per-view @csp_* override are built as upstream does;
a change of either setting (override_settings in tests) empties the cache."""

from __future__ import annotations

import http.client as http_client
from dataclasses import asdict
from typing import TYPE_CHECKING

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")
_built: dict[bool, str] = {}  # report_only -> the policy of the settings alone


@receiver(setting_changed)
def _forget(setting: str, **kwargs) -> None:
    if setting in _SETTINGS:
        _built.clear()


def policy(parts: PolicyParts, report_only: bool) -> str:
    """The header's value; from the cache when only the settings decide it."""
    if parts.config is None and parts.update is None and parts.replace is None and not parts.nonce:
        cached = _built.get(report_only)
        if cached is None:
            cached = _built[report_only] = build_policy(report_only=report_only)
        return cached
    return build_policy(**asdict(parts), report_only=report_only)


class CachedCSPMiddleware(CSPMiddleware):
    """CSPMiddleware.process_response (django-csp 4.0) with `policy` in place of build_policy."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        exempted_debug_codes = (http_client.INTERNAL_SERVER_ERROR, http_client.NOT_FOUND)
        if response.status_code in exempted_debug_codes and settings.DEBUG:
            return response
        for report_only, header, setting, exempt in (
            (False, HEADER, _SETTINGS[0], "_csp_exempt"),
            (True, HEADER_REPORT_ONLY, _SETTINGS[1], "_csp_exempt_ro"),
        ):
            parts = self.get_policy_parts(
                request=request, response=response, report_only=report_only
            )
            csp = policy(parts, report_only)
            if not csp or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = csp
        # As upstream: a nonce asked for after the header is written would not be in it.
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
