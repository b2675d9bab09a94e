"""Olva Courier (Peru) tracking number: 4 to 12 digits followed by the 2-digit year of issue.

Olva's tracking site asks for the two parts apart (``emision`` and ``tracking``), so the
compact form keeps them together, digits only, and :func:`link_fields` splits them again.
No check digit is published. The shape comes from third-party integration code (unverified).

Source: shared/reference/border-and-last-mile.md §4 (Olva PE: "4–12 digits + 2-digit issue
year"; tracking.olvaexpress.pe/?emision={yy}&tracking={n} (i)).

>>> validate('1234567-26')
'123456726'
>>> format('123456726')
'1234567-26'
>>> link_fields('123456726')
{'n': '123456726', 'tracking': '1234567', 'yy': '26'}
"""

from __future__ import annotations

import re

from caravana.codes.carriers._shape import check_shape, is_valid_with
from caravana.codes.carriers._shape import compact as compact

__all__ = [
    "CHECK_RULE",
    "NAME",
    "SOURCE",
    "VERIFIED",
    "compact",
    "format",
    "is_valid",
    "link_fields",
    "validate",
]

NAME = "Olva (4–12 digits + 2-digit year, unverified)"
SOURCE = (
    "shared/reference/border-and-last-mile.md §4: Olva PE, 4–12 digits + 2-digit issue year "
    "(third-party integration code) — unverified"
)
VERIFIED = False
CHECK_RULE: str | None = None
_RE = re.compile(r"[0-9]{6,14}")


def validate(number: str) -> str:
    return check_shape(number, range(6, 15), _RE)


def is_valid(number: str) -> bool:
    return is_valid_with(validate, number)


def format(number: str) -> str:
    number = compact(number)
    return f"{number[:-2]}-{number[-2:]}"


def link_fields(number: str) -> dict[str, str]:
    """The placeholders a tracking link may use: the whole number, the serial and the year."""
    number = compact(number)
    return {"n": number, "tracking": number[:-2], "yy": number[-2:]}
