"""What the carrier number modules share: how a number is typed and how its shape is checked.
None of the formats here (S10 aside) has a published check digit, so a shape is all there is."""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum.exceptions import InvalidFormat, InvalidLength, ValidationError
from stdnum.util import clean

__all__ = ["compact", "check_shape", "is_valid_with"]


def compact(number: str) -> str:
    """Strip spaces, dashes, dots and slashes and upper-case, as people and scanners type it."""
    return clean(number or "", " -./").strip().upper()


def check_shape(number: str, lengths: range | tuple[int, ...], pattern: re.Pattern[str]) -> str:
    """The compact number if its length is one of `lengths` and it matches `pattern`."""
    number = compact(number)
    if len(number) not in lengths:
        raise InvalidLength()
    if not pattern.fullmatch(number):
        raise InvalidFormat()
    return number


def is_valid_with(validate: Callable[[str], str], number: str) -> bool:
    """`validate` as a yes or no."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False
