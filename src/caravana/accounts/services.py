"""Every write to accounts goes through here."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from caravana.accounts import tokens
from caravana.accounts.models import ApiToken, Role, User


@transaction.atomic
def sign_up(*, username: str, email: str, password: str, role: str = Role.BUYER) -> User:
    return get_user_model().objects.create_user(
        username=username, email=email, password=password, role=role
    )


@transaction.atomic
def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and its secret; the secret is never stored."""
    secret = tokens.new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80] or "token",
        prefix=secret[: len(tokens.PREFIX) + 6],
        digest=tokens.digest(secret),
    )
    return token, secret


@transaction.atomic
def revoke_token(user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_token(secret: str) -> User | None:
    """The user behind an active token, or None. Records last use at most once a minute so a
    busy integration does not turn every read into a write."""
    if not secret or not secret.startswith(tokens.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=tokens.digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
