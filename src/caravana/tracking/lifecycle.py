"""A parcel's life cycle: which status an event gives it, and which event is its current one.

Pure, no Django: recording (Python and the SQL of tracking.batch_sql), the lookup, the
clearance decisions and the carriers' adapters all ask here, so every path that sets a
parcel's status follows one rule.

The rule. Every status has a *stage* (``STAGE``); a parcel's current event is its event of the
highest stage, the latest in time among those (ties: the one recorded last, the higher row id):

- stage 0, the journey: pending, in transit, on hold, out for delivery, ready for pick-up,
  delivery failed, unknown. Left by any later scan (the latest in time wins).
- stage 1: delivered (EMI), cancelled (EXX). Left by a return event only.
- stage 2: returning to sender (a return event). Left by a final outcome only.
- stage 3, final outcomes: returned to sender, seized, destroyed or disposed of, abandoned.
  Never left.

So a scan stamped after EMI leaves a delivered parcel delivered; a return event after it makes
it "returning to sender"; scans of the parcel's way back keep it returning. Because the current
event is a maximum, the order events *arrive* in does not matter: an older scan sent late never
moves a parcel backwards, and judging a batch set-wise (the SQL) gives what folding its events
one by one (``next_state``) gives.

Return events, and where the words come from (UPU EMSEVT as in shared/reference/logistics.md;
the clearance decisions as recorded by caravana.clearance in the event's details):

* EDX "import terminated" with ``details["decision"]``: ``returned`` (or no decision) is a
  return event, "returning to sender"; ``seized`` → seized; ``disposed`` or ``destroyed`` →
  destroyed/disposed of; ``abandoned`` → abandoned. The reference lists EDX only as "import
  terminated"; that the destination may return, seize or destroy such an item follows
  shared/reference/border-and-last-mile.md §3 ("parcel may be returned or destroyed", BR) and
  the clearance app's decisions. Abandonment: no source of ours records it yet (a carrier
  adapter may, with decision ``abandoned``); the Peruvian "unpaid items abandoned after 2
  months" is in shared/reference/network-twin.md.
* EMH "unsuccessful delivery" carries a reason and the *action taken* (UPU: "including the
  reason code for the non-delivery and the action taken", PRIME operations FAQ,
  prime-posts.com/myprime/knowledge-base/faq-en/operations-faqs). An EMH whose
  ``details["action"]`` is ``return`` or ``return_to_sender`` is a return event. The values of
  UPU's action code list are not in our reference: these two spellings are ours (unverified
  against the UPU code list).
* An event without a UPU code gives its own status (a hub or returns-point step):
  ``return_to_sender`` is a return event, ``returned_to_sender`` the parcel back with the
  sender. No EMSEVT code in our table marks arrival back at the sender; posts treat a returned
  item as a new dispatch in mail subclass "CB parcels – returned" (UPU code list 117, as quoted
  by 7customs.com/en/ems/class; unverified against the UPU list itself), so a carrier's EMI on
  the way back cannot be told from the buyer's delivery and keeps the parcel "returning".

>>> event_status("EDX", {"decision": "seized"})
'seized'
>>> s = next_state(None, "EMI", 10)
>>> next_state(s, "EDD", 11).status      # a scan after delivery
'delivered'
>>> next_state(s, "EDX", 12, {"decision": "returned"}).status
'return_to_sender'
>>> next_state(next_state(None, "EDD", 9), "EMA", 1).status   # an older scan sent late
'in_transit'
>>> counted_delivery([("return_to_sender", 5, "back"), ("delivered", 7, "emi")]) is None
True

What counts as the delivery (orders, escrow): ``counted_delivery``, the earliest delivered
event stamped before the parcel's first return or final outcome. An EMI on the way back (after
a return event) is ignored, as the status ignores it; a failed attempt (EMH, stage 0) is never
one; a delivery followed by a return stays the delivery it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from caravana.tracking import upu

#: The stage of each status (module docstring): the current event is the highest stage's latest.
STAGE: dict[str, int] = {
    upu.PENDING: 0,
    upu.IN_TRANSIT: 0,
    upu.ON_HOLD: 0,
    upu.OUT_FOR_DELIVERY: 0,
    upu.READY_FOR_PICKUP: 0,
    upu.DELIVERY_FAILED: 0,
    upu.UNKNOWN: 0,
    upu.DELIVERED: 1,
    upu.CANCELLED: 1,
    upu.RETURN_TO_SENDER: 2,
    upu.RETURNED_TO_SENDER: 3,
    upu.SEIZED: 3,
    upu.DISPOSED: 3,
    upu.ABANDONED: 3,
}
#: Statuses past the ordinary journey (stage ≥ 1): few events per parcel, kept in a partial
#: index of their own (trk_event_parcel_outcome) so the SQL finds them with a probe.
OUTCOMES: tuple[str, ...] = tuple(s for s, stage in STAGE.items() if stage > 0)
#: Final: nothing moves a parcel out of these.
FINAL: frozenset[str] = frozenset(s for s, stage in STAGE.items() if stage == 3)

#: EDX's status by the decision in its details (clearance records returned, seized, disposed).
EDX_DECISIONS: dict[str, str] = {
    "returned": upu.RETURN_TO_SENDER,
    "seized": upu.SEIZED,
    "disposed": upu.DISPOSED,
    "destroyed": upu.DISPOSED,
    "abandoned": upu.ABANDONED,
}
#: EMH actions that send the parcel back (our spelling; UPU's action code list unverified).
RETURN_ACTIONS = frozenset({"return", "return_to_sender"})
#: The codes whose status depends on their details.
_BY_DETAILS = frozenset({"EDX", "EMH"})


def event_status(
    code: str | None, details: Mapping[str, Any] | None = None, given: str = ""
) -> str:
    """The status an event stands for on its own. `given`: the status a code-less step names
    (a UPU code's status comes from the code and, for EDX and EMH, the details)."""
    code = (code or "").strip().upper()
    if not code:
        return given or upu.UNKNOWN
    if code in _BY_DETAILS and details:
        if code == "EDX":
            decision = str(details.get("decision") or "").strip().lower()
            return EDX_DECISIONS.get(decision, upu.RETURN_TO_SENDER)
        if str(details.get("action") or "").strip().lower() in RETURN_ACTIONS:
            return upu.RETURN_TO_SENDER
    return upu.status_of(code)


def code_status(code: str) -> str | None:
    """The status a (normalised) UPU code gives whatever its details, or None when its details
    decide (EDX, EMH: call event_status per event). Lets a batch work out each distinct code's
    status once instead of once per event."""
    return None if code in _BY_DETAILS else upu.status_of(code)


def stage(status: str) -> int:
    """The status's stage (an unknown status counts as an ordinary scan)."""
    return STAGE.get(status, 0)


def is_return(status: str) -> bool:
    """Whether an event of this status takes a delivered parcel back (a return event)."""
    return status == upu.RETURN_TO_SENDER


@dataclass(frozen=True)
class State:
    """Where a parcel stands: its status and the time of the event that set it. `at` is any
    value ordered like time (a datetime, integer microseconds, SQLite's UTC text)."""

    status: str
    at: Any


def key(status: str, at: Any) -> tuple[int, Any]:
    """The order of events for being current: stage first, then time. (Ties on both go to the
    event recorded last: the caller's row id, or arrival order in next_state.)"""
    return STAGE.get(status, 0), at


def wins(new_status: str, new_at: Any, cur_status: str, cur_at: Any) -> bool:
    """Whether an incoming event becomes current over the current one (a tie: it does, being
    recorded later)."""
    return key(new_status, new_at) >= key(cur_status, cur_at)


def next_state(
    current: State | None,
    code: str | None,
    at: Any,
    details: Mapping[str, Any] | None = None,
    status: str = "",
) -> State:
    """The parcel's state after an incoming event (code, time, details; `status` for a
    code-less step, or to override the code's). A final outcome is never left; delivered and
    cancelled only by a return event; an ordinary scan never moves a parcel backwards in time."""
    new = status or event_status(code, details)
    if current is None or wins(new, at, current.status, current.at):
        return State(new, at)
    return current


def current_status(events: Iterable[tuple[str, Any]], default: str = upu.PENDING) -> str:
    """The status of (status, time) pairs given in the order they were recorded."""
    state: State | None = None
    for status, at in events:
        state = next_state(state, None, at, status=status)
    return state.status if state else default


def counted_delivery(events: Iterable[tuple[str, Any, Any]]) -> Any | None:
    """The delivery that counts among a parcel's events, given as (status, time, payload) in
    any order: the payload of the earliest ``delivered`` one stamped before the first event of
    stage 2 or 3 (a return or a final outcome), else None. Ties of time: a return at the same
    instant as a delivery wins (the parcel did not stay delivered)."""
    rows = list(events)
    back = min((at for status, at, _p in rows if STAGE.get(status, 0) >= 2), default=None)
    best: tuple[Any, Any] | None = None
    for status, at, payload in rows:
        if status != upu.DELIVERED or (back is not None and at >= back):
            continue
        if best is None or at < best[0]:
            best = (at, payload)
    return best[1] if best else None
