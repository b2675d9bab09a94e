"""Every response carries a Content-Security-Policy and the other security headers, and no
template needs an exception from that policy: no inline script, event handler or style
attribute (the browser test tests/browser/test_csp.py checks the pages in Chromium)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests import factories as f

SRC = Path(__file__).resolve().parent.parent / "src" / "caravana"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/track/", "/accounts/login/", "/admin/login/", "/api/v1/openapi.json",
            "/api/v1/docs", "/api/v1/tracking/HC123456785CN", "/no-such-page/"],
)  # fmt: skip
def test_every_response_carries_the_security_headers(url):
    r = Client().get(url)
    csp = r["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_api_docs_load_swagger_from_our_own_static_files():
    html = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html


SCRIPT_WITHOUT_SRC = r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
INLINE = [
    (re.compile(SCRIPT_WITHOUT_SRC, re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"\shx-on", re.I), "hx-on (evaluated script)"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]  # fmt: skip


def test_no_template_needs_unsafe_inline():
    found = []
    for path in sorted(SRC.rglob("templates/**/*.html")):
        if "email" in path.parent.parts:
            # E-mail bodies are never served by the site, so no CSP applies to them, and mail
            # clients drop stylesheets: their styles are inline by necessity.
            continue
        text = path.read_text()
        for pattern, what in INLINE:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(SRC)}:{line}: {what}")
    assert found == []


@pytest.mark.django_db
def test_the_demo_pages_still_work_without_inline_code(client):
    """The controls that used inline handlers now work through static/caravana/site.js."""
    merchant = f.user("merchant")
    f.merchant(staff=merchant)
    client.force_login(merchant)
    html = client.get("/console/orders/").content.decode()
    assert "data-autosubmit" in html and "/static/caravana/site.js" in html


def _upstream_header(request, response):
    from csp.middleware import CSPMiddleware

    return (
        CSPMiddleware(lambda r: response)
        .process_response(request, response)
        .get("Content-Security-Policy")
    )


@pytest.mark.parametrize("extra", [None, "nonce", "update"])
def test_cached_policy_is_upstreams_header(rf, extra, settings):
    """The cached header is the one django-csp builds; a nonce or a per-view update still
    reaches the header, and a changed setting is not served from the cache."""
    from django.http import HttpResponse

    from caravana.content_policy import CachedCSPMiddleware

    def respond(request):
        response = HttpResponse()
        if extra == "update":
            response._csp_update = {"img-src": ["https://cdn.example.com"]}
        return response

    if extra == "nonce":
        from csp.constants import NONCE

        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    mw = CachedCSPMiddleware(respond)
    for _ in range(2):  # the second answer comes from the cache
        request = rf.get("/")
        mw.process_request(request)
        if extra == "nonce":
            str(request.csp_nonce)
        response = mw(request)
        assert response["Content-Security-Policy"] == _upstream_header(request, respond(request))
    if extra == "nonce":
        assert f"'nonce-{request._csp_nonce}'" in response["Content-Security-Policy"]
    if extra == "update":
        assert "https://cdn.example.com" in response["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    if extra is None:
        assert mw(rf.get("/"))["Content-Security-Policy"] == "default-src 'none'"
