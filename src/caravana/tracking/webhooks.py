"""Signed webhooks to merchants: the signature scheme and the delivery policy.

Signature (the scheme Stripe popularised, so merchants' libraries already know its shape):
``Caravana-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``. Signing
the timestamp with the body lets a receiver refuse replays older than a few minutes; ``v1``
leaves room to rotate the scheme. ``Caravana-Delivery`` carries the delivery's UUID, the same on
every retry, so a receiver can drop repeats.

Retries: exponential backoff, BACKOFF_BASE · 2^(attempt − 1) seconds (30 s, 1 min, 2 min, 4 min,
8 min, 16 min), at most MAX_RETRIES retries, then the delivery is marked failed; it stays in
the admin with every attempt recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

HEADER = "Caravana-Signature"
DELIVERY_HEADER = "Caravana-Delivery"
TOLERANCE_S = 300


def max_retries() -> int:
    return int(getattr(settings, "TRACKING_WEBHOOK_MAX_RETRIES", 6))


def backoff_base() -> int:
    return int(getattr(settings, "TRACKING_WEBHOOK_BACKOFF_BASE", 30))


def timeout() -> float:
    return float(getattr(settings, "TRACKING_WEBHOOK_TIMEOUT", 5))


def backoff(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1-based)."""
    return backoff_base() * 2 ** (attempt - 1)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The Caravana-Signature header value for `body`."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(
    secret: str, header: str, body: bytes, now: float | None = None, tolerance: int = TOLERANCE_S
) -> bool:
    """What a merchant's receiver does: check the MAC in constant time and the timestamp's age."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))
