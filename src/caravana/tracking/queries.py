"""The public read model of one parcel's tracking: status, timeline, promise, estimate and the
route map. Two hand-written queries whatever the parcel's history (the parcel with its network
rows; its latest events, of which the life cycle's current one is its status), read into
light rows rather than model instances: with the database answering from two index lookups,
building the ORM queries and the instances was most of what a lookup cost. Nothing is
cached: a new event shows on the next lookup."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, overload

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.functional import Promise
from stdnum.exceptions import ValidationError as StdnumError

from caravana.codes import carriers as carrier_numbers
from caravana.codes import s10 as s10_codes
from caravana.fulfillment.models import Parcel
from caravana.network.models import Carrier, Gateway, Hub, Lane, ServiceLevel
from caravana.tracking import batch_sql, eta, geo, lifecycle, upu
from caravana.tracking.events import Delivery
from caravana.tracking.models import Status, TrackingEvent

#: A timeline shows at most this many events (newest first); a parcel rarely has 30.
MAX_EVENTS = 100

# Where the parcel is drawn on the route for its latest event: (stop reached, progress on the
# next leg). Stops: 0 origin hub airport, 1 gateway, 2 destination city.
_DEPARTED = {"EMC": 0.5, "EMJ": 0.6, "EMK": 0.7}
_IN_COUNTRY = {"EMF": 0.15, "EDD": 0.4, "EDE": 0.5, "EMG": 0.75, "EDF": 0.75, "EDG": 0.9,
               "EDH": 0.9, "EMH": 0.9}  # fmt: skip
# EDX (import terminated) is destination customs' decision: the parcel is drawn at the gateway.
_AT_GATEWAY = {"EMD", "EDA", "EDB", "EME", "EDC", "EDX"}
_STATUS_LABELS = dict(Status.choices)


# ---------------------------------------------------------------------------------------------
# Rows: what the page and the API read, with the attribute paths of the models they stand for
# (view.parcel.gateway.iata, entry.event.meaning), so templates read them as they read models.


@dataclass(slots=True)
class HubRow:
    code: str
    name: str
    city: str
    airport: str


@dataclass(slots=True)
class GatewayRow:
    iata: str
    city: str
    latitude: float
    longitude: float
    timezone: str


@dataclass(slots=True)
class ServiceLevelRow:
    code: str
    name: str
    transit_min_days: int
    transit_max_days: int

    # mypy types a property read on its class as its getter.
    buyer_name = property(ServiceLevel.buyer_name.fget)  # type: ignore[attr-defined]


@dataclass(slots=True)
class CarrierRow:
    name: str
    tracking_format: str
    tracking_url: str


@dataclass(slots=True)
class ParcelRow:
    pk: int
    s10: str
    created_at: dt.datetime
    recipient_city: str
    recipient_country: str
    transit_target_days: int  # the lane's
    hub: HubRow
    gateway: GatewayRow
    service_level: ServiceLevelRow
    carrier: CarrierRow
    #: The last-mile carrier's own number, blank until the handover gives one.
    carrier_tracking_number: str = ""
    #: "local": local stock sent from returns point `origin_point` (no hub, no flight).
    kind: str = "network"
    origin_point: str = ""

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    @property
    def carrier_number_shown(self) -> str:
        """The carrier's number as the carrier prints it (codes.carriers)."""
        number = self.carrier_tracking_number
        if not number:
            return ""
        return str(carrier_numbers.get(self.carrier.tracking_format).format(number))

    @property
    def carrier_link(self) -> str | None:
        """The carrier's tracking page for its number, https only; None without either."""
        return carrier_numbers.tracking_link(
            self.carrier.tracking_url, self.carrier.tracking_format, self.carrier_tracking_number
        )


@dataclass(slots=True)
class EventRow:
    code: str
    status: str
    occurred_at: dt.datetime
    location_code: str
    location_name: str
    latitude: float | None
    longitude: float | None
    tz: str
    details: dict[str, Any]

    #: The model's own wording rules (code, else the hub step in details).
    meaning = property(TrackingEvent.meaning.fget)  # type: ignore[attr-defined]


_EVENT_COLUMNS = ("code", "status", "occurred_at", "location_code", "location_name", "latitude",
                  "longitude", "tz", "details")  # fmt: skip


