"""Signed webhooks to merchants: the headers and the delivery policy.

Signature: Standard Webhooks (caravana.webhook_signing), so a merchant verifies with the
standardwebhooks library in any language: ``webhook-id`` is the delivery's UUID, the same on
every retry (a receiver drops repeats), ``webhook-timestamp`` and ``webhook-signature``.

Transition: endpoints created before carry secrets a merchant's receiver checks against the
older ``Caravana-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` header,
with the delivery's UUID in ``Caravana-Delivery``. Both go out beside the new headers while
TRACKING_WEBHOOK_LEGACY_SIGNATURE is on (the default), signed with the same secret and
timestamp; the secrets are kept as they are (no data migration: a merchant's copy would stop
matching). docs/tracking.md says how to switch and when the setting goes.

Retries: exponential backoff, BACKOFF_BASE · 2^(attempt − 1) seconds (30 s, 1 min, 2 min, 4 min,
8 min, 16 min), at most MAX_RETRIES retries, then the delivery is marked failed; it stays in
the admin with every attempt recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

from caravana import webhook_signing

LEGACY_HEADER = "Caravana-Signature"
LEGACY_DELIVERY_HEADER = "Caravana-Delivery"


def max_retries() -> int:
    return int(getattr(settings, "TRACKING_WEBHOOK_MAX_RETRIES", 6))


def backoff_base() -> int:
    return int(getattr(settings, "TRACKING_WEBHOOK_BACKOFF_BASE", 30))


def timeout() -> float:
    return float(getattr(settings, "TRACKING_WEBHOOK_TIMEOUT", 5))


def backoff(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1-based)."""
    return backoff_base() * 2 ** (attempt - 1)


def legacy() -> bool:
    """Whether the older Caravana-Signature and Caravana-Delivery headers still go out."""
    return bool(getattr(settings, "TRACKING_WEBHOOK_LEGACY_SIGNATURE", True))


def legacy_signature(secret: str, body: bytes, timestamp: int) -> str:
    """The Caravana-Signature value: ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def headers(
    secret: str, body: bytes, delivery: str, timestamp: int | None = None
) -> dict[str, str]:
    """The signature headers of one try at delivering `body` (`delivery`: its UUID)."""
    t = int(time.time()) if timestamp is None else timestamp
    signed = webhook_signing.sign(secret, body, msg_id=delivery, timestamp=t)
    if legacy():
        signed[LEGACY_HEADER] = legacy_signature(secret, body, t)
        signed[LEGACY_DELIVERY_HEADER] = delivery
    return signed
