"""Signals the orders app sends, for other apps to listen to (the emitter never imports them).

Each is sent by an orders service (orders.lifecycle, orders.placement) inside the transaction
that made the change, so a listener's writes commit or roll back with it (do slow work in
transaction.on_commit or Celery). Arguments:

* ``order_placed``: ``group`` (OrderGroup), ``orders`` (list of Order) — after checkout.
* ``order_status_changed``: ``order``, ``from_status``, ``to_status``, ``at``, ``source`` —
  every recorded transition (OrderEvent).
* ``order_completed``: ``order``, ``at`` — delivery confirmed by the buyer or automatically
  after ORDERS_AUTO_CONFIRM_DAYS: payments releases escrow to the merchant on it.
* ``order_cancelled``: ``order``, ``at``, ``source`` — unpaid and expired or cancelled:
  payments expires the group's pending payments on it.
* ``order_restocked``: ``order``, ``at``, ``source`` — refunded in full before it shipped
  (paid or in fulfilment): its goods go back on sale; orders puts warehouse stock back itself,
  returns gives local stock's units back on it. Sent once, after the conditional transition.
* ``parcel_lost``: ``order``, ``at``, ``source`` — the carrier declared the parcel lost:
  payments refunds the order in full on it.
"""

from django.dispatch import Signal

order_placed = Signal()
order_status_changed = Signal()
order_completed = Signal()
order_cancelled = Signal()
order_restocked = Signal()
parcel_lost = Signal()