@cache
def _sql(vendor: str) -> tuple[str, str]:
    """The two statements, written once per process (names from _meta, quoted per backend).

    The parcel is found first, in a CTE that PostgreSQL materializes, and
    only then joined to their network rows: planning all five tables as one join problem, with
    the parcel table's many foreign-key indexes, took PostgreSQL a millisecond per lookup, three
    times what this takes. The events are read newest first through trk_event_parcel_time
    (parcel, occurred_at, id)."""
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    # Any: get_field is typed to include reverse relations, which have no column.
    parcel: Any = Parcel._meta
    ev: Any = TrackingEvent._meta

    def cols(meta: Any, alias: str, names: tuple[str, ...], prefix: str = "") -> list[str]:
        """Columns by field name; with a prefix, renamed to prefix + field name."""
        return [
            f"{alias}.{qn(meta.get_field(n).column)}" + (f" AS {qn(prefix + n)}" if prefix else "")
            for n in names
        ]

    own = ("id", "s10", "created_at", "recipient_city", "recipient_country",
           "carrier_tracking_number", "kind", "origin_point")  # fmt: skip
    network = ((Lane, "l", "lane", ("transit_target_days",)),
               (Hub, "h", "hub", ("code", "name", "city", "airport")),
               (Gateway, "g", "gateway", ("iata", "city", "latitude", "longitude", "timezone")),
               (ServiceLevel, "sl", "service_level",
                ("code", "name", "transit_min_days", "transit_max_days")),
               (Carrier, "c", "carrier", ("name", "tracking_format", "tracking_url")))  # fmt: skip
    found = ", ".join(
        cols(parcel, "p", own, "p_")
        + cols(parcel, "p", tuple(fk for _m, _a, fk, _n in network), "p_")
    )
    select = ", ".join(
        [f"p.{qn('p_' + n)}" for n in own]
        + [c for model, alias, _fk, names in network for c in cols(model._meta, alias, names)]
    )
    joins = "".join(  # the ignore: every model has a pk, typed as optional in Options
        f" INNER JOIN {qn(model._meta.db_table)} {alias}"
        f" ON {alias}.{qn(model._meta.pk.column)} = p.{qn('p_' + fk)}"  # type: ignore[arg-type]
        for model, alias, fk, _names in network
    )
    materialized = "MATERIALIZED " if vendor == "postgresql" else ""
    parcel_sql = (
        f"WITH p AS {materialized}(SELECT {found} FROM {qn(parcel.db_table)} p"
        f" WHERE p.{qn(parcel.get_field('s10').column)} = %s)"
        f" SELECT {select} FROM p{joins}"
    )
    columns = ", ".join(qn(ev.get_field(n).column) for n in _EVENT_COLUMNS)
    occurred, pk = qn(ev.get_field("occurred_at").column), qn(ev.pk.column)
    events_sql = (
        f"SELECT {columns} FROM {qn(ev.db_table)}"
        f" WHERE {qn(ev.get_field('parcel').column)} = %s"
        f" ORDER BY {occurred} DESC, {pk} DESC LIMIT {MAX_EVENTS:d}"
    )
    return parcel_sql, events_sql


