"""Caravana hub bag identifier.

A hub consolidates parcels into bags (sacks or gaylords) before they go onto
ULDs. Each bag gets a 15-character identifier designed here:

* ``CB`` - fixed prefix (Caravana bag), so a bag label is never mistaken for
  an S10 item (2 letters + 9 digits + 2 letters) or an AWB (11 digits);
* 3 letters - the IATA location code of the hub that closed the bag (``GRU``,
  ``SZX``);
* 8 digits - the hub's bag serial;
* 2 check digits - ISO 7064 MOD 97-10 over the 13 characters before them,
  letters counted as two digits (A = 10 ... Z = 35), as in the IBAN.

Why ISO 7064 MOD 97-10: bag numbers are typed by hand at hubs when a label is
torn, so the check must catch both kinds of typing slip. Read as one integer,
a single substitution changes it by d * 10**k with 0 < |d| < 36, and swapping
two adjacent digits (or letters) by (a - b) * 9 * 10**k (or (a - b) * 99 *
100**k); 97 is prime and larger than every such d, so none of these is a
multiple of 97: *every* single-character substitution and every adjacent
transposition is caught (a letter landing where a digit belongs is refused by
the format). The alternatives miss something: ISO 7064 MOD 37-36 (one
alphanumeric check character) catches every substitution but lets about 1 in
300 adjacent transpositions through (``CBBUB000000010`` and
``CBBUB000000001`` would both be valid); MOD 37-2 can produce ``*``, the start
and stop character of Code 39; Luhn covers digits only and misses 09<->90; the
UPU's mod 11 (:mod:`caravana.codes.s10`) lets some substitutions through. The
price is one more character. python-stdnum's :mod:`stdnum.iso7064.mod_97_10`
does the arithmetic.

Whether the hub code names a real hub is the network's business, not this
module's: here it only has to be 3 letters.

>>> build('GRU', 12345)
'CBGRU0001234534'
>>> validate('CB-GRU-00012345-34')
'CBGRU0001234534'
>>> validate('CBGRU0001235434')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
>>> split('CBGRU0001234534')
('GRU', 12345)
>>> format('CBGRU0001234534')
'CB-GRU-00012345-34'
"""

from __future__ import annotations

import re

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.iso7064 import mod_97_10
from stdnum.util import clean

__all__ = [
    "PREFIX",
    "build",
    "calc_check_digits",
    "compact",
    "format",
    "is_valid",
    "split",
    "validate",
]

#: Fixed first two characters of every bag identifier.
PREFIX = "CB"

_BAG_RE = re.compile(r"^CB[A-Z]{3}[0-9]{10}$")


def compact(number: str) -> str:
    """Strip spaces and dashes and upper-case, as hand scanners and people type it."""
    return clean(number, " -").strip().upper()


def calc_check_digits(number: str) -> str:
    """ISO 7064 MOD 97-10 check digits (2) over the first 13 characters."""
    if not number or not number.isascii() or not number.isalnum():
        raise InvalidFormat()
    return mod_97_10.calc_check_digits(number.upper())


def validate(number: str) -> str:
    """Return the compact bag identifier or raise a stdnum exception."""
    number = compact(number)
    if len(number) != 15:
        raise InvalidLength()
    if not _BAG_RE.match(number):
        raise InvalidFormat()
    if number[-2:] != calc_check_digits(number[:-2]):
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Whether the bag identifier is well formed with correct check digits."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Print form for labels: ``CB-GRU-00012345-34``."""
    number = compact(number)
    return "-".join((number[:2], number[2:5], number[5:13], number[13:]))


def split(number: str) -> tuple[str, int]:
    """(hub code, serial) of a valid bag identifier."""
    number = validate(number)
    return number[2:5], int(number[5:13])


def build(hub: str, serial: int) -> str:
    """Identifier for the hub's bag number ``serial`` (0..99999999)."""
    hub = hub.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", hub):
        raise InvalidFormat("the hub code is 3 letters (IATA location code)")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial <= 99_999_999:
        raise InvalidComponent("the serial is an integer from 0 to 99999999")
    body = f"{PREFIX}{hub}{serial:08d}"
    return body + calc_check_digits(body)
