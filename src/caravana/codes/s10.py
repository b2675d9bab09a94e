"""UPU S10 item identifier (postal tracking number).

Every registered, insured, EMS or tracked parcel that crosses a border through
the postal network carries a 13-character S10 identifier: a 2-letter service
indicator, an 8-digit serial number, 1 check digit over the serial, and the
ISO 3166-1 alpha-2 code of the postal operator that issued it.

The check digit uses the weights 8, 6, 4, 2, 3, 5, 9, 7 over the serial:
C = 11 - (sum mod 11), then 10 becomes 0 and 11 becomes 5.

The first letter of the service indicator names the service (E = EMS,
R = registered, C = parcel, L = letter express, H = e-commerce parcel, ...).
Indicators whose first letter is J, K, S, T or W are reserved by the UPU.
:func:`build` refuses them so that Caravana never issues one; :func:`validate`
accepts them by default, because a label already in the network is a fact to
be tracked, not something to reject at the scanner; pass ``strict=True`` to
refuse them too (:func:`is_reserved` tells them apart).

What the check digit catches: every single-digit change of the serial changes
the sum mod 11 (the weights and any digit difference are nonzero mod 11), but
the 11 -> 5 rule maps two residues (sum mod 11 = 0 and 6) onto the same check
digit 5, so a change that moves the sum between those two residues is *not*
caught (e.g. RB123456785GB and RB323456785GB are both valid). A changed check
digit is always caught. Letters (indicator, country) are not covered by the
check digit at all; the country is only checked against ISO 3166-1.

More information:

* UPU standard S10, "Identification of postal items - 13-character identifier"
* https://en.wikipedia.org/wiki/S10_(UPU_standard)
* https://github.com/jkeen/tracking_number_data (couriers/s10.json)

>>> calc_check_digit('12345678')
'5'
>>> validate('RB 123 456 785 GB')
'RB123456785GB'
>>> validate('RB123456784GB')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
>>> build('RB', 12345678, 'GB')
'RB123456785GB'
>>> format('rb123456785gb')
'RB 123 456 785 GB'
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.util import clean

__all__ = [
    "RESERVED_FIRST_LETTERS",
    "SERVICES",
    "build",
    "calc_check_digit",
    "compact",
    "format",
    "is_reserved",
    "is_valid",
    "problem",
    "validate",
]

_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_S10_RE = re.compile(r"^[A-Z]{2}[0-9]{9}[A-Z]{2}$")

#: First letters of the service indicator that the UPU keeps reserved.
RESERVED_FIRST_LETTERS = frozenset("JKSTW")

#: Meaning of the first letter of the service indicator (the ones Caravana uses).
SERVICES = {
    "C": "parcel",
    "E": "EMS",
    "H": "e-commerce parcel",
    "L": "letter post express",
    "R": "registered",
}


def compact(number: str) -> str:
    """Strip spaces and dashes and upper-case, as scanners and people type it."""
    return clean(number, " -").strip().upper()


def calc_check_digit(serial: str) -> str:
    """Check digit of an 8-digit serial (weights 8,6,4,2,3,5,9,7; 10 -> 0, 11 -> 5)."""
    if len(serial) != 8 or not serial.isascii() or not serial.isdigit():
        raise InvalidFormat("the S10 serial is 8 digits")
    check = 11 - sum(w * int(d) for w, d in zip(_WEIGHTS, serial, strict=True)) % 11
    return {10: "0", 11: "5"}.get(check, str(check))


def is_reserved(number: str) -> bool:
    """Whether the service indicator starts with a letter the UPU reserves (J, K, S, T, W)."""
    return compact(number)[:1] in RESERVED_FIRST_LETTERS


@lru_cache(maxsize=512)
def _is_country(code: str) -> bool:
    """pycountry's lookup, remembered: it costs more than the rest of a validation."""
    return pycountry.countries.get(alpha_2=code) is not None


def _check_country(country: str) -> None:
    if not _is_country(country):
        raise InvalidComponent(f"{country!r} is not an ISO 3166-1 alpha-2 country code")


def validate(number: str, strict: bool = False) -> str:
    """Return the compact identifier or raise; ``strict`` also refuses reserved indicators."""
    number = compact(number)
    if len(number) != 13:
        raise InvalidLength()
    if not _S10_RE.match(number):
        raise InvalidFormat()
    if number[10] != calc_check_digit(number[2:10]):
        raise InvalidChecksum()
    _check_country(number[11:])
    if strict and number[0] in RESERVED_FIRST_LETTERS:
        raise InvalidComponent(f"service indicator {number[:2]} is reserved")
    return number


def problem(number: str) -> str | None:
    """What is wrong with `number`, for a message a person can act on: "length", "format",
    "check_digit", "country", or None when it is a valid identifier.

    >>> problem("RR123456785CN") is None, problem("RR123456784CN"), problem("RR12345678CN")
    (True, 'check_digit', 'length')
    """
    try:
        validate(number)
    except InvalidLength:
        return "length"
    except InvalidFormat:
        return "format"
    except InvalidChecksum:
        return "check_digit"
    except InvalidComponent:
        return "country"
    return None


def is_valid(number: str, strict: bool = False) -> bool:
    """Whether the identifier is a valid S10 (see :func:`validate`)."""
    try:
        return bool(validate(number, strict))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Human-readable form printed under the barcode: ``RB 123 456 785 GB``."""
    number = compact(number)
    return " ".join((number[:2], number[2:5], number[5:8], number[8:11], number[11:]))


def build(indicator: str, serial: int, country: str) -> str:
    """Issue an identifier; refuses reserved indicators, serials outside 0..99999999
    and countries that are not ISO 3166-1 alpha-2."""
    indicator = indicator.strip().upper()
    country = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", indicator):
        raise InvalidFormat("the service indicator is 2 letters")
    if indicator[0] in RESERVED_FIRST_LETTERS:
        raise InvalidComponent(f"service indicator {indicator} is reserved by the UPU")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial <= 99_999_999:
        raise InvalidComponent("the serial is an integer from 0 to 99999999")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidFormat("the country is an ISO 3166-1 alpha-2 code")
    _check_country(country)
    digits = f"{serial:08d}"
    return f"{indicator}{digits}{calc_check_digit(digits)}{country}"
