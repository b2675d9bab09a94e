"""Polling, for carriers that only offer a tracking API (Correios' SRO, Correos de Chile's
trazabilidad): for each of the carrier's parcels with a number and no outcome yet, ask the API
(the feed's ``poll_url``, ``{n}`` = the number) through caravana.outbound (timeouts, no
redirects, no private addresses), read the answer with the carrier's adapter and record every
event of the run as batches (services.ingest: repeats of earlier polls are dropped as
duplicates). One parcel's failure (HTTP error, not JSON, not the documented shape) is logged
and counted; the others go on."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
from django.db.models import Exists, OuterRef
from django.utils import timezone

from caravana import outbound
from caravana.carrier_events import adapters, services
from caravana.carrier_events.adapters.base import CarrierEvent, PayloadError
from caravana.carrier_events.models import CarrierFeed, HeldCarrierEvent
from caravana.fulfillment.models import Parcel
from caravana.tracking import lifecycle
from caravana.tracking.models import TrackingEvent

logger = logging.getLogger(__name__)

#: Parcels asked about per carrier and run (the beat runs every POLL_EVERY seconds).
POLL_LIMIT = 200
#: Parcels older than this are not polled any more.
POLL_WINDOW = dt.timedelta(days=60)


@dataclass
class PollResult:
    asked: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    ingested: services.IngestResult = field(default_factory=services.IngestResult)


def numbers_to_poll(feed: CarrierFeed, limit: int = POLL_LIMIT) -> list[str]:
    """The carrier's numbers still worth asking about: parcels it carries with a number (its
    own, or the S10 for a post whose format is S10), recent, without an outcome event
    (delivered, cancelled, returning, final: the index trk_event_parcel_outcome)."""
    carrier = feed.carrier
    outcome = TrackingEvent.objects.filter(parcel_id=OuterRef("pk"), status__in=lifecycle.OUTCOMES)
    parcels = Parcel.objects.filter(
        carrier=carrier, created_at__gte=timezone.now() - POLL_WINDOW
    ).exclude(Exists(outcome))
    if carrier.tracking_format != "s10":
        parcels = parcels.exclude(carrier_tracking_number="")
    rows = parcels.order_by("pk").values_list("carrier_tracking_number", "s10")[:limit]
    return [number or s10 for number, s10 in rows]


def poll(feed: CarrierFeed, limit: int = POLL_LIMIT) -> PollResult:
    adapter = adapters.get(feed.adapter)
    result = PollResult()
    events: list[CarrierEvent] = []
    for number in numbers_to_poll(feed, limit):
        result.asked += 1
        url = feed.poll_url.replace("{n}", quote(number, safe=""))
        try:
            response = outbound.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            events += services.parse_payloads(adapter, response.json())
        except (httpx.HTTPError, ValueError) as exc:  # PayloadError and bad JSON are ValueErrors
            result.failed += 1
            where = f" ({exc.field})" if isinstance(exc, PayloadError) else ""
            result.errors.append(f"{number}: {type(exc).__name__}{where}")
            logger.warning("carrier poll %s %s failed: %s", feed.carrier.code, number, exc)
    if events:
        result.ingested = services.ingest(feed.carrier, adapter, events, HeldCarrierEvent.Via.POLL)
    CarrierFeed.objects.filter(pk=feed.pk).update(last_polled_at=timezone.now())
    return result


def feeds_to_poll() -> list[CarrierFeed]:
    feeds = (
        CarrierFeed.objects.select_related("carrier")
        .filter(poll_enabled=True, carrier__is_active=True)
        .exclude(poll_url="")
    )
    return [f for f in feeds if adapters.can_poll(f.adapter)]
