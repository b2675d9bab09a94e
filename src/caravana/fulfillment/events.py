"""Parcel events, published for other apps (tracking records them; nothing here imports it).

``parcel_event`` is sent by fulfillment.services inside the transaction that makes the change
(a listener's writes commit or roll back with it; do slow work such as e-mail or webhooks in
transaction.on_commit or Celery), once per parcel and state change, with:

* ``sender``: the Parcel class
* ``parcel``: the fulfillment.models.Parcel instance, already in its new state
* ``code``: the UPU EMSEVT code, or ``None`` for an internal step with no UPU event
  - ``EMA`` posting: the origin hub accepts the item (its first scan, just before EMB)
  - ``EMB`` received and measured at the origin hub (arrival at outward office of exchange)
  - ``None`` label created / bagged / put into a ULD / loaded onto a flight (internal steps)
* ``state``: the parcel's new fulfillment state (Parcel.State value)
* ``at``: aware datetime in UTC when it happened
* ``location``: hub code (``SZX-HUB``) for hub steps, IATA code for airport steps
* ``details``: dict of extra facts, JSON-serialisable (weights, bag / ULD / flight ids)

``parcels_moved`` is the same for a step that moves many parcels at once (a bag built into a
ULD, a ULD loaded onto a flight), sent once with ``parcels`` (the instances, in their new state)
instead of ``parcel``, so that a listener can record them together; ``code`` is ``None``.

``label_created`` is sent once when a parcel and its items are created, inside that
transaction, with ``parcel``: customs builds the parcel's declaration from it (a listener that
raises a ValidationError refuses the label).

``labels_created`` is the same for a batch of parcels created at once
(fulfillment.services.parcels.create_parcels), sent once with ``parcels`` (the saved instances):
customs declares them as one batch (a listener that raises a ValidationError refuses the batch).

``parcel_events`` is a batch of parcel_event's, each parcel with its own code and time (a hub's
batch of scans: hub_steps.receive_many, sort_many), sent once with ``changes``, a list of
fulfillment.services.scanning.Change (parcel, code, at, location, details).

Departure (EMC) and arrival at the gateway (EMD) are flight events: see
caravana.network.events.flight_departed / flight_arrived, sent once per flight; use
``caravana.fulfillment.queries.parcels_on_flight(flight)`` to fan them out.
"""

from django.dispatch import Signal

parcel_event = Signal()
parcels_moved = Signal()
label_created = Signal()
labels_created = Signal()
parcel_events = Signal()

EMA = "EMA"
EMB = "EMB"
EMC = "EMC"
EMD = "EMD"
