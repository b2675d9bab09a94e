"""The public read model of one parcel's tracking: status, timeline, promise, estimate and the
route map. Two queries whatever the parcel's history (the parcel with its network rows and
status; its latest events), so the page and the API stay fast with millions of events."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError

from caravana.codes import s10 as s10_codes
from caravana.fulfillment.models import Parcel
from caravana.tracking import eta, geo, upu
from caravana.tracking.models import Status, TrackingEvent

#: A timeline shows at most this many events (newest first); a parcel rarely has 30.
MAX_EVENTS = 100

# Where the parcel is drawn on the route for its latest event: (stop reached, progress on the
# next leg). Stops: 0 origin hub airport, 1 gateway, 2 destination city.
_DEPARTED = {"EMC": 0.5, "EMJ": 0.6, "EMK": 0.7}
_IN_COUNTRY = {"EMF": 0.15, "EDD": 0.4, "EDE": 0.5, "EMG": 0.75, "EDF": 0.75, "EDG": 0.9,
               "EDH": 0.9, "EMH": 0.9}  # fmt: skip
_AT_GATEWAY = {"EMD", "EDA", "EDB", "EME", "EDC"}


#: The columns the page and the API read; fewer columns is most of what a lookup costs (the
#: database answers from two index lookups in well under a millisecond; building the SQL and
#: the model instances is the rest).
PARCEL_FIELDS = (
    "s10", "created_at", "recipient_city", "recipient_country", "lane_id",
    "hub__name", "hub__city", "hub__airport", "hub__code",
    "gateway__iata", "gateway__city", "gateway__latitude", "gateway__longitude",
    "gateway__timezone",
    "service_level__code", "service_level__name", "service_level__transit_min_days",
    "service_level__transit_max_days",
    "lane__transit_target_days",
    "tracking_status__status", "tracking_status__code", "tracking_status__occurred_at",
    "tracking_status__delivered_at",
)  # fmt: skip
EVENT_FIELDS = (
    "code", "status", "occurred_at", "location_code", "location_name", "latitude",
    "longitude", "tz", "details",
)  # fmt: skip


def position(code: str | None) -> tuple[int, float]:
    """(stop reached, progress along the next leg) for the latest event's code."""
    code = (code or "").upper()
    if code == upu.DELIVERY:
        return 2, 0.0
    if code in _DEPARTED:
        return 0, _DEPARTED[code]
    if code in _AT_GATEWAY:
        return 1, 0.0
    if code in _IN_COUNTRY:
        return 1, _IN_COUNTRY[code]
    return 0, 0.0


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name) if name else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


@dataclass
class TimelineEntry:
    event: TrackingEvent
    local: dt.datetime  # occurred_at in the zone of where it happened
    status_label: str
    meaning: str

    @property
    def reason(self) -> str:
        return str((self.event.details or {}).get("reason", ""))


@dataclass
class TrackingView:
    parcel: Parcel
    status: str
    status_label: str
    code: str
    last_event_at: dt.datetime | None
    delivered_at: dt.datetime | None
    promised: dt.date
    eta: dt.datetime | None
    destination_tz: dt.tzinfo
    destination_name: str
    destination_known: bool
    route: geo.RouteMap
    stops: list[geo.Stop] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def identifier(self) -> str:
        return self.parcel.s10

    @property
    def eta_date(self) -> dt.date | None:
        return self.eta.astimezone(self.destination_tz).date() if self.eta else None

    @property
    def late(self) -> bool:
        return bool(self.eta_date and self.eta_date > self.promised)


def clean_identifier(value: str) -> str | None:
    """The compact S10 identifier, or None for anything that is not one."""
    try:
        return s10_codes.validate((value or "").strip())
    except StdnumError:
        return None


def stops_for(parcel: Parcel) -> tuple[list[geo.Stop], bool]:
    """Origin (the hub's airport) → gateway → destination city; the city is drawn at the
    gateway when it is not in geo.CITIES. Returns the stops and whether the city was known."""
    hub, gw = parcel.hub, parcel.gateway
    ap = geo.airport(hub.airport)
    origin = geo.Stop(hub.city, hub.airport, ap.latitude if ap else 0.0,
                      ap.longitude if ap else 0.0, "origin")  # fmt: skip
    gateway = geo.Stop(gw.city, gw.iata, float(gw.latitude), float(gw.longitude), "gateway")
    found = geo.city(parcel.recipient_country, parcel.recipient_city)
    if found:
        name, lat, lon = found
        dest = geo.Stop(name, parcel.recipient_country, lat, lon, "destination")
    else:
        dest = geo.Stop(parcel.recipient_city, parcel.recipient_country, gateway.latitude,
                        gateway.longitude, "destination")  # fmt: skip
    return [origin, gateway, dest], bool(found)


def tracking_view(identifier: str, now: dt.datetime | None = None) -> TrackingView | None:
    """Everything the public page and API show for one S10 identifier, or None if unknown."""
    now = now or timezone.now()
    parcel = (
        Parcel.objects.select_related("hub", "gateway", "service_level", "lane", "tracking_status")
        .only(*PARCEL_FIELDS)
        .filter(s10=identifier)
        .first()
    )
    if parcel is None:
        return None
    events = list(
        TrackingEvent.objects.filter(parcel_id=parcel.pk)
        .only(*EVENT_FIELDS)
        .order_by("-occurred_at", "-id")[:MAX_EVENTS]
    )
    current = getattr(parcel, "tracking_status", None)
    status = current.status if current and current.occurred_at else upu.PENDING
    code = current.code if current else ""
    last_at = current.occurred_at if current else None
    dest_tz = _zone(parcel.gateway.timezone)
    level = parcel.service_level
    target = parcel.lane.transit_target_days if parcel.lane_id else level.transit_max_days
    stops, known = stops_for(parcel)
    reached, progress = position(code)
    if status == upu.DELIVERED:
        reached, progress = 2, 0.0
    timeline = [
        TimelineEntry(e, e.occurred_at.astimezone(_zone(e.tz)), Status(e.status).label, e.meaning)
        for e in events
    ]
    return TrackingView(
        parcel=parcel,
        status=status,
        status_label=str(Status(status).label),
        code=code,
        last_event_at=last_at,
        delivered_at=current.delivered_at if current else None,
        promised=eta.promised_date(parcel.created_at, target, dest_tz),
        eta=eta.estimate(
            code=code,
            status=status,
            last_event_at=last_at,
            created_at=parcel.created_at,
            transit_min_days=level.transit_min_days,
            transit_max_days=level.transit_max_days,
            now=now,
        ),
        destination_tz=dest_tz,
        destination_name=stops[-1].label,
        destination_known=known,
        route=geo.cached_route_map(tuple(stops), reached, progress),
        stops=stops,
        timeline=timeline,
    )


def undelivered_parcels(order_ref: str, merchant_id: int):
    """The parcels of one order that tracking has not yet seen delivered."""
    return Parcel.objects.filter(order_ref=order_ref, merchant_id=merchant_id).exclude(
        tracking_status__delivered_at__isnull=False
    )
