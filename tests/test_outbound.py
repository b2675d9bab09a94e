"""Outbound HTTP against a real server on 127.0.0.1: no redirect followed, timeouts honoured,
private and reserved targets refused unless a setting allows them, the connection made to the
address that was checked, and merchants' webhook URLs checked when saved."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from caravana import outbound
from caravana.accounts.models import Role
from caravana.tracking.models import WebhookEndpoint
from tests import factories as f


class Receiver:
    """A threading HTTP server: /ok answers 200 with what it got, /redirect answers 302 to
    /ok, /slow answers only once the test releases it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None, bytes]] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.seen.append((self.command, self.path, self.headers.get("Host"), body))
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/ok")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path == "/slow":
                    receiver.release.wait(10)
                out = b"fine"
                self.send_response(200)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_posts_with_body_and_headers(receiver):
    response = outbound.post(
        receiver.url("/ok"), content=b'{"a":1}', headers={"X-Test": "1"}, timeout=5
    )
    assert (response.status_code, response.content) == (200, b"fine")
    assert receiver.seen == [("POST", "/ok", f"127.0.0.1:{receiver.port}", b'{"a":1}')]


def test_a_redirect_is_not_followed(receiver):
    response = outbound.post(receiver.url("/redirect"), content=b"x")
    assert response.status_code == 302
    assert [path for _m, path, _h, _b in receiver.seen] == ["/redirect"]


def test_the_timeout_is_honoured(receiver):
    with pytest.raises(httpx.ReadTimeout):
        outbound.get(receiver.url("/slow"), timeout=0.2)


def test_loopback_is_refused_unless_allowed(receiver, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    for host in ("127.0.0.1", "localhost"):
        with pytest.raises(outbound.RefusedTarget):
            outbound.post(receiver.url("/ok", host=host), content=b"x")
    assert receiver.seen == []
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert outbound.post(receiver.url("/ok"), content=b"x").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://[::]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://100.64.0.1/hook",
        "http://224.0.0.1/hook",
        "http://240.0.0.1/hook",
        "http://255.255.255.255/hook",
        "ftp://93.184.216.34/file",
        "file:///etc/passwd",
    ],
)
def test_private_and_reserved_targets_are_refused(url, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with pytest.raises(outbound.RefusedTarget):
        outbound.check_url(url)
    with pytest.raises(outbound.RefusedTarget):
        outbound.post(url, content=b"x", timeout=1)


def test_a_public_address_passes_the_check():
    outbound.check_url("https://93.184.216.34/hook", require_https=True)
    with pytest.raises(outbound.RefusedTarget):
        outbound.check_url("http://93.184.216.34/hook", require_https=True)


def test_the_connection_goes_to_the_checked_address(receiver, monkeypatch):
    """The name is resolved once, by the check; the request then goes to that address with the
    name in its Host header, so a second, different DNS answer (rebinding) is never used."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def resolver(host, *args, **kwargs):
        if host != "hooks.merchant.test":
            return real(host, *args, **kwargs)  # the literal address httpx connects to
        lookups.append(host)
        return real("127.0.0.1" if len(lookups) == 1 else "10.9.9.9", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    response = outbound.post(receiver.url("/ok", host="hooks.merchant.test"), content=b"x")
    assert response.status_code == 200
    assert lookups == ["hooks.merchant.test"]
    assert receiver.seen[0][2] == f"hooks.merchant.test:{receiver.port}"


@pytest.mark.django_db
def test_webhook_urls_are_checked_when_saved(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    settings.OUTBOUND_REQUIRE_HTTPS = True
    merchant = f.merchant()
    for url, msg in [
        ("http://93.184.216.34/hook", "https"),
        ("https://10.0.0.5/hook", "private or reserved"),
        ("https://169.254.169.254/hook", "private or reserved"),
    ]:
        endpoint = WebhookEndpoint(merchant=merchant, url=url, secret="s")
        with pytest.raises(ValidationError) as err:
            endpoint.full_clean()
        assert msg in err.value.message_dict["url"][0]
    WebhookEndpoint(merchant=merchant, url="https://93.184.216.34/hook", secret="s").full_clean()

    operator = f.user(Role.OPERATOR, is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(operator)
    r = c.post(
        "/admin/tracking/webhookendpoint/add/",
        {"merchant": merchant.pk, "url": "https://127.0.0.1/hook", "secret": "s", "active": "on"},
    )
    assert r.status_code == 200
    assert "private or reserved address" in r.content.decode()
    assert not WebhookEndpoint.objects.exists()
