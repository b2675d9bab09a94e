"""Why a delivery attempt failed, and what follows from it. Pure, no Django.

A carrier reports a failed attempt as UPU EMSEVT **EMH** "unsuccessful delivery", which must
carry a reason (tracking.upu: ``needs_reason``). UPU keeps the reasons in a code list of its
own ("including the reason code for the non-delivery and the action taken", PRIME operations
FAQ, prime-posts.com/myprime/knowledge-base/faq-en/operations-faqs), but the list itself is not
public: searching for it (UPU code lists, EMSEVT, posts' tracking APIs) found only the
neighbouring lists of other standards — EDIFACT 9013 "status reason" (stedi.com/edi/edifact/
elements/9013: 1 "address ex delivery area", 3 "agent refusal", 9 "complementary address
needed") and ANSI X12 641 (stedi.com/edi/x12-003010/element/641: A03 "incorrect address", A07
"refused by consignee", A46 "recipient unavailable"). So the codes below are **our spelling,
unverified against UPU's list**; a carrier sends one of them as ``details.reason_code`` (or as
the whole ``reason``), and a reason we cannot read is ``other``.

What follows, by reason: a refused parcel goes back at once (nobody is asked: the buyer said
no at the door); any other asks the buyer to choose a new attempt, a pick-up point or a
corrected address, until the carrier's limit of attempts, after which the parcel goes back.

>>> classify("Addressee absent", {"reason_code": "absent"})
'absent'
>>> classify("refused", {})
'refused'
>>> classify("Dog in the garden", {})
'other'
>>> asks_buyer("refused"), asks_buyer("absent")
(False, True)
>>> goes_back("absent", attempt=3, limit=3), goes_back("absent", attempt=2, limit=3)
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ABSENT = "absent"
WRONG_ADDRESS = "wrong_address"
REFUSED = "refused"
UNSAFE_AREA = "unsafe_area"
OTHER = "other"
REASONS = (ABSENT, WRONG_ADDRESS, REFUSED, UNSAFE_AREA, OTHER)

#: Other spellings carriers' integrations use for the same reasons (casefolded).
_ALIASES = {
    "addressee_absent": ABSENT,
    "not_home": ABSENT,
    "recipient_not_available": ABSENT,
    "ausente": ABSENT,
    "incorrect_address": WRONG_ADDRESS,
    "address_incorrect": WRONG_ADDRESS,
    "insufficient_address": WRONG_ADDRESS,
    "endereco_incorreto": WRONG_ADDRESS,
    "direccion_incorrecta": WRONG_ADDRESS,
    "recipient_refused": REFUSED,
    "recusado": REFUSED,
    "rechazado": REFUSED,
    "area_de_risco": UNSAFE_AREA,
    "zona_de_riesgo": UNSAFE_AREA,
    "address_inaccessible": UNSAFE_AREA,
}

#: The buyer's three ways on (what the carrier reads).
REDELIVER = "redeliver"
PICKUP = "pickup"
ADDRESS = "address"
CHOICES = (REDELIVER, PICKUP, ADDRESS)


def _key(value: Any) -> str:
    return str(value or "").strip().casefold().replace(" ", "_").replace("-", "_")


def classify(reason: str, details: Mapping[str, Any] | None) -> str:
    """The reason code of an EMH: ``details["reason_code"]`` when it is one we know, else the
    reason text when it is a code itself, else ``other``."""
    for value in ((details or {}).get("reason_code"), reason):
        key = _key(value)
        if key in REASONS:
            return key
        if key in _ALIASES:
            return _ALIASES[key]
    return OTHER


def asks_buyer(reason: str) -> bool:
    """Whether the buyer is asked what to do (a refused parcel just goes back)."""
    return reason != REFUSED


def goes_back(reason: str, *, attempt: int, limit: int) -> bool:
    """Whether the parcel goes back to the sender after this failed attempt: refused, or the
    carrier's limit of attempts reached."""
    return reason == REFUSED or attempt >= max(1, limit)
