"""CLABE (Clave Bancaria Estandarizada, Mexican standardised bank account number).

Every Mexican bank account that receives SPEI transfers has an 18-digit CLABE:
a 3-digit bank code (ABM), a 3-digit branch city (plaza) code, the 11-digit
account number and 1 check digit. The check digit multiplies the first 17
digits by the weights 3, 7, 1 (repeating), keeps each product modulo 10, and
takes (10 - sum mod 10) mod 10.

Because 3, 7 and 1 are all coprime with 10, every single-digit substitution
changes the sum modulo 10 and is caught. The bank code is not checked against
the list of banks here (that list changes; see Banxico's SPEI participants).

More information:

* Banxico, SPEI; Asociación de Bancos de México, CLABE standard
* https://es.wikipedia.org/wiki/CLABE

>>> calc_check_digit('03218000011835971')
'9'
>>> validate('032 180 00011835971 9')
'032180000118359719'
>>> validate('002010077777777772')
Traceback (most recent call last):
    ...
stdnum.exceptions.InvalidChecksum: The number's checksum or check digit is invalid.
>>> build('002', '010', '07777777777')
'002010077777777771'
>>> format('032180000118359719')
'032 180 00011835971 9'
"""

from __future__ import annotations

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.util import clean, isdigits

__all__ = ["build", "calc_check_digit", "compact", "format", "is_valid", "split", "validate"]

_WEIGHTS = (3, 7, 1) * 6


def compact(number: str) -> str:
    """Strip spaces and dashes, as customers paste it from bank statements."""
    return clean(number, " -").strip()


def calc_check_digit(number: str) -> str:
    """Check digit of the first 17 digits (weights 3,7,1; products mod 10)."""
    if len(number) != 17 or not isdigits(number):
        raise InvalidFormat("the CLABE body is 17 digits")
    total = sum(w * int(d) % 10 for w, d in zip(_WEIGHTS, number, strict=False))
    return str((10 - total % 10) % 10)


def validate(number: str) -> str:
    """Return the 18-digit compact CLABE or raise a stdnum exception."""
    number = compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) != 18:
        raise InvalidLength()
    if number[-1] != calc_check_digit(number[:-1]):
        raise InvalidChecksum()
    return number


def is_valid(number: str) -> bool:
    """Whether the CLABE is 18 digits with a correct check digit."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def format(number: str) -> str:
    """Group bank, city, account and check digit: ``032 180 00011835971 9``."""
    number = compact(number)
    return " ".join((number[:3], number[3:6], number[6:17], number[17:]))


def split(number: str) -> tuple[str, str, str]:
    """(bank, city, account) of a valid CLABE."""
    number = validate(number)
    return number[:3], number[3:6], number[6:17]


def _digits(value: str | int, width: int, what: str) -> str:
    if isinstance(value, bool):
        raise InvalidFormat(f"the {what} is {width} digits")
    if isinstance(value, int):
        if not 0 <= value < 10**width:
            raise InvalidLength(f"the {what} is {width} digits")
        return f"{value:0{width}d}"
    value = compact(value)
    if not isdigits(value):
        raise InvalidFormat(f"the {what} is {width} digits")
    if len(value) != width:
        raise InvalidLength(f"the {what} is {width} digits")
    return value


def build(bank: str | int, city: str | int, account: str | int) -> str:
    """CLABE from its parts; strings must have their full width (leading zeros
    matter), integers are zero-padded."""
    body = _digits(bank, 3, "bank code") + _digits(city, 3, "city code")
    body += _digits(account, 11, "account number")
    return body + calc_check_digit(body)
