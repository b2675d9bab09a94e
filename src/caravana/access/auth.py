"""The API's authentication: `Authorization: Bearer cvn_…` with the scope a router names
(accounts.models.Scope), and per role the member found once and put on the request
(request.merchant, request.hub, request.carrier). A valid token without the scope gets 403
naming it, with `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750, section 3.1);
a valid token of someone who is not staff of the role gets 403 naming the role. Session auth
(django_auth, beside a token on buyers' routers) is not scoped: the rows a buyer reaches are
their own (access.objects)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from caravana.access.members import CARRIER, HUB, MERCHANT, Membership
from caravana.accounts.models import Scope
from caravana.accounts.services import find_token
from caravana.error_codes import CommonErrorCode


class Refused(HttpError):
    """403 with a stable code (caravana.api.errors answers it as {"detail", "code"})."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(403, message)
        self.code = str(code)


class MissingScope(HttpError):
    """A valid token without the scope an endpoint needs. An HttpError, so it is a 403 even
    where its own handler (api.auth.missing_scope_response) is not installed."""

    code = CommonErrorCode.MISSING_SCOPE.value

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(
            403,
            _("This API token lacks the %(scope)s scope this endpoint needs.") % {"scope": scope},
        )


class TokenAuth(HttpBearer):
    """A bearer token holding `scope` (any valid token when None)."""

    #: The OpenAPI security scheme of every token auth, whatever the role: one bearer scheme.
    scheme_name = "TokenAuth"

    def __init__(self, scope: str | None = None) -> None:
        if scope is not None and scope not in Scope.values:
            raise ValueError(f"unknown API token scope {scope!r}")
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = find_token(token)
        if found is None:
            return None
        if self.scope is not None and not found.has_scope(self.scope):
            raise MissingScope(self.scope)
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]  # read by the API views
        return found.user


class MemberAuth(TokenAuth):
    """A token of staff of `membership`'s kind: what they belong to goes on the request."""

    membership: Membership

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = super().authenticate(request, token)
        if user is None:
            return None
        found = self.membership.find(user)
        if found is None:
            raise Refused(str(self.membership.refusal), self.membership.code)
        setattr(request, self.membership.attribute, found)
        return user


class MerchantAuth(MemberAuth):
    """Merchant staff's token; request.merchant is their merchant."""

    membership = MERCHANT


class HubAuth(MemberAuth):
    """Hub staff's token; request.hub is their (active) hub."""

    membership = HUB


class CarrierAuth(MemberAuth):
    """A carrier's token; request.carrier is the (active) carrier it speaks for."""

    membership = CARRIER


def token_or_session(scope: str) -> list[Any]:
    """A buyer's way in: a token with `scope`, or the signed-in session (with CSRF). Which
    rows they reach is access.objects' business (their own)."""
    return [TokenAuth(scope=scope), django_auth]
