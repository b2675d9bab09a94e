"""A carrier's number from a range it gave: the prefix, the serial written with a fixed number
of digits, and a suffix. Pure, no Django (the range's checks and the allocation call it).

A carrier that numbers by the UPU S10 standard (Correios, Correos de Chile, 4-72, Serpost,
Correo Argentino) gives ranges of S10 serials under a service indicator: the prefix is then
the two-letter indicator, the serial has eight digits and the check digit and the carrier's
country follow, built by caravana.codes.s10 itself (shared/reference/logistics.md §Identifiers).

>>> build("andreani", "91", 345, 8, "", "AR")
'9100000345'
>>> build("s10", "AA", 1, 8, "", "BR")
'AA000000017BR'
"""

from __future__ import annotations

from caravana.codes import carriers as carrier_numbers
from caravana.codes import s10

S10_WIDTH = 8


def build(fmt: str, prefix: str, serial: int, width: int, suffix: str, country: str) -> str:
    """The number for `serial`, validated in the carrier's format `fmt` (raises stdnum's
    ValidationError, a ValueError, when it is not one)."""
    if fmt == "s10":
        return s10.build(prefix, serial, country)
    number = f"{prefix}{serial:0{width}d}{suffix}"
    if len(f"{serial}") > width:
        raise ValueError(f"serial {serial} has more than {width} digits")
    return carrier_numbers.validate(fmt, number)
