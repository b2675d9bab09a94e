"""Boleto bancário (FEBRABAN bank payment slip): barcode and typed line.

A boleto is paid by scanning its 44-digit barcode (Interleaved 2 of 5) or by
typing its 47-digit *linha digitável*. Barcode layout (1-based positions):

====== ============================================================
1-3    bank code (e.g. 001 Banco do Brasil, 341 Itaú)
4      currency: 9 = real (0 = other currency)
5      general check digit
6-9    due-date factor (0000 = no due date)
10-19  amount in centavos
20-44  free field, laid out by each bank (agreement, "nosso número")
====== ============================================================

General check digit: modulo 11 over the other 43 digits with weights 2..9
repeating from the right, DV = 11 - (sum mod 11), and 0, 10 or 11 become 1.

The typed line has 5 fields: (1) bank + currency + barcode 20-24 + DV,
(2) barcode 25-34 + DV, (3) barcode 35-44 + DV, (4) the general check digit,
(5) factor + amount. The field DVs are modulo 10 (weights 2, 1 from the right,
digits of each product summed; the Luhn scheme, computed by
:mod:`stdnum.luhn`).

Due-date factor: days since 1997-10-07. Factor 9999 was 2025-02-21; on
2025-02-22 it restarted at 1000 and will run to 9999 on 2049-10-13 (1000 again
on 2049-10-14). A factor therefore names one date every 9000 days;
:func:`due_date` picks the one nearest a reference date.

What the check digits catch: in fields 1-3 of the typed line every single-digit
change is caught by the Luhn DV of its field. In the barcode (and in fields 4
and 5 of the typed line) the modulo-11 DV changes with every single-digit
change (weights 2..9 and digit differences are nonzero mod 11), but because
three residues (sum mod 11 = 0, 1, 10) all give DV 1, a change that moves the
sum between those residues is not caught. A changed check digit is always
caught. Collection slips (arrecadação, barcode starting with 8, 48-digit typed
line) are a different standard and are refused.

More information:

* FEBRABAN, "Layout padrão de arrecadação/recebimento com utilização do código
  de barras"; Banco Central do Brasil, Carta-Circular 2.926
* https://pt.wikipedia.org/wiki/Boleto_banc%C3%A1rio

>>> validate('00190.50095 40144.816069 06809.350314 3 37370000000100')
'00190500954014481606906809350314337370000000100'
>>> barcode_from_typed_line('00190500954014481606906809350314337370000000100')
'00193373700000001000500940144816060680935031'
>>> format('00193373700000001000500940144816060680935031')
'00190.50095 40144.816069 06809.350314 3 37370000000100'
>>> due_factor(datetime.date(2025, 2, 22))
1000
>>> due_date(1000, near=datetime.date(2025, 3, 1))
datetime.date(2025, 2, 22)
>>> build('001', Decimal('1.00'), datetime.date(2007, 12, 31), '0500940144816060680935031')
'00193373700000001000500940144816060680935031'
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from stdnum import luhn
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.util import clean, isdigits

__all__ = [
    "BASE_DATE",
    "barcode_from_typed_line",
    "build",
    "calc_check_digit",
    "calc_field_check_digit",
    "compact",
    "due_date",
    "due_factor",
    "format",
    "is_valid",
    "parse",
    "typed_line",
    "validate",
]

#: Day 0 of the due-date factor.
BASE_DATE = datetime.date(1997, 10, 7)
_CYCLE = 9000  # factors 1000..9999 repeat every 9000 days since 2000-07-03
_MAX_CENTS = 9_999_999_999


def compact(number: str) -> str:
    """Strip the dots, spaces and dashes banks print in the typed line."""
    return clean(number, " .-").strip()


def calc_check_digit(number: str) -> str:
    """General (barcode) check digit over 43 digits: mod 11, weights 2..9 from
    the right, 0/10/11 -> 1. ``number`` is the barcode without position 5."""
    if len(number) != 43 or not isdigits(number):
        raise InvalidFormat("the barcode without its check digit is 43 digits")
    total = sum((2 + i % 8) * int(d) for i, d in enumerate(reversed(number)))
    check = 11 - total % 11
    return "1" if check in (10, 11) else str(check)


def calc_field_check_digit(field: str) -> str:
    """Modulo-10 DV of a typed-line field (weights 2,1 from the right: Luhn)."""
    if not field or not isdigits(field):
        raise InvalidFormat()
    return luhn.calc_check_digit(field)


def _with_check_digit(body: str) -> str:
    """Insert the general check digit at position 5 of a 43-digit body."""
    return body[:4] + calc_check_digit(body) + body[4:]


def _validate_barcode(number: str) -> str:
    if number[4] != calc_check_digit(number[:4] + number[5:]):
        raise InvalidChecksum()
    return number


def _validate_typed_line(number: str) -> str:
    for field in (number[0:10], number[10:21], number[21:32]):
        if field[-1] != calc_field_check_digit(field[:-1]):
            raise InvalidChecksum("a typed-line field check digit is wrong")
    _validate_barcode(_barcode_of(number))
    return number


def _barcode_of(line: str) -> str:
    return line[0:4] + line[32] + line[33:47] + line[4:9] + line[10:20] + line[21:31]


def validate(number: str) -> str:
    """Return the compact barcode (44 digits) or typed line (47) or raise.
    The form is told by the length."""
    number = compact(number)
    if not isdigits(number):
        raise InvalidFormat()
    if len(number) not in (44, 47):
        raise InvalidLength("a boleto barcode is 44 digits, its typed line 47")
    if number[0] == "8":
        raise InvalidComponent("collection slips (arrecadação) are not bank boletos")
    if number[3] not in "90":
        raise InvalidComponent("the currency digit is 9 (real) or 0")
    if len(number) == 44:
        return _validate_barcode(number)
    return _validate_typed_line(number)


def is_valid(number: str) -> bool:
    """Whether the barcode or typed line is valid."""
    try:
        return bool(validate(number))
    except ValidationError:
        return False


def typed_line(barcode: str) -> str:
    """The 47-digit typed line of a valid barcode (compact; see :func:`format`)."""
    barcode = compact(barcode)
    if len(barcode) != 44:
        raise InvalidLength("a boleto barcode is 44 digits")
    barcode = validate(barcode)
    fields = (barcode[0:4] + barcode[19:24], barcode[24:34], barcode[34:44])
    return "".join(f + calc_field_check_digit(f) for f in fields) + barcode[4] + barcode[5:19]


def barcode_from_typed_line(line: str) -> str:
    """The 44-digit barcode of a valid typed line."""
    line = compact(line)
    if len(line) != 47:
        raise InvalidLength("a boleto typed line is 47 digits")
    return _barcode_of(validate(line))


def format(number: str) -> str:
    """Typed line grouped as banks print it (from a barcode or a typed line):
    ``AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE``."""
    number = compact(number)
    if len(number) == 44:
        number = typed_line(number)
    n = number
    return f"{n[0:5]}.{n[5:10]} {n[10:15]}.{n[15:21]} {n[21:26]}.{n[26:32]} {n[32]} {n[33:]}"


def due_factor(due: datetime.date) -> int:
    """Factor for a due date, with the 2025-02-22 restart at 1000."""
    days = (due - BASE_DATE).days
    if days < 1:
        raise InvalidComponent("due dates start on 1997-10-08")
    if days <= 9999:
        return days
    return 1000 + (days - 10000) % _CYCLE


def due_date(factor: int, near: datetime.date | None = None) -> datetime.date:
    """Due date of a factor: of the dates the factor has named (every 9000 days),
    the one nearest ``near`` (default today). Factor 0 means no due date."""
    if isinstance(factor, bool) or not isinstance(factor, int) or not 1 <= factor <= 9999:
        raise InvalidComponent("a due-date factor is 1..9999 (0 = no due date)")
    near = near or datetime.date.today()
    first = BASE_DATE + datetime.timedelta(days=factor)
    if factor < 1000:  # only used before 2000-07-03, never repeated
        return first
    cycles = round((near - first).days / _CYCLE)
    return first + datetime.timedelta(days=_CYCLE * max(cycles, 0))


def _cents(amount: Decimal) -> int:
    if isinstance(amount, float):
        raise InvalidFormat("give the amount as a Decimal, not a float")
    try:
        cents = Decimal(amount) * 100
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise InvalidFormat("the amount is a Decimal") from exc
    if cents != cents.to_integral_value():
        raise InvalidFormat("the amount is a Decimal with at most 2 decimal places")
    if not 0 <= cents <= _MAX_CENTS:
        raise InvalidComponent("the amount is 0.00 to 99,999,999.99")
    return int(cents)


def build(
    bank: str, amount: Decimal, due: datetime.date | None, free_field: str, currency: str = "9"
) -> str:
    """The 44-digit barcode; ``free_field`` is the bank's 25-digit field (its layout,
    agreement number and "nosso número" come from the bank's own manual).
    ``due=None`` gives factor 0000 (no due date)."""
    bank = bank.strip()
    free_field = compact(free_field)
    if len(bank) != 3 or not isdigits(bank) or bank[0] == "8":
        raise InvalidComponent("the bank code is 3 digits (not starting with 8)")
    if currency not in ("9", "0"):
        raise InvalidComponent("the currency digit is 9 (real) or 0")
    if len(free_field) != 25 or not isdigits(free_field):
        raise InvalidFormat("the free field is 25 digits")
    factor = 0 if due is None else due_factor(due)
    return _with_check_digit(f"{bank}{currency}{factor:04d}{_cents(amount):010d}{free_field}")


def parse(number: str, near: datetime.date | None = None) -> dict[str, object]:
    """Decode a barcode or typed line: bank, currency, amount (Decimal), factor,
    due (date or None), free_field and barcode."""
    number = validate(number)
    barcode = number if len(number) == 44 else _barcode_of(number)
    factor = int(barcode[5:9])
    return {
        "bank": barcode[0:3],
        "currency": barcode[3],
        "factor": factor,
        "due": None if factor == 0 else due_date(factor, near),
        "amount": Decimal(int(barcode[9:19])).scaleb(-2),
        "free_field": barcode[19:44],
        "barcode": barcode,
    }
