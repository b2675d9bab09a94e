"""Customs decisions by API: a broker's token (the clearance scope, the user a GatewayMember
of one gateway) posts decisions on that gateway's parcels. All or nothing, like a carrier's
tracking batch: one bad decision refuses the batch with 422, each error located as
``["body", "decisions", <index>, <field>]``; decisions are idempotent (the same parcel,
outcome, reason and time is recorded once), so the broker fixes and resends the batch."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import BaseModel

from caravana.api import errors
from caravana.clearance import services
from caravana.clearance.members import BrokerAuth
from caravana.clearance.models import Source

router = Router(tags=["clearance"])

#: At most this many decisions per request (a file goes through the desk's upload).
MAX_BATCH = 1000


class CustomsDecisionIn(BaseModel):
    identifier: str = Field(..., description="The parcel's S10 identifier")
    outcome: str = Field(..., description="cleared, held, released, returned, seized, disposed")
    reason: str = Field("", description="A hold's: documents, valuation, inspection, "
                        "prohibited, buyer_id")  # fmt: skip
    decided_at: dt.datetime | None = Field(None, description="ISO 8601 with offset; now if absent")
    note: str = Field("", max_length=300)
    reference: str = Field("", max_length=64, description="Your reference for the decision")


class DecisionsIn(BaseModel):
    decisions: list[CustomsDecisionIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class DecisionsOut(Schema):
    gateway: str
    received: int
    applied: int
    repeated: int
    buyer_requests: int


@router.post(
    "/clearance/decisions",
    auth=BrokerAuth(scope="clearance"),
    response={200: DecisionsOut, 403: dict, 422: dict},
    summary="Post customs decisions on your gateway's parcels (brokers)",
)
def post_decisions(request: HttpRequest, batch: DecisionsIn):
    items = [
        services.DecisionIn(d.identifier, d.outcome, d.reason, d.note, d.decided_at,
                            d.reference, i)
        for i, d in enumerate(batch.decisions)
    ]  # fmt: skip
    try:
        result = services.apply_decisions(
            items, source=Source.API, actor=request.user, gateway=request.gateway,
            atomic=True, prefix="decisions",
        )  # fmt: skip
    except ValidationError as exc:
        return Status(422, {"detail": errors.validation_items(exc, dotted=True)})
    return Status(
        200,
        {
            "gateway": request.gateway.iata,
            "received": len(items),
            "applied": result.applied,
            "repeated": result.repeated,
            "buyer_requests": result.requests,
        },
    )
