"""Estafeta (Mexico) waybill number (guía).

Twenty-two characters, e.g. ``3039999999061710015581``; the reference's example is all
digits, and capitals are accepted too because the source says "characters" (unverified). The
shorter tracking code Estafeta also prints is not this format. No check digit is published.

Source: shared/reference/border-and-last-mile.md §4 (Estafeta MX: "22-char guía (e.g.
3039999999061710015581) + shorter tracking code").

>>> validate('3039999999 0617 10015581')
'3039999999061710015581'
>>> format('3039999999061710015581')
'3039999999 061710015581'
"""

from __future__ import annotations

import re

from caravana.codes.carriers._shape import check_shape, is_valid_with
from caravana.codes.carriers._shape import compact as compact

__all__ = ["CHECK_RULE", "NAME", "SOURCE", "VERIFIED", "compact", "format", "is_valid", "validate"]

NAME = "Estafeta guía (22 characters)"
SOURCE = "shared/reference/border-and-last-mile.md §4: Estafeta MX, 22-char guía"
VERIFIED = True
CHECK_RULE: str | None = None
_RE = re.compile(r"[0-9A-Z]{22}")


def validate(number: str) -> str:
    return check_shape(number, (22,), _RE)


def is_valid(number: str) -> bool:
    return is_valid_with(validate, number)


def format(number: str) -> str:
    number = compact(number)
    return f"{number[:10]} {number[10:]}"