@overload
def _aware(value: None, tz: dt.tzinfo | None) -> None: ...
@overload
def _aware(value: dt.datetime | str, tz: dt.tzinfo | None) -> dt.datetime: ...
def _aware(value: Any, tz: dt.tzinfo | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes in the connection's zone (UTC), PostgreSQL aware ones."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _json(value: Any) -> dict[str, Any]:
    """Both backends hand JSON back as text (Django does not let psycopg parse jsonb)."""
    if value is None or value == "{}":
        return {}
    return json.loads(value) if isinstance(value, str | bytes) else value


def _float(value: Any) -> float | None:
    """Decimal on PostgreSQL, float or int (or text) on SQLite."""
    return None if value is None else float(value)


def _cursor(db: Any) -> Any:
    """PostgreSQL: a server-side-binding psycopg cursor, so that psycopg prepares the two
    lookup statements after a few runs on a connection and PostgreSQL stops planning them;
    planning the events statement over every monthly partition (docs/decisions/0008) cost more
    than running it. SQLite: Django's cursor."""
    if db.vendor == "postgresql":
        import psycopg

        db.ensure_connection()
        return psycopg.Cursor(db.connection)
    return db.cursor()


def _execute(db: Any, cursor: Any, sql: str, params: list[Any]) -> None:
    if db.vendor == "postgresql":
        cursor.execute(sql, params, prepare=batch_sql.prepare())
    else:
        cursor.execute(sql, params)


def read_parcel(identifier: str) -> ParcelRow | None:
    """The parcel by S10 identifier with its network rows: one query."""
    db = connections[DEFAULT_DB_ALIAS]
    parcel_sql, _events_sql = _sql(db.vendor)
    with _cursor(db) as cursor:
        _execute(db, cursor, parcel_sql, [identifier])
        row = cursor.fetchone()
    if row is None:
        return None
    (pk, s10, created_at, city, country, carrier_number, kind, origin, target, hub_code,
     hub_name, hub_city, hub_airport, iata, gw_city, lat, lon, gw_tz, sl_code, sl_name, tmin,
     tmax, carrier_name, carrier_format, carrier_url) = row  # fmt: skip
    tz = db.timezone
    return ParcelRow(
        pk=pk,
        s10=s10,
        created_at=_aware(created_at, tz),
        recipient_city=city,
        recipient_country=country,
        transit_target_days=target,
        hub=HubRow(hub_code, hub_name, hub_city, hub_airport),
        gateway=GatewayRow(iata, gw_city, float(lat), float(lon), gw_tz),
        service_level=ServiceLevelRow(sl_code, sl_name, tmin, tmax),
        carrier=CarrierRow(carrier_name, carrier_format, carrier_url),
        carrier_tracking_number=carrier_number or "",
        kind=kind or "network",
        origin_point=origin or "",
    )


def read_events(parcel_id: int) -> list[EventRow]:
    """The parcel's latest MAX_EVENTS events, newest first (ties by id): one query."""
    db = connections[DEFAULT_DB_ALIAS]
    _parcel_sql, events_sql = _sql(db.vendor)
    with _cursor(db) as cursor:
        _execute(db, cursor, events_sql, [parcel_id])
        rows = cursor.fetchall()
    db_tz = db.timezone
    return [
        EventRow(
            code or "",
            status,
            _aware(at, db_tz),
            loc_code or "",
            loc_name or "",
            _float(lat),
            _float(lon),
            zone or "",
            _json(details),
        )
        for code, status, at, loc_code, loc_name, lat, lon, zone, details in rows
    ]


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


@lru_cache(maxsize=512)
def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name) if name else dt.UTC
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


@dataclass(slots=True)
class TimelineEntry:
    event: EventRow
    local: dt.datetime  # occurred_at in the zone of where it happened
    status_label: str | Promise
    meaning: str
    #: The parcel's current event (tracking.lifecycle): not always the newest.
    current: bool = False

    @property
    def reason(self) -> str:
        return str((self.event.details or {}).get("reason", ""))


@dataclass
class TrackingView:
    parcel: ParcelRow
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

    @property
    def current_reason(self) -> str:
        """The reason the current event gives (a failed attempt's, a hold's), else ""."""
        return next((t.reason for t in self.timeline if t.current), "")


def clean_identifier(value: str) -> str | None:
    """The compact S10 identifier, or None for anything that is not one."""
    try:
        return s10_codes.validate((value or "").strip())
    except StdnumError:
        return None


