"""Errors that carry a stable machine-readable code beside their translated message.

Each app lists its codes in ``<app>/error_codes.py`` (a ``StrEnum``, as Saleor's
``error_codes.py``); services raise Django's ValidationError with one of them, and the API
answers it in each error's ``code`` (caravana.api.errors), so a client switches on the code,
never on the wording. A dict of plain messages given to ValidationError drops its ``code``
argument (Django builds each field's error without it), hence these helpers."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError

from caravana.error_codes import CommonErrorCode


def field_error(
    field: str, message: Any, code: StrEnum, params: dict | None = None
) -> ValidationError:
    """A ValidationError on one field whose error keeps ``code``; ``message`` may be a list of
    messages (Django drops ``code`` for a list too), each then with ``code``."""
    if isinstance(message, list):
        return ValidationError(
            {field: [ValidationError(m, code=code.value, params=params) for m in message]}
        )
    return ValidationError({field: ValidationError(message, code=code.value, params=params)})


def fields_error(messages: Mapping[str, Any], code: StrEnum) -> ValidationError:
    """A ValidationError naming several fields, all with the same ``code``."""
    return ValidationError(
        {name: ValidationError(msg, code=code.value) for name, msg in messages.items()}
    )


def coded_fields_error(
    messages: Mapping[str, Any],
    codes: Mapping[str, StrEnum],
    default: StrEnum = CommonErrorCode.INVALID,
) -> ValidationError:
    """A ValidationError naming several fields collected in one pass, each with its own code:
    that of the whole key in ``codes``, else of its last dotted part (``events.3.code`` →
    ``codes["code"]``), else ``default``."""
    return ValidationError(
        {
            name: ValidationError(
                msg, code=codes.get(name, codes.get(name.rpartition(".")[2], default)).value
            )
            for name, msg in messages.items()
        }
    )
