"""Which last-mile carrier delivers a parcel: a pure choice among the destination country's
carriers, made when the parcel is bagged (fulfillment.services.carriers reads the candidates
from the database and calls :func:`choose`).

The rules, in order (docs/last-mile.md):

1. **Covers the postal code.** A carrier with service areas takes only codes inside one of
   its ranges; one with none covers the whole country. Codes are compared as digits
   (:func:`postal_key`), so ``01310-100`` and ``01310100`` are one code.
2. **Serves the service level.** A carrier that lists levels takes only those; one that lists
   none takes every level.
3. **Makes its cut-off.** When the expected handover time is known, carriers whose cut-off is
   at or after it (same-day pick-up) rank before those whose cut-off has passed; a carrier
   with no cut-off on file counts as making it.
4. **Cheapest.** Price per parcel plus price per kg times the parcel's kilograms, in the
   country's currency; a carrier with no price on file ranks after every priced one.

Ties go to the lane's own carrier (``preferred``), then to the code, so the same inputs always
give the same carrier. No candidate left: :func:`choose` answers None with each carrier's
reason, and the caller keeps the lane's carrier."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["Candidate", "Choice", "choose", "covers", "postal_key", "price"]

#: Argentina's CPA (C1425ABC): the province letter, the old four-digit code, the block letters.
_CPA = re.compile(r"^[A-Z]([0-9]{4})[A-Z]{3}$")


def postal_key(code: str) -> str:
    """The digits a postal code is compared by: separators dropped, an Argentine CPA reduced to
    its four digits (C1425ABC → 1425), letters elsewhere dropped."""
    compact = re.sub(r"[\s.\-]", "", code or "").upper()
    cpa = _CPA.match(compact)
    if cpa:
        return cpa.group(1)
    return re.sub(r"[^0-9]", "", compact)


@dataclass(frozen=True)
class Candidate:
    code: str
    #: Service level codes it serves; empty: every level.
    levels: frozenset[str] = frozenset()
    #: Postal key ranges (first, last), both ends included, same length; empty: everywhere.
    areas: tuple[tuple[str, str], ...] = ()
    #: Latest local handover time for a same-day pick-up; None when not on file.
    cutoff: dt.time | None = None
    per_parcel: Decimal | None = None
    per_kg: Decimal | None = None
    #: The lane's own carrier: wins a tie.
    preferred: bool = False


@dataclass(frozen=True)
class Choice:
    code: str | None
    #: Why each carrier that was not eligible was left out: "area" or "level".
    refused: dict[str, str] = field(default_factory=dict)
    #: Eligible carriers in the order they ranked (the chosen one first).
    ranking: tuple[str, ...] = ()


def covers(candidate: Candidate, key: str) -> bool:
    """Whether the candidate delivers to the postal key."""
    if not candidate.areas:
        return True
    return any(len(lo) == len(key) and lo <= key <= hi for lo, hi in candidate.areas)


def price(candidate: Candidate, weight_g: int) -> Decimal | None:
    """What the carrier charges for the parcel; None when neither price is on file."""
    if candidate.per_parcel is None and candidate.per_kg is None:
        return None
    kg = Decimal(weight_g) / 1000
    return (candidate.per_parcel or Decimal(0)) + (candidate.per_kg or Decimal(0)) * kg


def choose(
    candidates: list[Candidate],
    *,
    postal_code: str,
    level: str,
    weight_g: int,
    handover: dt.time | None = None,
) -> Choice:
    """The carrier for one parcel by the rules above; `handover` is the expected local time of
    the handover at the destination, None when no flight is known yet."""
    key = postal_key(postal_code)
    refused: dict[str, str] = {}
    eligible: list[Candidate] = []
    for c in candidates:
        if not covers(c, key):
            refused[c.code] = "area"
        elif c.levels and level not in c.levels:
            refused[c.code] = "level"
        else:
            eligible.append(c)

    def rank(c: Candidate) -> tuple[bool, bool, Decimal, bool, str]:
        late = handover is not None and c.cutoff is not None and handover > c.cutoff
        cost = price(c, weight_g)
        return (late, cost is None, cost or Decimal(0), not c.preferred, c.code)

    ordered = sorted(eligible, key=rank)
    return Choice(ordered[0].code if ordered else None, refused, tuple(c.code for c in ordered))
