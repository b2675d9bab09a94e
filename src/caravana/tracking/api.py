"""Tracking API: last-mile carriers post event batches with their token; anyone may look a
parcel up by its S10 identifier.

POST /tracking/events takes up to 1,000 events and is all-or-nothing: one bad event (unknown or
malformed identifier, another carrier's parcel, unknown code, a time in the future, a hold
without its reason) rejects the batch with 422, every error located as
``["body", "events", <index>, <field>]``, and nothing is written. Events are idempotent by
``event_id`` (per carrier), so after fixing the bad ones the carrier resends the whole batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import BaseModel

from caravana.access.auth import CarrierAuth
from caravana.accounts.limits import api_throttles
from caravana.api import errors
from caravana.tracking import ingestion, queries
from caravana.tracking.error_codes import TrackingErrorCode

router = Router(tags=["tracking"])


class EventIn(BaseModel):
    """Plain pydantic (not ninja.Schema): a batch holds up to 1,000 of these, and Schema's
    Django-object getter costs more than the rest of the request."""

    event_id: str = Field(..., max_length=64, description="Your id; a repeat is ignored.")
    identifier: str = Field(..., description="S10 identifier, e.g. HC000000017CN")
    code: str = Field(..., description="UPU EMSEVT code: EDB, EME, EMF, EDG, EMH, EMI …")
    occurred_at: dt.datetime = Field(..., description="ISO 8601 with UTC offset")
    location_code: str = ""
    location_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    timezone: str = Field("", description="IANA zone of the location (default: the gateway's)")
    reason: str = Field("", description="Required for EME, EXB and EMH")
    details: dict[str, Any] = Field(default_factory=dict)


class BatchIn(BaseModel):
    events: list[EventIn]


class BatchOut(Schema):
    received: int
    created: int
    duplicates: int
    status_changes: int
    delivered: list[str]


# Error answers are documented with the API's one Error schema (caravana.api.errors).
ErrorOut = dict


def _located(exc: ValidationError) -> dict[str, Any]:
    """``events.3.code`` → loc ``["body", "events", 3, "code"]``."""
    return {"detail": errors.validation_items(exc, dotted=True)}


@router.post(
    "/tracking/events",
    auth=CarrierAuth(scope="tracking"),
    response={200: BatchOut, 403: ErrorOut, 422: ErrorOut},
    summary="Post a batch of last-mile tracking events (carriers)",
)
def post_events(request: HttpRequest, batch: BatchIn):
    try:
        # The parsed events go in as they are: they have CarrierEventIn's fields.
        result = ingestion.ingest_carrier_events(request.carrier, batch.events)
    except ValidationError as exc:
        return Status(422, _located(exc))
    return Status(
        200,
        {
            "received": result.received,
            "created": result.created,
            "duplicates": result.duplicates,
            "status_changes": len(result.changes),
            "delivered": sorted(result.delivered),
        },
    )


# The lookup's output schemas are plain pydantic too: ninja.Schema validates a dict through its
# Django-object getter field by field, about a millisecond per lookup with ten events.


class LocationOut(BaseModel):
    code: str
    name: str
    latitude: float | None
    longitude: float | None
    timezone: str


class TrackEventOut(BaseModel):
    code: str | None
    status: str
    description: str
    occurred_at: dt.datetime
    local_time: str
    location: LocationOut
    reason: str | None


class DestinationOut(BaseModel):
    city: str
    country: str
    gateway: str


class LastMileOut(BaseModel):
    carrier: str
    tracking_number: str | None
    tracking_url: str | None


class TrackingOut(BaseModel):
    identifier: str
    status: str
    status_label: str
    code: str | None
    last_event_at: dt.datetime | None
    delivered_at: dt.datetime | None
    promised_date: dt.date
    estimated_delivery: dt.date | None
    service_level: str
    destination: DestinationOut
    #: The last-mile carrier and, after the handover, its own number and tracking page.
    last_mile: LastMileOut
    events: list[TrackEventOut]


@router.get(
    "/tracking/{identifier}",
    auth=None,
    throttle=api_throttles("tracking"),
    response={200: TrackingOut, 404: ErrorOut, 422: ErrorOut},
    summary="Track a parcel by its S10 identifier (public)",
)
def track(request: HttpRequest, identifier: str):
    code = queries.clean_identifier(identifier)
    if code is None:
        msg = _("%(v)s is not a valid S10 identifier (check digit or format).") % {
            "v": identifier[:20]
        }
        return Status(
            422,
            {"detail": [errors.item(["path", "identifier"], msg, TrackingErrorCode.INVALID_S10)]},
        )
    view = queries.tracking_view(code)
    if view is None:
        return Status(
            404,
            {
                "detail": [
                    {
                        "loc": ["path", "identifier"],
                        "msg": _("No parcel %(s)s.") % {"s": code},
                        "code": TrackingErrorCode.UNKNOWN_PARCEL.value,
                    }
                ]
            },
        )
    p = view.parcel
    out = TrackingOut.model_validate(
        {
            "identifier": p.s10,
            "status": view.status,
            "status_label": view.status_label,
            "code": view.code or None,
            "last_event_at": view.last_event_at,
            "delivered_at": view.delivered_at,
            "promised_date": view.promised,
            "estimated_delivery": view.eta_date,
            "service_level": p.service_level.code,
            "destination": {
                "city": p.recipient_city,
                "country": p.recipient_country,
                "gateway": p.gateway.iata,
            },
            "last_mile": {
                "carrier": p.carrier.name,
                "tracking_number": p.carrier_tracking_number or None,
                "tracking_url": p.carrier_link,
            },
            "events": [
                {
                    "code": t.event.code or None,
                    "status": t.event.status,
                    "description": t.meaning,
                    "occurred_at": t.event.occurred_at,
                    "local_time": t.local.isoformat(),
                    "location": {
                        "code": t.event.location_code,
                        "name": t.event.location_name,
                        "latitude": t.event.latitude,
                        "longitude": t.event.longitude,
                        "timezone": t.event.tz,
                    },
                    "reason": t.reason or None,
                }
                for t in view.timeline
            ],
        }
    )
    # Serialised by pydantic (in Rust) straight to the response: the public lookup is the
    # hottest read there is, and ninja's renderer goes through Python's json encoder.
    return HttpResponse(out.model_dump_json(), content_type="application/json")
