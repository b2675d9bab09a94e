"""The buyers' choices after failed deliveries, for the carrier that delivers the parcels: a
carrier's token (the tracking scope, the user a CarrierMember) reads its own parcels' standing
instructions — a new attempt on a day, a pick-up point, a corrected address — and nothing of
other carriers'. Poll with ``since`` = the last ``chosen_at`` read (inclusive; drop ids seen)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import BaseModel, Field

from caravana.access.auth import CarrierAuth
from caravana.redelivery import services

router = Router(tags=["redelivery"])


class AddressOut(BaseModel):
    street_address: str
    city_area: str
    city: str
    state: str
    postal_code: str
    country: str


class InstructionOut(BaseModel):
    id: int
    identifier: str = Field(description="The parcel's S10 identifier")
    carrier_tracking_number: str | None
    attempt: int = Field(description="Which failed attempt this answers (1, 2, …)")
    reason: str = Field(description="absent, wrong_address, refused, unsafe_area, other")
    attempted_at: dt.datetime
    choice: str = Field(description="redeliver, pickup or address")
    redeliver_on: dt.date | None = Field(description="redeliver: the day the buyer chose")
    pickup_point: str | None = Field(description="pickup: the point the buyer named")
    address: AddressOut | None = Field(description="address: the corrected address, checked")
    note: str
    chosen_at: dt.datetime


class InstructionsOut(BaseModel):
    instructions: list[InstructionOut]
    #: Pass as ``since`` next time (None: nothing new).
    next_since: dt.datetime | None


class InstructionsQuery(Schema):
    since: dt.datetime | None = None
    limit: int = Field(100, ge=1, le=500)


@router.get(
    "/redelivery/instructions",
    auth=CarrierAuth(scope="tracking"),
    response={200: InstructionsOut},
    summary="The buyers' choices after failed deliveries of your parcels (carriers)",
)
def instructions(request: HttpRequest, q: Query[InstructionsQuery]):
    rows = services.instructions_for(request.carrier, q.since, q.limit)
    out = []
    for a in rows:
        p = a.parcel
        address = None
        if a.choice == "address":
            address = {"street_address": a.street_address, "city_area": a.city_area,
                       "city": a.city, "state": a.state_area, "postal_code": a.postal_code,
                       "country": p.recipient_country}  # fmt: skip
        out.append(
            {
                "id": a.pk,
                "identifier": p.s10,
                "carrier_tracking_number": p.carrier_tracking_number or None,
                "attempt": a.attempt,
                "reason": a.reason,
                "attempted_at": a.occurred_at,
                "choice": a.choice,
                "redeliver_on": a.redeliver_on,
                "pickup_point": a.pickup_point or None,
                "address": address,
                "note": a.note,
                "chosen_at": a.chosen_at,
            }  # fmt: skip
        )
    return {"instructions": out, "next_since": rows[-1].chosen_at if rows else None}
