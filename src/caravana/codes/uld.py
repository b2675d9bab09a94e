"""IATA unit load device (ULD) identifier.

Pallets and containers loaded on aircraft carry an identifier of three parts:
a 3-letter ULD type code (first letter the category, e.g. A = certified
container, P = certified pallet; second the base size; third the contour), a
4- or 5-digit serial number, and the owner/operator code, e.g. ``PMC12345AB``,
``AKE1234AB`` or ``AKE12345ABC``. There is no check digit, so only the
structure is validated; whether the owner exists is a question for the airline
register.

The owner code is the 2-character IATA designator of an airline, or a
3-character code as painted on the tags of owners without one (lessors, ICAO
three-letter designators). The reference (logistics.md) names only the
2-character form. Handlers' public guides say "two or three characters" for
the owner (CargoGuide, "Unit load device identification",
support.cargoguide.com; VRR, "ULD ID code", vrr.aero), while ULD CARE's FAQ
(uldcare.com/faq) says the final 2 characters; none of them cites the clause of
the ULD Regulations (Standard Specification 40/1) or gives a real 3-character
example, so accepting three is unverified against the primary text. Reading the
serial greedily (five digits when a fifth digit follows the fourth) keeps
every identifier to one reading when a three-character owner is letters only:
``PMC123456B`` is serial 12345 owned by ``6B``, never 1234 owned by ``56B``.
That three-character owners are letters only is how Caravana reads it; the
reference gives no example with a digit (unverified). An IATA two-character
designator is never two digits, which keeps ``AKE123456`` from being read as
serial 1234 + owner 56.

:data:`TYPES` holds facts about the ULD types the network plans with; they
come from /work/shared/reference/logistics.md (IATA ULD Regulations as
summarised there, gathered 2026-11). Figures marked unverified there carry
``verified=False`` here.

More information:

* IATA ULD Regulations (ULDR), Standard Specification 40/0
* https://en.wikipedia.org/wiki/Unit_load_device

>>> validate('pmc 12345 ab')
'PMC12345AB'
>>> split('AKE1234AB')
('AKE', '1234', 'AB')
>>> split('AKE12345ABC')
('AKE', '12345', 'ABC')
>>> format('PMC12345AB')
'PMC 12345 AB'
>>> TYPES['PMC'].max_gross_kg
6804
>>> validate('PMC123AB')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidLength: The number has an invalid length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.util import clean

__all__ = ["TYPES", "UldType", "compact", "format", "is_valid", "split", "validate"]

_ULD_RE = re.compile(r"^([A-Z]{3})([0-9]{4,5})([A-Z0-9]{2}|[A-Z]{3})$")


@dataclass(frozen=True)
class UldType:
    """Planning facts for one ULD type (centimetres and kilograms)."""

    code: str
    aliases: tuple[str, ...]
    kind: str
    base_cm: tuple[int, int]
    max_gross_kg: int
    height_cm: int | None = None
    usable_base_cm: tuple[int, int] | None = None
    top_cm: tuple[int, int] | None = None
    volume_m3: float | None = None
    note: str = ""
    verified: bool = True
    source: str = "shared/reference/logistics.md (IATA ULD Regulations, gathered 2026-11)"


#: Known ULD types with their base dimensions and maximum gross weight.
TYPES: dict[str, UldType] = {
    "PMC": UldType(
        code="PMC",
        aliases=("P6P",),
        kind="pallet",
        base_cm=(318, 244),
        usable_base_cm=(304, 230),
        height_cm=300,
        max_gross_kg=6804,
        note="freighter main-deck standard; height up to ~300 cm on the main deck",
    ),
    "PAG": UldType(
        code="PAG",
        aliases=("P1P",),
        kind="pallet",
        base_cm=(318, 224),
        max_gross_kg=6033,
        note="max gross ~6,033 kg is unverified",
        verified=False,
    ),
    "AKE": UldType(
        code="AKE",
        aliases=("LD3",),
        kind="container",
        base_cm=(156, 153),
        top_cm=(201, 149),
        height_cm=163,
        max_gross_kg=1588,
        volume_m3=4.3,
        note="lower-deck container",
    ),
}


def compact(number: str) -> str:
    """Strip spaces and dashes and upper-case: ULD tags are often painted with gaps."""
    return clean(number, " -").strip().upper()


def split(number: str) -> tuple[str, str, str]:
    """Split a valid identifier into (type code, serial, owner code)."""
    match = _ULD_RE.match(validate(number))
    assert match is not None  # validate() guarantees it
    return match.group(1), match.group(2), match.group(3)


def validate(number: str) -> str:
    """Return the compact identifier or raise; checks structure only (no check digit)."""
    number = compact(number)
    if len(number) not in (9, 10, 11):
        raise InvalidLength()
    match = _ULD_RE.match(number)
    if not match:
        raise InvalidFormat()
    if match.group(3).isdigit():
        raise InvalidComponent("an IATA owner designator is never two digits")
    return number


def is_valid(number: str) -> bool:
    """Whether the identifier has the ULD structure."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Separate the three parts: ``PMC 12345 AB``."""
    return " ".join(split(number))