def stops_for(parcel: ParcelRow | Parcel) -> tuple[list[geo.Stop], bool]:
    """Origin (the hub's airport) → gateway → destination city; the city is drawn at the
    gateway when its market does not list it. Returns the stops and whether the city was known."""
    hub, gw = parcel.hub, parcel.gateway
    ap = geo.airport(hub.airport)
    origin = geo.Stop(hub.city, hub.airport, (ap.latitude or 0.0) if ap else 0.0,
                      (ap.longitude or 0.0) if ap else 0.0, "origin")  # fmt: skip
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
    parcel = read_parcel(identifier)
    if parcel is None:
        return None
    events = read_events(parcel.pk)
    # Where the parcel stands: its current event in the life cycle (tracking.lifecycle), the
    # latest of the highest stage, so a scan after delivery leaves it delivered; before any
    # event it is pending. The events come newest first: walked oldest first, a tie goes to
    # the one recorded last, as in the SQL.
    current: EventRow | None = None
    for e in reversed(events):
        if current is None or lifecycle.wins(
            e.status, e.occurred_at, current.status, current.occurred_at
        ):
            current = e
    status = current.status if current else upu.PENDING
    code = current.code if current else ""
    last_at = current.occurred_at if current else None
    dest_tz = _zone(parcel.gateway.timezone)
    level = parcel.service_level
    target = parcel.transit_target_days
    low, high = level.transit_min_days, level.transit_max_days
    if parcel.kind == "local":  # one last-mile leg in the country (returns.local_orders)
        low, high = getattr(settings, "LOCAL_STOCK_DELIVERY_DAYS", (1, 4))
        target = high
    stops, known = stops_for(parcel)
    reached, progress = position(code)
    if status == upu.DELIVERED:
        reached, progress = 2, 0.0
    timeline = [
        TimelineEntry(
            e,
            e.occurred_at.astimezone(_zone(e.tz)),
            _STATUS_LABELS[e.status],
            e.meaning,
            e is current,
        )  # fmt: skip
        for e in events
    ]
    return TrackingView(
        parcel=parcel,
        status=status,
        status_label=str(_STATUS_LABELS.get(status, status)),
        code=code,
        last_event_at=last_at,
        delivered_at=lifecycle.counted_delivery(
            (e.status, e.occurred_at, e.occurred_at) for e in events
        ),
        promised=eta.promised_date(parcel.created_at, target, dest_tz),
        eta=eta.estimate(
            code=code,
            status=status,
            last_event_at=last_at,
            created_at=parcel.created_at,
            transit_min_days=low,
            transit_max_days=high,
            now=now,
        ),
        destination_tz=dest_tz,
        destination_name=stops[-1].label,
        destination_known=known,
        route=geo.cached_route_map(tuple(stops), reached, progress),
        stops=stops,
        timeline=timeline,
    )


def with_undelivered_parcels(orders: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Of the (order_ref, merchant id) pairs given, those with a parcel the life cycle does not
    count as delivered (counted_deliveries: an EMI on the way back or a failed attempt is no
    delivery). Two queries for a whole batch of orders (by reference, the merchant matched
    here: an OR of a thousand pairs is more than SQLite takes)."""
    pairs = set(orders)
    if not pairs:
        return set()
    parcels = [
        (pk, (ref, merchant_id))
        for pk, ref, merchant_id in Parcel.objects.filter(
            order_ref__in={ref for ref, _m in pairs}
        ).values_list("pk", "order_ref", "merchant_id")
        if (ref, merchant_id) in pairs
    ]
    delivered = counted_deliveries(pk for pk, _pair in parcels)
    return {pair for pk, pair in parcels if pk not in delivered}


#: Parcels read per query (SQLite's limit on bound parameters).
_CHUNK = 900


def counted_deliveries(parcel_ids: Iterable[int]) -> dict[int, Delivery]:
    """Each parcel's delivery as the life cycle counts it (lifecycle.counted_delivery: its
    earliest EMI stamped before any return or final outcome), by parcel id; parcels without
    one are absent. One query per 900 parcels, reading only the events past the ordinary
    journey through the partial index trk_event_parcel_outcome."""
    ids = sorted(set(parcel_ids))
    found: dict[int, Delivery] = {}
    for start in range(0, len(ids), _CHUNK):
        rows: dict[int, list[tuple[str, dt.datetime, Delivery]]] = {}
        for pid, s10, status, at, pk in (
            TrackingEvent.objects.filter(
                parcel_id__in=ids[start : start + _CHUNK], status__in=lifecycle.OUTCOMES
            )
            .order_by("parcel_id", "occurred_at", "id")
            .values_list("parcel_id", "parcel__s10", "status", "occurred_at", "id")
        ):
            rows.setdefault(pid, []).append((status, at, Delivery(pid, s10, at, pk)))
        for pid, events in rows.items():
            counted = lifecycle.counted_delivery(events)
            if counted is not None:
                found[pid] = counted
    return found


def first_deliveries(parcel_ids: Iterable[int]) -> list[Delivery]:
    """Each of these parcels' delivery as the life cycle counts it (counted_deliveries), for
    a listener catching up on deliveries it may have missed (the signal is sent once, after
    commit)."""
    return list(counted_deliveries(parcel_ids).values())
