"""Harmonized System (HS 2022) six-digit subheadings.

The nomenclature is the World Customs Organization's; the table shipped in caravana/data comes from
UN Comtrade via the datasets/harmonized-system data package (ODC-PDDL-1.0, public domain). A code
is valid here only if it names a real six-digit subheading, so a typo that happens to be six
digits is still refused.

>>> validate('8518.30')
'851830'
>>> is_valid('999999')
False
>>> format('851830')
'8518.30'
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength
from stdnum.util import clean, isdigits


@dataclass(frozen=True, slots=True)
class Subheading:
    code: str
    description: str
    heading: str
    chapter: str
    section: str


@cache
def table() -> dict[str, Subheading]:
    """All six-digit subheadings, keyed by code; read once per process."""
    out: dict[str, Subheading] = {}
    with (
        resources.files("caravana.data")
        .joinpath("harmonized-system.csv")
        .open(encoding="utf-8") as fh
    ):
        for row in csv.DictReader(fh):
            # Comtrade's 99 "not specified according to kind" is a statistical bucket, not HS.
            if row["level"] == "6" and row["section"] != "TOTAL":
                code = row["hscode"]
                out[code] = Subheading(code, row["description"], code[:4], code[:2], row["section"])
    return out


@cache
def descriptions() -> dict[str, str]:
    """Descriptions of chapters, headings and subheadings alike, for display."""
    with (
        resources.files("caravana.data")
        .joinpath("harmonized-system.csv")
        .open(encoding="utf-8") as fh
    ):
        return {row["hscode"]: row["description"] for row in csv.DictReader(fh)}


def compact(number: str) -> str:
    """Drop the dots and spaces people write HS codes with."""
    return clean(number, " .-").strip()


def validate(number: str) -> str:
    """Return the compact six-digit code, or raise if it is not an HS 2022 subheading."""
    number = compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) != 6:
        raise InvalidLength()
    if number not in table():
        raise InvalidComponent()
    return number


def is_valid(number: str) -> bool:
    try:
        return bool(validate(number))
    except (InvalidFormat, InvalidLength, InvalidComponent):
        return False


def format(number: str) -> str:  # noqa: A001 - the python-stdnum verb
    number = compact(number)
    return f"{number[:4]}.{number[4:]}"


def describe(number: str) -> str:
    return descriptions().get(compact(number), "")
