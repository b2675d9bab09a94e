"""Andreani (Argentina) shipment number.

Ten digits, e.g. ``9134669991``. No check digit is published, so only the length and the
digits are checked: a mistyped digit is not caught.

Source: shared/reference/border-and-last-mile.md §4 (Andreani AR: "10 digits (e.g.
9134669991)"). A 15-digit form starting with 3 appears in one OCR library's patterns; it is
unverified and not accepted.

>>> validate('913 466 9991')
'9134669991'
>>> format('9134669991')
'9134 669 991'
"""

from __future__ import annotations

import re

from caravana.codes.carriers._shape import check_shape, is_valid_with
from caravana.codes.carriers._shape import compact as compact

__all__ = ["CHECK_RULE", "NAME", "SOURCE", "VERIFIED", "compact", "format", "is_valid", "validate"]

NAME = "Andreani (10 digits)"
SOURCE = "shared/reference/border-and-last-mile.md §4: Andreani AR, 10 digits (e.g. 9134669991)"
VERIFIED = True
#: None: no check digit is known for this number.
CHECK_RULE: str | None = None
_RE = re.compile(r"[0-9]{10}")


def validate(number: str) -> str:
    """The compact number, or raise (InvalidLength, InvalidFormat)."""
    return check_shape(number, (10,), _RE)


def is_valid(number: str) -> bool:
    return is_valid_with(validate, number)


def format(number: str) -> str:
    """Grouped 4-3-3 for reading aloud."""
    number = compact(number)
    return f"{number[:4]} {number[4:7]} {number[7:]}"
