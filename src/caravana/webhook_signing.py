"""Webhook signatures in the Standard Webhooks format, for every webhook Caravana signs or
verifies with a secret of its own: tracking updates to merchants (tracking.webhooks) and the
payments sandbox's events (payments.providers). A real provider's scheme stays the provider's
(Mercado Pago's ``x-signature``, payments.mercadopago); it shares only SignatureError.

Three headers (https://www.standardwebhooks.com/, spec "Signature scheme"):

- ``webhook-id``: the message id, the same on every retry, so a receiver can drop repeats;
- ``webhook-timestamp``: unix seconds, signed, so a receiver refuses old messages (replays);
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>``; several,
  space-separated, while a secret rotates.

The key is what the library, ``standardwebhooks.Webhook``, makes of the secret: for a
``whsec_<base64>`` secret, the decoded bytes. A secret the library refuses (not base64: some
secrets typed before this format) is used as its UTF-8 bytes, so that endpoint keeps working;
its receiver passes ``secret.encode()`` to the library.

The MAC is the library's (Webhook.sign). verify() is ours only because the library's reads the
clock itself with a fixed five minutes' tolerance, and the tests need both as arguments; the
tests check that the library's own verify accepts what sign() writes.

Pure: no Django.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import secrets
import time
from collections.abc import Mapping

from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
#: The spec's recommended tolerance for the timestamp's age, either way (five minutes).
TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"


class SignatureError(ValueError):
    """Unsigned, forged, tampered or stale: the request changes nothing."""


def new_secret() -> str:
    """A fresh secret as the spec writes them: ``whsec_`` and 32 random bytes in base64 (the
    spec asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _webhook(secret: str) -> Webhook:
    if not secret:
        raise ValueError("a webhook secret may not be empty")
    try:
        return Webhook(secret)
    except (ValueError, EmptyWebhookSecretError):  # binascii.Error is a ValueError
        return Webhook(secret.encode())


def _signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    when = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return _webhook(secret).sign(msg_id=msg_id, timestamp=when, data=body.decode())


def sign(
    secret: str, body: bytes, *, msg_id: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """The three headers for `body` (UTF-8, as JSON is). Without `msg_id`, a fresh one."""
    msg_id = msg_id or "msg_" + secrets.token_urlsafe(16)
    t = int(time.time()) if timestamp is None else timestamp
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(t),
        SIGNATURE_HEADER: _signature(secret, msg_id, t, body),
    }


def verify(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """The message id, or SignatureError. One matching ``v1`` signature among several is
    enough (rotation). Header names in any case (an HTTP request's, or a plain dict)."""
    named = {str(k).lower(): v for k, v in headers.items()}
    msg_id = named.get(ID_HEADER)
    stamp = named.get(TIMESTAMP_HEADER)
    given = named.get(SIGNATURE_HEADER)
    if not (msg_id and stamp and given):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    if not (stamp.isascii() and stamp.isdigit()):
        raise SignatureError("malformed webhook-timestamp header")
    t = int(stamp)
    try:
        expected = _signature(secret, msg_id, t, body).encode()
    except UnicodeDecodeError as exc:
        raise SignatureError("body is not UTF-8") from exc
    candidates = [c.encode() for c in given.split() if c.isascii()]
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match")
    if abs((time.time() if now is None else now) - t) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    return msg_id
