"""Codes shared by every app: the generic field codes an error without a more specific one
falls back to, and the HTTP-level refusals every API operation may answer. Each app's own
codes are in its error_codes.py; caravana.api.errors lists them all."""

from enum import StrEnum


class CommonErrorCode(StrEnum):
    #: A value is wrong; the fallback for an error that has no more specific code.
    INVALID = "invalid"
    REQUIRED = "required"
    UNKNOWN_FIELD = "unknown_field"
    NOT_NULL = "not_null"
    TOO_LONG = "too_long"
    NUL_CHARACTER = "nul_character"
    BAD_REQUEST = "bad_request"
    NOT_AUTHENTICATED = "not_authenticated"
    PERMISSION_DENIED = "permission_denied"
    #: A valid API token without the scope the operation needs (the answer names the scope).
    MISSING_SCOPE = "missing_scope"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    THROTTLED = "throttled"
