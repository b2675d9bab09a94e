"""References for payments, refunds and payout batches: a prefix and twelve characters
no one misreads (no 0/O, 1/I)."""

from __future__ import annotations

import secrets

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference(prefix: str) -> str:
    """PAY…, RFD…, PO… plus twelve random characters."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(12))
