"""How the API documents and answers its authentication (the auth classes themselves are
caravana.access.auth): each operation's token scope in OpenAPI, and a missing scope answered
403 naming it, with `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750, section
3.1)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from caravana.access.auth import MissingScope, TokenAuth


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
    of the docs page, at the end of its description. Every token auth (MerchantAuth, HubAuth
    …) is the one bearer scheme TokenAuth: the role is checked after the token, not sent."""

    def operation_security(self, operation: Operation) -> list[dict] | None:
        if not operation.auth_callbacks:
            return None
        result = []
        for auth in operation.auth_callbacks:
            if hasattr(auth, "openapi_security_schema"):
                name = getattr(auth, "scheme_name", type(auth).__name__)
                result.append({name: []})
                self.securitySchemes[name] = auth.openapi_security_schema
        return result

    def operation_details(self, operation: Operation) -> dict:
        result = super().operation_details(operation)
        scope = required_scope(operation)
        if scope is None:
            return result
        for requirement in result.get("security", []):
            if TokenAuth.scheme_name in requirement:
                requirement[TokenAuth.scheme_name] = [scope]
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
