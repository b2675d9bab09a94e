"""Customs decisions by API: a broker's token (the clearance scope, the user a GatewayMember
of one gateway) posts decisions on that gateway's parcels. All or nothing, like a carrier's
tracking batch: one bad decision refuses the batch with 422, each error located as
``["body", "decisions", <index>, <field>]``; decisions are idempotent (the same parcel,
outcome, reason and time is recorded once), so the broker fixes and resends the batch. A
cleared or released decision may carry customs' assessment of the parcel (``assessed`` by tax,
``assessed_currency``), recorded with it (duties.services.record_assessments)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

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

#: An amount as a decimal string ("12.30"): money never travels as a JSON number (docs/api.md).
AmountStr = Annotated[str, Field(max_length=24)]

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
    assessed: dict[str, AmountStr] | None = Field(
        None,
        description="Customs' assessment of the parcel, by duty or tax of the destination (the "
        'pricing rules\' component ids: {"ii": "12.30", "icms": "9.80"} for Brazil, '
        '{"global": …} for Mexico), as decimal strings (a JSON number is refused); only with '
        "cleared or released. Recorded once: the same figures again are a repeat, other "
        "figures are refused.",
        examples=[{"ii": "12.30", "icms": "9.80"}],
    )
    assessed_currency: str = Field(
        "", max_length=3, description="The destination's currency (BRL, MXN…), with assessed"
    )


class DecisionsIn(BaseModel):
    decisions: list[CustomsDecisionIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class DecisionsOut(Schema):
    gateway: str
    received: int
    applied: int
    repeated: int
    buyer_requests: int
    assessed: int = Field(0, description="Duty assessments recorded by this batch")


@router.post(
    "/clearance/decisions",
    auth=BrokerAuth(scope="clearance"),
    response={200: DecisionsOut, 403: dict, 422: dict},
    summary="Post customs decisions on your gateway's parcels (brokers)",
)
def post_decisions(request: HttpRequest, batch: DecisionsIn):
    items = [
        services.DecisionIn(d.identifier, d.outcome, d.reason, d.note, d.decided_at,
                            d.reference, i, dict(d.assessed or {}), d.assessed_currency)
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
            "assessed": result.assessed,
        },
    )
