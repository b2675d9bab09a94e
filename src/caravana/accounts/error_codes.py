"""Stable codes of the accounts app's errors (see caravana.errors)."""

from enum import StrEnum


class AccountsErrorCode(StrEnum):
    SCOPE_NOT_ALLOWED = "scope_not_allowed"
    NO_SCOPE = "no_scope"
    LOCKED_OUT = "locked_out"
