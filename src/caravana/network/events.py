"""Flight movements, published for other apps (tracking turns them into EMC / EMD events for
every parcel on board; fulfillment moves its parcels' state). The network never imports its
listeners.

Both signals are sent by network.services inside the transaction that records the movement
(so a listener's writes commit or roll back with it; do slow work such as e-mail in
transaction.on_commit or Celery), once per movement (a repeated call sends nothing), with:

* ``sender``: the Flight class
* ``flight``: the network.models.Flight instance (state already updated)
* ``at``: aware datetime in UTC, the actual departure / arrival time

Parcels on board: ``caravana.fulfillment.queries.parcels_on_flight(flight)``.
"""

from django.dispatch import Signal

flight_departed = Signal()
flight_arrived = Signal()
#: A scheduled flight cancelled (nothing was loaded on it), sent inside the cancelling
#: transaction with ``sender`` and ``flight`` (state already CANCELLED): the planner takes its
#: plan off it (planned bags, bookings, air waybills).
flight_cancelled = Signal()
