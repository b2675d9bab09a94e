"""DHL eCommerce package number, as tracking_number_data describes it for the Americas.

Three shapes: a GM, LX or RX prefix followed by 10 to 39 letters or digits; 14 digits; or 30
digits beginning 420 (a ZIP-prefixed label number). No check digit is applied here. Whether
DHL eCommerce Mexico issues the same shapes is unverified.

Source: shared/reference/border-and-last-mile.md §4 (DHL eCommerce MX: "GM/LX/RX… + 10–39
chars, 14 digits, or 30-digit 420…", from jkeen/tracking_number_data dhl.json, issue #101).

>>> validate('GM 2951 1734 0000 1234 56')
'GM295117340000123456'
>>> is_valid('42012345678901234567890123456789'[:30])
True
"""

from __future__ import annotations

import re

from caravana.codes.carriers._shape import check_shape, is_valid_with
from caravana.codes.carriers._shape import compact as compact

__all__ = ["CHECK_RULE", "NAME", "SOURCE", "VERIFIED", "compact", "format", "is_valid", "validate"]

NAME = "DHL eCommerce (GM/LX/RX…, 14 digits, 420…)"
SOURCE = (
    "shared/reference/border-and-last-mile.md §4: DHL eCommerce, jkeen/tracking_number_data "
    "dhl.json (issue #101); use in Mexico unverified"
)
VERIFIED = False
CHECK_RULE: str | None = None
_RE = re.compile(r"(?:GM|LX|RX)[0-9A-Z]{10,39}|[0-9]{14}|420[0-9]{27}")


def validate(number: str) -> str:
    return check_shape(number, range(12, 42), _RE)


def is_valid(number: str) -> bool:
    return is_valid_with(validate, number)


def format(number: str) -> str:
    return compact(number)
