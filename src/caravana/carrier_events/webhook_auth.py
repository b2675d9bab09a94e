"""How a carrier proves a webhook delivery is its own, per carrier (CarrierFeed.webhook_auth):

* **signature** (the default): Standard Webhooks headers signed with the feed's secret
  (caravana.webhook_signing);
* **basic**: HTTP Basic credentials (RFC 7617), which Loggi sends: its document
  (https://docs.api.loggi.com/reference/webhook, seen 2026-12-03) has it call the endpoint with
  a user and password agreed beforehand. Caravana makes the password (256 random bits) and
  keeps only its SHA-256, as it does API tokens (accounts.tokens): a slow password hash is for
  guessable secrets, and would cost every delivery tens of milliseconds. The user and the
  password are compared in constant time, both always, so timing tells neither.

Every refusal says what was wrong (AuthError.reason, a code of CarrierEventsErrorCode) and
nothing is written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _

from caravana import webhook_signing


class Auth(models.TextChoices):
    SIGNATURE = "signature", _("Standard Webhooks signature")
    BASIC = "basic", _("HTTP Basic credentials")


class AuthError(ValueError):
    """A delivery refused: `reason` is the machine-readable code, the message the words."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def new_password() -> str:
    return secrets.token_urlsafe(32)


def _basic(headers: Mapping[str, str]) -> tuple[str, str]:
    """(user, password) from the Authorization header, or AuthError naming what is missing."""
    value = headers.get("Authorization", "") or headers.get("authorization", "")
    scheme, _sep, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise AuthError(
            "missing_credentials",
            str(_("HTTP Basic credentials missing: this carrier's webhook takes them.")),
        )
    try:
        user, colon, password = (
            base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        user, colon, password = "", "", ""
    if not colon:
        raise AuthError(
            "invalid_credentials",
            str(_("HTTP Basic credentials unreadable: base64 of user:password expected.")),
        )
    return user, password


def check(
    *, auth: str, secret: str, user: str, password_digest: str, body: bytes,
    headers: Mapping[str, str],
) -> None:  # fmt: skip
    """Accept the delivery or raise AuthError (signature or credentials, named)."""
    if auth == Auth.BASIC:
        got_user, got_password = _basic(headers)
        if not password_digest:
            raise AuthError(
                "invalid_credentials",
                str(_("No HTTP Basic credentials are set for this carrier yet.")),
            )
        same_user = hmac.compare_digest(got_user.encode(), user.encode())
        same_password = hmac.compare_digest(digest(got_password), password_digest)
        if not (same_user and same_password):
            raise AuthError(
                "invalid_credentials", str(_("HTTP Basic credentials wrong: user or password."))
            )
        return
    try:
        webhook_signing.verify(secret, body, headers)
    except webhook_signing.SignatureError:
        raise AuthError("invalid_signature", str(_("Signature missing or wrong."))) from None
