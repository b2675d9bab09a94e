"""Every write to accounts goes through here."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import selects
from caravana.accounts import tokens
from caravana.accounts.error_codes import AccountsErrorCode
from caravana.accounts.models import (
    MEMBERSHIP_SCOPES,
    ROLE_SCOPES,
    ApiToken,
    Role,
    Scope,
    User,
    ordered_scopes,
)
from caravana.errors import field_error


@transaction.atomic
def sign_up(*, username: str, email: str, password: str, role: str = Role.BUYER) -> User:
    return get_user_model().objects.create_user(
        username=username, email=email, password=password, role=role
    )


def role_scopes(user: User) -> list[str]:
    """The scopes `user`'s tokens may hold, and get unless told otherwise: those of the role,
    plus those of the merchant, hub or carrier the user belongs to."""
    if user.is_superuser:
        return list(Scope.values)
    scopes = set(ROLE_SCOPES.get(user.role, ()))
    for accessor, extra in MEMBERSHIP_SCOPES.items():
        if hasattr(user, accessor):  # a reverse one-to-one: absent raises, hasattr says False
            scopes.update(extra)
    return ordered_scopes(scopes)


@transaction.atomic
def create_token(
    user: User, name: str, scopes: Iterable[str] | None = None
) -> tuple[ApiToken, str]:
    """Returns the token row and its secret; the secret is never stored. `scopes` defaults to
    every scope of the user's role; asking for none, or for one the role does not use, is a
    ValidationError on `scopes`."""
    allowed = role_scopes(user)
    chosen = allowed if scopes is None else [str(s) for s in scopes]
    unknown = [s for s in chosen if s not in allowed]
    if unknown:
        raise field_error(
            "scopes",
            _("Not a scope this account may give: %(s)s.") % {"s": ", ".join(unknown)},
            AccountsErrorCode.SCOPE_NOT_ALLOWED,
        )
    if not chosen:
        raise field_error("scopes", _("Choose at least one scope."), AccountsErrorCode.NO_SCOPE)
    secret = tokens.new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80] or "token",
        prefix=secret[: len(tokens.PREFIX) + 6],
        digest=tokens.digest(secret),
        scopes=" ".join(ordered_scopes(chosen)),
    )
    return token, secret


@transaction.atomic
def revoke_token(user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def find_token(secret: str) -> ApiToken | None:
    """The active token with this secret (its user loaded), or None. Records last use at most
    once a minute so a busy integration does not turn every read into a write."""
    if not secret or not secret.startswith(tokens.PREFIX):
        return None
    # Every API request starts here: one SELECT built once (caravana.selects), not a query
    # compiled per request. The digest is unique, so there is one row at most.
    found = selects.fetch(
        ApiToken, "{digest} = %s AND {revoked_at} IS NULL", [tokens.digest(secret)],
        related=("user",),
    )  # fmt: skip
    token = found[0] if found else None
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def authenticate_token(secret: str) -> User | None:
    """The user behind an active token, or None (whatever its scopes: api.auth checks them)."""
    token = find_token(secret)
    return token.user if token is not None else None
