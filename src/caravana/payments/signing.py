"""Webhook signatures as payment providers make them (Stripe's scheme): the header
`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. A receiver recomputes the HMAC over
the exact bytes it got, compares in constant time and refuses timestamps outside the tolerance,
so a captured request cannot be replayed later (an event id seen before is refused as well)."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Caravana-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    pass


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> int:
    """The signed timestamp, or SignatureError. Several v1 values (secret rotation) may be given;
    one match is enough."""
    if not header:
        raise SignatureError("missing signature header")
    t: int | None = None
    candidates = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            t = int(value)
        elif name == "v1":
            candidates.append(value)
    if t is None or not candidates:
        raise SignatureError("malformed signature header")
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match")
    now = time.time() if now is None else now
    if abs(now - t) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    return t
