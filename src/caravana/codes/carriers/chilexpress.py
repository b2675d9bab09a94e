"""Chilexpress (Chile) transport order number (orden de transporte, OT).

Twelve digits, e.g. ``713012345678``. No check digit is published, so only the length and the
digits are checked.

Source: shared/reference/border-and-last-mile.md §4 (Chilexpress CL: "12-digit OT"). Numbers
beginning 713 are attributed to Chilexpress in one public tracking script; the prefix is not
required here (unverified).

>>> validate('7130 1234 5678')
'713012345678'
>>> format('713012345678')
'7130 1234 5678'
"""

from __future__ import annotations

import re

from caravana.codes.carriers._shape import check_shape, is_valid_with
from caravana.codes.carriers._shape import compact as compact

__all__ = ["CHECK_RULE", "NAME", "SOURCE", "VERIFIED", "compact", "format", "is_valid", "validate"]

NAME = "Chilexpress OT (12 digits)"
SOURCE = "shared/reference/border-and-last-mile.md §4: Chilexpress CL, 12-digit OT"
VERIFIED = True
CHECK_RULE: str | None = None
_RE = re.compile(r"[0-9]{12}")


def validate(number: str) -> str:
    return check_shape(number, (12,), _RE)


def is_valid(number: str) -> bool:
    return is_valid_with(validate, number)


def format(number: str) -> str:
    number = compact(number)
    return " ".join(number[i : i + 4] for i in range(0, 12, 4))
