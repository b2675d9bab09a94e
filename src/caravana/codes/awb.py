"""IATA air waybill (AWB) number.

The air waybill is the contract of carriage for air cargo; its 11-digit number
is a 3-digit airline prefix (the IATA accounting code of the issuing carrier,
e.g. 176 Emirates, 369 Atlas Air) followed by a 7-digit serial and 1 check
digit. The check digit is the serial modulo 7 (so it is 0-6, never 7-9). It is
written with a dash after the prefix: ``123-12345675``.

What the check digit catches, exactly: changing one serial digit by ``d``
changes the serial by ``d * 10**k``; since 10 is invertible modulo 7 the
remainder changes unless ``d`` is a multiple of 7, so every single-digit
change of the serial is caught *except* 0<->7, 1<->8 and 2<->9. Any change of
the check digit is caught (there is only one right value). The prefix is not
covered by the check digit at all: a mistyped prefix can only be caught by
looking the airline up.

More information:

* IATA Cargo Services Conference Resolution 600a (Air Waybill)
* https://en.wikipedia.org/wiki/Air_waybill

>>> calc_check_digit('1234567')
'5'
>>> validate('123-12345675')
'12312345675'
>>> validate('123-12345674')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
>>> build('123', 1234567)
'12312345675'
>>> format('12312345675')
'123-12345675'
"""

from __future__ import annotations

from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.util import clean, isdigits

__all__ = ["build", "calc_check_digit", "compact", "format", "is_valid", "validate"]


def compact(number: str) -> str:
    """Strip spaces and dashes: the form stored and sent in Cargo-IMP/ONE Record messages."""
    return clean(number, " -").strip()


def calc_check_digit(serial: str) -> str:
    """Check digit of the 7-digit serial: the serial modulo 7."""
    if len(serial) != 7 or not isdigits(serial):
        raise InvalidFormat("the AWB serial is 7 digits")
    return str(int(serial) % 7)


def validate(number: str) -> str:
    """Return the 11-digit compact AWB or raise a stdnum exception."""
    number = compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) != 11:
        raise InvalidLength()
    if number[-1] != calc_check_digit(number[3:10]):
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Whether the AWB number is well formed with a correct check digit."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Print form with the prefix set off: ``123-12345675``."""
    number = compact(number)
    return f"{number[:3]}-{number[3:]}"


def build(prefix: str, serial: int) -> str:
    """Number a new waybill from the airline prefix and a serial of the carrier's stock."""
    prefix = prefix.strip()
    if len(prefix) != 3 or not isdigits(prefix):
        raise InvalidFormat("the airline prefix is 3 digits")
    if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial <= 9_999_999:
        raise InvalidComponent("the serial is an integer from 0 to 9999999")
    digits = f"{serial:07d}"
    return prefix + digits + calc_check_digit(digits)
