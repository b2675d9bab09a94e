"""Every HTTP request Caravana makes to the outside (merchants' webhooks, carriers, payment
providers) goes through here, so none can be turned against the network it runs in (SSRF).

- Timeouts always: connect OUTBOUND_CONNECT_TIMEOUT, read/write/pool OUTBOUND_READ_TIMEOUT
  seconds, or the `timeout` a caller gives.
- Redirects are never followed: a 3xx is returned as it is, so a public URL cannot bounce the
  request to an internal one.
- The target's host is resolved here and every address it resolves to is checked: private,
  loopback, link-local, multicast, reserved, unspecified and other non-global addresses
  (Python's ipaddress, after the IANA special-purpose registries, RFC 6890) are refused
  unless they fall in OUTBOUND_ALLOWED_NETWORKS (CIDRs, e.g. ["127.0.0.0/8"] for tests or
  a sandbox calling itself). The connection then goes to the address that was checked, with
  the original name kept in the Host header and in TLS (SNI and certificate check, httpx's
  `sni_hostname` extension), so a DNS answer that changes between check and connect
  (DNS rebinding) cannot swap the target.
- Environment proxies are ignored (trust_env=False): a proxy would connect elsewhere than
  where the check looked.

Use `post(url, content=..., headers=..., timeout=...)`, `get(...)` or `request(method, url,
...)`; each returns an httpx.Response or raises an httpx.HTTPError (RefusedTarget, one of
them, for a refused target). `check_url` validates a URL before it is saved.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

USER_AGENT = "Caravana/1"


class RefusedTarget(httpx.RequestError):
    """The URL points at an address outbound requests may not reach, or is no http(s) URL."""


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    raw = getattr(settings, "OUTBOUND_ALLOWED_NETWORKS", ()) or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return [ipaddress.ip_network(str(n).strip(), strict=False) for n in raw if str(n).strip()]


def is_public(ip: IPAddress) -> bool:
    """Whether `ip` is a global unicast address (the only kind reachable without a setting)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def address_allowed(ip: IPAddress) -> bool:
    if is_public(ip):
        return True
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return any(
        (a.version == n.version and a in n)
        for n in _allowed_networks()
        for a in (ip, mapped)
        if a is not None
    )


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (an IP literal is its own answer)."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedTarget(_("The host %(host)s cannot be resolved.") % {"host": host}) from exc
    seen: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # drop an IPv6 zone
        if ip not in seen:
            seen.append(ip)
    return seen


def _checked(url: httpx.URL) -> IPAddress:
    """The address to connect to for `url`, every resolved address having been checked."""
    if url.scheme not in ("http", "https") or not url.host:
        raise RefusedTarget(_("Only http and https URLs with a host can be called."))
    port = url.port or (443 if url.scheme == "https" else 80)
    addresses = resolve(url.host, port)
    refused = [ip for ip in addresses if not address_allowed(ip)]
    if refused or not addresses:
        raise RefusedTarget(
            _("%(host)s resolves to %(ip)s, a private or reserved address: refused.")
            % {"host": url.host, "ip": refused[0] if refused else "—"}
        )
    return addresses[0]


def check_url(url: str, *, require_https: bool | None = None) -> None:
    """Raise RefusedTarget unless `url` may be called: http(s) (https only where
    OUTBOUND_REQUIRE_HTTPS, or `require_https`), with a host whose every address is allowed."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise RefusedTarget(_("Enter a valid URL.")) from exc
    if require_https is None:
        require_https = bool(getattr(settings, "OUTBOUND_REQUIRE_HTTPS", False))
    if require_https and parsed.scheme != "https":
        raise RefusedTarget(_("Use an https:// URL."))
    _checked(parsed)


def _timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    connect = float(getattr(settings, "OUTBOUND_CONNECT_TIMEOUT", 5))
    read = float(timeout if timeout is not None else getattr(settings, "OUTBOUND_READ_TIMEOUT", 10))
    return httpx.Timeout(read, connect=min(connect, read))


def request(
    method: str,
    url: str,
    *,
    content: bytes | str | None = None,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float | httpx.Timeout | None = None,
) -> httpx.Response:
    """One request to an outside URL (see the module's docstring for what is checked). The
    response body is read in full. Raises RefusedTarget or another httpx.HTTPError."""
    target = httpx.URL(url)
    ip = _checked(target)
    host_header = target.netloc.decode("ascii")
    extensions: dict[str, Any] = {}
    if target.scheme == "https" and _literal(target.host) is None:
        extensions["sni_hostname"] = target.host
    pinned = target.copy_with(host=str(ip))
    all_headers = {"User-Agent": USER_AGENT, **(headers or {}), "Host": host_header}
    with httpx.Client(follow_redirects=False, trust_env=False, timeout=_timeout(timeout)) as c:
        built = c.build_request(
            method, pinned, content=content, json=json, headers=all_headers, extensions=extensions
        )
        return c.send(built)


def post(url: str, **kwargs: Any) -> httpx.Response:
    """request("POST", url, content=..., json=..., headers=..., timeout=...)."""
    return request("POST", url, **kwargs)


def get(url: str, **kwargs: Any) -> httpx.Response:
    return request("GET", url, **kwargs)
