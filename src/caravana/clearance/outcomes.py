"""What customs may decide about a parcel, which decision may follow which, and the UPU event
each one becomes. Pure data, no Django: the services, the CSV import and the API all ask here.

UPU events (EMSEVT; meanings from the UPU table in shared/reference/logistics.md, as in
caravana.tracking.upu): EDB "presented to import customs", EME "held by import customs"
(carries a retention reason), EDC "returned from import customs" (customs hands the item back
to the operator: cleared or released), EDX "import terminated" (the destination will not
deliver it: sent back, seized or disposed of). Hold reasons follow the destination-clearance
hold causes in shared/reference/border-and-last-mile.md §3 (no buyer tax id, value doubt or
invoice asked, other-agency approval, prohibited goods, inspection)."""

from __future__ import annotations

PRESENTED = "presented"
CLEARED = "cleared"
HELD = "held"
RELEASED = "released"
RETURNED = "returned"
SEIZED = "seized"
DISPOSED = "disposed"

#: Decisions an operator, a broker's file or the API may enter (presentation is the manifest's).
OUTCOMES = (CLEARED, HELD, RELEASED, RETURNED, SEIZED, DISPOSED)
STATUSES = (PRESENTED, *OUTCOMES)

DOCUMENTS = "documents"
VALUATION = "valuation"
INSPECTION = "inspection"
PROHIBITED = "prohibited"
BUYER_ID = "buyer_id"
HOLD_REASONS = (DOCUMENTS, VALUATION, INSPECTION, PROHIBITED, BUYER_ID)
#: Holds only the buyer can end: a document, a corrected ID, the declared value explained.
NEEDS_BUYER = frozenset({DOCUMENTS, VALUATION, BUYER_ID})

#: The UPU event each status becomes in tracking.
UPU_CODE = {
    PRESENTED: "EDB",
    HELD: "EME",
    CLEARED: "EDC",
    RELEASED: "EDC",
    RETURNED: "EDX",
    SEIZED: "EDX",
    DISPOSED: "EDX",
}

#: What may follow what. A held parcel may be held again for another reason; cleared,
#: released, returned, seized and disposed of are final.
NEXT: dict[str, frozenset[str]] = {
    PRESENTED: frozenset({CLEARED, HELD, RETURNED, SEIZED}),
    HELD: frozenset({HELD, RELEASED, RETURNED, SEIZED, DISPOSED}),
    CLEARED: frozenset(),
    RELEASED: frozenset(),
    RETURNED: frozenset(),
    SEIZED: frozenset(),
    DISPOSED: frozenset(),
}
#: Statuses in which the parcel has left customs' hands for delivery (clearance time ends).
RELEASING = frozenset({CLEARED, RELEASED})
FINAL = frozenset(s for s, nxt in NEXT.items() if not nxt)


def allowed(current: str, outcome: str, reason: str = "", current_reason: str = "") -> bool:
    """Whether `outcome` may follow `current` (a second hold must give another reason)."""
    if outcome not in NEXT.get(current, frozenset()):
        return False
    return not (outcome == HELD and current == HELD and reason == current_reason)


def repeats(current: str, outcome: str, reason: str = "", current_reason: str = "") -> bool:
    """Whether `outcome` only says again what the parcel already is (a rescan): a no-op."""
    if outcome != current:
        return False
    return outcome != HELD or reason == current_reason
