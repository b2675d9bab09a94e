"""What tracking publishes for other apps. Tracking never imports its listeners (orders releases
escrow on delivery by connecting to ``parcel_delivered``).

``parcel_delivered`` is sent once per parcel, for the first final-delivery event (UPU EMI)
recorded for it, however often and in whatever order carriers report it. It is sent from
``transaction.on_commit`` (robust: an exception in a listener is logged, not raised) of the
transaction that recorded the event, so a listener sees the event committed and its failure
can neither roll the event back nor fail the carrier's request. Because it is sent once, a
listener must do its own transaction and be idempotent, and a failure or a crash between
commit and the listener must be caught up by the listener's own periodic sweep (orders'
complete_delivered can read TrackingStatus.delivered_at). Arguments:

* ``sender``: the tracking.models.TrackingEvent class
* ``parcel``: the fulfillment.models.Parcel instance (``parcel.order_ref`` names the order)
* ``at``: aware datetime in UTC, when the parcel was delivered (the event's occurred_at)
* ``event``: the tracking.models.TrackingEvent instance of that EMI
"""

from django.dispatch import Signal

parcel_delivered = Signal()
