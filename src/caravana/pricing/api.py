"""POST /api/v1/quotes: the same JSON in and out as `python -m caravana quote`."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Body, Router

from caravana.accounts.limits import api_throttles
from caravana.api import errors
from caravana.pricing import quoting
from caravana.pricing.engine import QuoteError

router = Router(tags=["quotes"])


def error_response(exc: QuoteError) -> HttpResponse:
    return JsonResponse(
        {"detail": [errors.item(["body", exc.field], exc.message, exc.code)]}, status=422
    )


@router.post(
    "/quotes",
    throttle=api_throttles("quotes"),
    response={200: dict, 422: dict},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "lines": [
                            {
                                "hs_code": "851830",
                                "unit_price": "129.00",
                                "currency": "CNY",
                                "quantity": 1,
                                "weight_g": 180,
                                "length_cm": 12,
                                "width_cm": 8,
                                "height_cm": 4,
                            }
                        ],
                        "country": "BR",
                        "state": "SP",
                        "service_level": "standard",
                        "buyer_id_type": "br.cpf",
                        "quote_date": "2026-11-27",
                    }
                }
            }
        }
    },
)
def create_quote(request: HttpRequest, payload: dict = Body(...)):
    """A landed-cost quote: goods, shipping, each duty and tax with its rule, the total in the
    buyer's currency and in USD, the FX rates used, DDP or DDU, and any refusal with its reason.
    Documented in docs/quotes.md."""
    try:
        result = quoting.quote_dict(payload)
    except QuoteError as exc:
        return error_response(exc)
    if result["refusals"]:
        # Over a cap or a buyer ID the country does not accept: no price is offered at all.
        detail = [
            {**errors.item(["body", r["field"]], r["message"], r["code"], r["code"])}
            for r in result["refusals"]
        ]
        return JsonResponse({"detail": detail, "quote": result}, status=422)
    return HttpResponse(json.dumps(result), content_type="application/json")
