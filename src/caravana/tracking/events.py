"""What tracking publishes for other apps. Tracking never imports its listeners (orders releases
escrow on delivery by connecting to ``parcels_delivered``).

A parcel's delivery is published once, for the first final-delivery event (UPU EMI) recorded
for it, however often and in whatever order carriers report it. It is sent from
``transaction.on_commit`` of the transaction that recorded the event, so a listener sees the
event committed and its failure can neither roll the event back nor fail the carrier's request
(each receiver runs through ``send_robust``; a failure is logged). Because it is sent once, a
listener must do its own transaction and be idempotent, and a failure or a crash between commit
and the listener must be caught up by the listener's own periodic sweep, which can find
delivered parcels with tracking.queries.first_deliveries (orders' catch_up_deliveries does).

Two signals, the same facts:

``parcels_delivered``: once per recorded batch (a carrier posts up to 1,000 events, a couple of
hundred of them deliveries), so a listener can do its work set-wise. Arguments: ``sender``, the
tracking.models.TrackingEvent class; ``deliveries``, a list of :class:`Delivery`.

``parcel_key_events``: from the task that notifies buyers (after commit, outside any
transaction), for the key events (upu.is_key) of parcels that name an order. Arguments:
``sender`` (TrackingEvent), ``events``, a list of :class:`KeyEvent`. A receiver returns the
``event_id`` of those it announces to the buyer itself (orders e-mails the order's buyer);
tracking e-mails the parcel's recipient about the rest, so nobody is told twice. A receiver
must be quick (enqueue, do not send) and idempotent: the task may run twice.

``parcel_delivered``: once per parcel, for listeners that want the model instances. Sent only
when something listens (loading the parcels costs more than recording the batch). Arguments:
``sender`` (TrackingEvent), ``parcel`` (fulfillment.models.Parcel; ``parcel.order_ref`` names
the order), ``at`` (aware datetime in UTC, the event's occurred_at) and ``event`` (the
TrackingEvent of that EMI).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class Delivery:
    """One parcel's first final delivery."""

    parcel_id: int
    identifier: str  # S10
    at: dt.datetime  # aware, UTC
    event_id: int  # TrackingEvent pk of the EMI


@dataclass(frozen=True)
class KeyEvent:
    """A key event of a parcel that names an order."""

    parcel_id: int
    identifier: str  # S10
    order_ref: str
    merchant_id: int
    code: str  # UPU code (EME, EDG…)
    event_id: int  # TrackingEvent pk
    occurred_at: dt.datetime  # aware
    location_name: str
    reason: str  # details["reason"] of a hold or a failed delivery, else ""
    #: The sender already asked the buyer for something about this event, in its own e-mail
    #: (details["asks_buyer"]: a customs hold that needs the buyer's answer, whose request
    #: e-mail says what and by when): a listener announces nothing more for it.
    asks_buyer: bool = False


parcels_delivered = Signal()
parcel_key_events = Signal()
parcel_delivered = Signal()
