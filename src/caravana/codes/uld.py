"""IATA unit load device (ULD) identifier.

Pallets and containers loaded on aircraft carry an identifier of three parts:
a 3-letter ULD type code (first letter the category, e.g. A = certified
container, P = certified pallet; second the base size; third the contour), a
serial of 4 or 5 characters, and the owner/operator code, e.g. ``PMC12345AB``,
``AKE1234AB`` or ``AKE12345ABC``. There is no check digit, so only the
structure is validated; whether the owner exists is a question for the airline
register.

Sources (read 2026-12-03):

* IATA Cargo-IMP data element dictionary (the "Data Element Grid" of the Cargo
  Interchange Message Procedures, seen as text in a public repository copy):
  element 115, ULD serial number, format ``mnnn(n)``: "mnnn, mnnnn, nnnn or
  nnnnn", so the first of the 4 or 5 characters may be a letter; element 801,
  ULD owner code, format ``mm``: "aa", "an" or "na", an airline or a leasing
  company, "see IATA ULD Technical Manual". Hence a leading letter in the
  serial is accepted and a two-digit owner is refused.
* IATA ONE Record data model 3.2 (github.com/IATA-Cargo/ONE-Record,
  2025-07-standard/Data-Model/IATA-1R-DM-Ontology.ttl): cargo:ownerCode is the
  "Owner code of the ULD in aa, an or na format - owner can be an airline or
  leasing company"; cargo:uldTypeCode refers to the IATA ULD Technical Manual.
* ULD CARE FAQ (uldcare.com/faq): a 9- or 10-character code, details in
  section 4 of the ULD Regulations; the serial "generally numeric but first one
  can be alpha"; "the final 2 characters are the owner identification". ULD
  CARE's article "ULD identification codes demystified" names IATA Resolution
  686 and Standard Specification 40/1 of the ULD Regulations.
* Three-character owners: handlers' guides and systems say "two or three
  characters" (CargoGuide, support.cargoguide.com; VRR, vrr.aero; CHAMP
  Cargospot help, sv.cargospot.champ.aero), but no IATA text found allows them:
  Cargo-IMP element 801 and ONE Record's ownerCode have exactly two, so such an
  identifier cannot travel in a Cargo-IMP message (FFM, UCM) as IATA defines
  it. Caravana still reads and stores them whole (issue 14), as tags painted
  that way exist in handlers' systems; that IATA allows them is **unverified**
  (ULD Regulations SS 40/1 not read).

Reading the serial greedily (five characters when a fifth digit follows) keeps
every identifier to one reading when a three-character owner is letters only:
``PMC123456B`` is serial 12345 owned by ``6B``, never 1234 owned by ``56B``.
That three-character owners are letters only is how Caravana reads it (no
example with a digit was found). An owner is never two digits (element 801),
which keeps ``AKE123456`` from being read as serial 1234 + owner 56.

:data:`TYPES` holds facts about the ULD types the network plans with; they
come from /work/shared/reference/logistics.md (IATA ULD Regulations as
summarised there, gathered 2026-11). Figures marked unverified there carry
``verified=False`` here.

More information:

* IATA ULD Regulations (ULDR), Standard Specification 40/1 (not read here)
* https://en.wikipedia.org/wiki/Unit_load_device

>>> validate('pmc 12345 ab')
'PMC12345AB'
>>> split('AKE1234AB')
('AKE', '1234', 'AB')
>>> split('AKE12345ABC')
('AKE', '12345', 'ABC')
>>> split('AKEA1234AB')
('AKE', 'A1234', 'AB')
>>> format('PMC12345AB')
'PMC 12345 AB'
>>> TYPES['PMC'].max_gross_kg
6804
>>> TYPES['AKE'].tare_kg
75
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

_ULD_RE = re.compile(r"^([A-Z]{3})([A-Z0-9][0-9]{3,4})([A-Z0-9]{2}|[A-Z]{3})$")


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
    #: The empty unit's weight, counted in its gross; 0 where no published figure was found.
    tare_kg: int = 0
    tare_source: str = ""

    @property
    def usable_m3(self) -> float | None:
        """The room for cargo: the published volume where there is one, else the usable base
        (or the base) to the height; None when the height is unknown."""
        if self.volume_m3 is not None:
            return self.volume_m3
        if self.height_cm is None:
            return None
        length, width = self.usable_base_cm or self.base_cm
        return round(length * width * self.height_cm / 1_000_000, 2)


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
        note="freighter main-deck standard; height up to ~300 cm on the main deck; tare "
        "unknown (no published figure found, 2026-12-05): counted as 0",
    ),
    "PAG": UldType(
        code="PAG",
        aliases=("P1P",),
        kind="pallet",
        base_cm=(318, 224),
        max_gross_kg=6033,
        note="max gross ~6,033 kg is unverified; tare unknown (no published figure found, "
        "2026-12-05): counted as 0",
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
        # A typical aluminium unit: B. Rogers (Nordisk Aviation Products), "Lightweight
        # containers - the next step", Payload Asia, June 2007 ("the tare weight of a typical
        # LD3 fell to around 75kg"; payloadasia.com/2007/06/lightweight-containers-the-next-step).
        # Composite units are lighter (Lufthansa Cargo's by 13-14 kg: aviationbenefits.org,
        # "Lightening the load", 2013), older ones heavier (~100-135 kg, the same article).
        tare_kg=75,
        tare_source="Nordisk via Payload Asia, 2007-06: a typical aluminium LD3 ~75 kg",
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
        raise InvalidComponent("an IATA owner code is never two digits (Cargo-IMP element 801)")
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
