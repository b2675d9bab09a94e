"""A carrier whose number format nobody has published: any 6 to 40 letters or digits.

Used for carriers whose format the reference marks unverified (Loggi, Jadlog, J&T, 99minutos,
Blue Express, Servientrega, Inter Rapidísimo, OCA, Shalom). It accepts what the carrier gives
and says so: nothing is known to check, so a typing mistake is not caught.

Source: shared/reference/border-and-last-mile.md §4 ("format unverified" / "unverified").

>>> validate('jt-0012 3456 789')
'JT00123456789'
>>> is_valid('12345')
False
"""

from __future__ import annotations

import re

from caravana.codes.carriers._shape import check_shape, is_valid_with
from caravana.codes.carriers._shape import compact as compact

__all__ = ["CHECK_RULE", "NAME", "SOURCE", "VERIFIED", "compact", "format", "is_valid", "validate"]

NAME = "Unknown format (any 6–40 letters or digits)"
SOURCE = "shared/reference/border-and-last-mile.md §4: format unverified; nothing is checked"
VERIFIED = False
CHECK_RULE: str | None = None
_RE = re.compile(r"[0-9A-Z]{6,40}")


def validate(number: str) -> str:
    return check_shape(number, range(6, 41), _RE)


def is_valid(number: str) -> bool:
    return is_valid_with(validate, number)


def format(number: str) -> str:
    return compact(number)
