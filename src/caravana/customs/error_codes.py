"""Stable codes of the customs app's errors (see caravana.errors)."""

from enum import StrEnum


class CustomsErrorCode(StrEnum):
    INVALID_DECLARATION = "invalid_declaration"
    INVALID_NATIONAL_CODE = "invalid_national_code"
    INVALID_SENDER = "invalid_sender"
    UNKNOWN_ADAPTER = "unknown_adapter"
