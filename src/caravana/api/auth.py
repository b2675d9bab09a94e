"""Bearer-token auth for the API: `Authorization: Bearer cvn_…`. Each router names the scope
its endpoints need (accounts.models.Scope); a valid token without it gets 403 naming the scope,
with `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750, section 3.1). Session
auth (django_auth, beside it on some routers) is not scoped: roles decide there."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.security import HttpBearer

from caravana.accounts.models import Scope
from caravana.accounts.services import find_token
from caravana.error_codes import CommonErrorCode


class MissingScope(HttpError):
    """A valid token without the scope an endpoint needs. An HttpError, so it is a 403 even
    where its own handler (missing_scope_response) is not installed."""

    code = CommonErrorCode.MISSING_SCOPE.value

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(
            403,
            _("This API token lacks the %(scope)s scope this endpoint needs.") % {"scope": scope},
        )


class TokenAuth(HttpBearer):
    def __init__(self, scope: str | None = None) -> None:
        if scope is not None and scope not in Scope.values:
            raise ValueError(f"unknown API token scope {scope!r}")
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str):
        found = find_token(token)
        if found is None:
            return None
        if self.scope is not None and not found.has_scope(self.scope):
            raise MissingScope(self.scope)
        request.user = found.user
        request.api_token = found
        return found.user


def missing_scope_response(api, request: HttpRequest, exc: MissingScope) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": exc.message, "code": exc.code, "required_scope": exc.scope},
        status=403,
    )
    response["WWW-Authenticate"] = f'Bearer error="insufficient_scope", scope="{exc.scope}"'
    return response


def required_scope(operation: Operation) -> str | None:
    for auth in operation.auth_callbacks:
        if isinstance(auth, TokenAuth) and auth.scope:
            return auth.scope
    return None


class ScopedOpenAPISchema(OpenAPISchema):
    """Ninja's schema with each operation's token scope: in its security requirement (OpenAPI
    3.1 allows role names there for schemes other than OAuth, section 4.8.30) and, for readers
    of the docs page, at the end of its description."""

    def operation_details(self, operation: Operation) -> dict:
        result = super().operation_details(operation)
        scope = required_scope(operation)
        if scope is None:
            return result
        for requirement in result.get("security", []):
            if TokenAuth.__name__ in requirement:
                requirement[TokenAuth.__name__] = [scope]
        note = f"API token scope: `{scope}`."
        description = result.get("description")
        result["description"] = f"{description}\n\n{note}" if description else note
        return result


class ScopedNinjaAPI(NinjaAPI):
    """NinjaAPI documenting token scopes and answering a missing one with 403 naming it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_exception_handler(MissingScope, lambda r, e: missing_scope_response(self, r, e))

    def get_openapi_schema(self, *, path_prefix=None, path_params=None) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ScopedOpenAPISchema(self, path_prefix)
