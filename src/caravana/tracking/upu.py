"""UPU postal tracking events (EMSEVT) and the normalised status a buyer reads beside them.

Pure data, no Django: the codes and meanings are the table in shared/reference/logistics.md
(UPU EMSEVT, as used by posts and e-commerce carriers); the normalised statuses are Karrio's set
(pending, in_transit, on_hold, out_for_delivery, ready_for_pickup, delivery_failed, delivered,
return_to_sender, cancelled, unknown), so a buyer sees the same words whichever carrier moved
the parcel, plus the final outcomes Karrio folds into "return to sender": returned to sender,
seized, destroyed or disposed of, abandoned (tracking.lifecycle: which event gives which, and
which one is a parcel's current one).

``is_key`` marks the events worth an e-mail to the buyer: leaving China, arriving in the
country, a customs hold, out for delivery, ready for pick-up, a failed attempt, delivery and
termination. Everything else shows on the tracking page only.

>>> lookup("EMI").status
'delivered'
>>> lookup("eme").is_key
True
>>> status_of("EXB")
'on_hold'
>>> lookup("ZZZ") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

PENDING = "pending"
IN_TRANSIT = "in_transit"
ON_HOLD = "on_hold"
OUT_FOR_DELIVERY = "out_for_delivery"
READY_FOR_PICKUP = "ready_for_pickup"
DELIVERY_FAILED = "delivery_failed"
DELIVERED = "delivered"
RETURN_TO_SENDER = "return_to_sender"
CANCELLED = "cancelled"
UNKNOWN = "unknown"
# Final outcomes (tracking.lifecycle).
RETURNED_TO_SENDER = "returned_to_sender"
SEIZED = "seized"
DISPOSED = "disposed"
ABANDONED = "abandoned"

STATUSES = (
    PENDING,
    IN_TRANSIT,
    ON_HOLD,
    OUT_FOR_DELIVERY,
    READY_FOR_PICKUP,
    DELIVERY_FAILED,
    DELIVERED,
    RETURN_TO_SENDER,
    CANCELLED,
    UNKNOWN,
    RETURNED_TO_SENDER,
    SEIZED,
    DISPOSED,
    ABANDONED,
)


@dataclass(frozen=True)
class UpuEvent:
    code: str
    meaning: str
    status: str
    is_key: bool = False
    #: The event must say why (a customs retention reason, an unsuccessful-delivery reason).
    needs_reason: bool = False


_TABLE = (
    UpuEvent("EMA", "Posting / collection", PENDING),
    UpuEvent("EMB", "Arrival at outward office of exchange", IN_TRANSIT),
    UpuEvent("EXA", "Presented to export customs", IN_TRANSIT),
    UpuEvent("EXB", "Held by export customs", ON_HOLD, is_key=True, needs_reason=True),
    UpuEvent("EXC", "Returned from export customs", IN_TRANSIT),
    UpuEvent("EXD", "Held at outward office of exchange", ON_HOLD),
    UpuEvent("EXX", "Export cancelled", CANCELLED, is_key=True),
    UpuEvent("EMC", "Departure from outward office of exchange", IN_TRANSIT, is_key=True),
    UpuEvent("EMJ", "Arrival at transit office of exchange", IN_TRANSIT),
    UpuEvent("EMK", "Departure from transit office of exchange", IN_TRANSIT),
    UpuEvent("EMD", "Arrival at inward office of exchange", IN_TRANSIT, is_key=True),
    UpuEvent("EDA", "Held at inward office of exchange", ON_HOLD),
    UpuEvent("EDB", "Presented to import customs", IN_TRANSIT),
    UpuEvent("EME", "Held by import customs", ON_HOLD, is_key=True, needs_reason=True),
    UpuEvent("EDC", "Returned from import customs", IN_TRANSIT),
    UpuEvent("EMF", "Departure from inward office of exchange", IN_TRANSIT),
    UpuEvent("EDD", "Into sorting centre", IN_TRANSIT),
    UpuEvent("EDE", "Out of sorting centre", IN_TRANSIT),
    UpuEvent("EMG", "Arrival at delivery office", IN_TRANSIT),
    UpuEvent("EDF", "Held at delivery office", ON_HOLD),
    UpuEvent("EDG", "Out for delivery", OUT_FOR_DELIVERY, is_key=True),
    UpuEvent("EDH", "At collection point for pick-up", READY_FOR_PICKUP, is_key=True),
    UpuEvent("EMH", "Unsuccessful delivery", DELIVERY_FAILED, is_key=True, needs_reason=True),
    UpuEvent("EMI", "Final delivery", DELIVERED, is_key=True),
    # "Import terminated": the destination will not deliver it. Without a decision in its
    # details it reads as going back to the sender; seized, disposed of and abandoned are
    # told by the decision (tracking.lifecycle.event_status).
    UpuEvent("EDX", "Import terminated", RETURN_TO_SENDER, is_key=True),
)

CODES: dict[str, UpuEvent] = {e.code: e for e in _TABLE}

#: Final delivery: tracking publishes parcel_delivered on the first one per parcel.
DELIVERY = "EMI"


def lookup(code: str | None) -> UpuEvent | None:
    """The event for `code` (case-insensitive), or None for a code not in the table."""
    return CODES.get((code or "").strip().upper())


def status_of(code: str | None) -> str:
    """The normalised status an event puts the parcel in (``unknown`` for an unknown code)."""
    event = lookup(code)
    return event.status if event else UNKNOWN


def is_key(code: str | None) -> bool:
    event = lookup(code)
    return bool(event and event.is_key)
