"""Coordinadora (Colombia) waybill number (guía).

Eleven digits, e.g. ``73940012345``. The length comes from one integrator's code only, so it is
unverified; no check digit is published.

Source: shared/reference/border-and-last-mile.md §4 (Coordinadora CO: "11-digit guía (one
integrator)").

>>> validate('739-4001-2345')
'73940012345'
"""

from __future__ import annotations

import re

from caravana.codes.carriers._shape import check_shape, is_valid_with
from caravana.codes.carriers._shape import compact as compact

__all__ = ["CHECK_RULE", "NAME", "SOURCE", "VERIFIED", "compact", "format", "is_valid", "validate"]

NAME = "Coordinadora guía (11 digits, unverified)"
SOURCE = (
    "shared/reference/border-and-last-mile.md §4: Coordinadora CO, 11-digit guía "
    "(one integrator) — unverified"
)
VERIFIED = False
CHECK_RULE: str | None = None
_RE = re.compile(r"[0-9]{11}")


def validate(number: str) -> str:
    return check_shape(number, (11,), _RE)


def is_valid(number: str) -> bool:
    return is_valid_with(validate, number)


def format(number: str) -> str:
    return compact(number)
