"""Token secrets: generation and hashing. A plain SHA-256 is enough because the secret carries
256 bits of randomness; slow password hashes exist for guessable secrets."""

import hashlib
import secrets

PREFIX = "cvn_"


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
