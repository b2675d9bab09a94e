"""Telling other apps of first deliveries (tracking.events), after the batch that recorded them
committed: from tracking.tasks.after_batch, on a worker when Celery has a broker, in process
after commit when it runs eager (the demo, the tests)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from caravana.fulfillment.models import Parcel
from caravana.tracking import queries
from caravana.tracking.batch import Delivered
from caravana.tracking.events import Delivery, parcel_delivered, parcels_delivered
from caravana.tracking.models import TrackingEvent

logger = logging.getLogger(__name__)


def publish_delivered(delivered: list[Delivered]) -> None:
    """parcels_delivered once for the batch, then parcel_delivered per parcel if anything
    listens to it (loading the parcels and their EMIs costs more than recording the batch).
    Each listener is idempotent and sweeps for what it missed (tracking.events).

    Only deliveries the life cycle counts are published (queries.counted_deliveries): the
    batch's first EMI of a parcel already on its way back (a return event stamped before it)
    is none, so no order is delivered by it. One query per batch with an EMI."""
    if not delivered:
        return
    counted = queries.counted_deliveries(d.parcel_id for d in delivered)
    delivered = [d for d in delivered if d.parcel_id in counted]
    if not delivered:
        return
    if parcels_delivered.has_listeners(TrackingEvent):
        deliveries = [
            Delivery(d.parcel_id, d.identifier, dt.datetime.fromisoformat(d.at), d.event_pk)
            for d in delivered
        ]
        _log_failures(parcels_delivered.send_robust(sender=TrackingEvent, deliveries=deliveries))
    if not parcel_delivered.has_listeners(TrackingEvent):
        return
    parcels = Parcel.objects.in_bulk([d.parcel_id for d in delivered])
    events = TrackingEvent.objects.in_bulk([d.event_pk for d in delivered])
    for d in delivered:
        event = events.get(d.event_pk)
        if event is None:  # archived since (decision 0008): nothing to hand over
            continue
        _log_failures(
            parcel_delivered.send_robust(
                sender=TrackingEvent, parcel=parcels[d.parcel_id], at=event.occurred_at,
                event=event,
            )
        )  # fmt: skip


def _log_failures(responses: list[tuple[Any, Any]]) -> None:
    for receiver, response in responses:
        if isinstance(response, Exception):
            logger.error(
                "delivered listener %r failed", receiver, exc_info=(type(response), response,
                                                                   response.__traceback__)
            )  # fmt: skip
