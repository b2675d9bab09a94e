"""Carrier webhooks: POST /carriers/{code}/events takes the carrier's own payload (the shape
its adapter's document gives, or a JSON list of such payloads), proven the carrier's as its feed
says (carrier_events.webhook_auth): signed with the carrier's webhook secret in the Standard
Webhooks format (caravana.webhook_signing), or with HTTP Basic credentials (Loggi).

- Unsigned, forged, tampered or stale (timestamp more than five minutes off): 401
  ``invalid_signature``; Basic credentials missing (``missing_credentials``, with
  WWW-Authenticate) or unreadable or wrong (``invalid_credentials``): 401; nothing written.
  An unknown carrier, or one without a feed: 404.
- A payload not of the documented shape: 422 naming the field, nothing written.
- Idempotent: a delivery sent again (the same events) records nothing new (``duplicates``).
  Out-of-order events are recorded as they come; the parcel's status follows the life cycle.
- Statuses the adapter does not map, unknown numbers and unreadable times are kept for
  operators (``held``), never dropped; the rest of the delivery is recorded.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from caravana.accounts.limits import RateThrottle
from caravana.api import errors
from caravana.carrier_events import services, webhook_auth
from caravana.carrier_events.adapters.base import PayloadError
from caravana.carrier_events.error_codes import CarrierEventsErrorCode
from caravana.error_codes import CommonErrorCode

router = Router(tags=["carrier events"])


class WebhookOut(Schema):
    received: int
    created: int
    duplicates: int
    held: int
    status_changes: int
    delivered: list[str]


ErrorOut = dict


def _refusal(status: int, msg: str, code) -> Status:
    return Status(status, {"detail": msg, "code": errors.known(code)})


@router.post(
    "/carriers/{code}/events",
    auth=None,
    # Not the anonymous API's rate: a carrier's requests are signed and batched.
    throttle=[RateThrottle("carrier_webhook")],
    response={200: WebhookOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="A carrier's own tracking payload, signed or with Basic credentials (webhook)",
)
def carrier_webhook(request: HttpRequest, code: str):
    feed = services.feed_of(code)
    if feed is None:
        return _refusal(404, _("No carrier %(c)s takes webhooks.") % {"c": code[:32]},
                        CommonErrorCode.NOT_FOUND)  # fmt: skip
    try:
        result = services.receive_webhook(feed, request.body, request.headers)
    except webhook_auth.AuthError as exc:
        refusal = JsonResponse(
            {"detail": exc.message, "code": errors.known(CarrierEventsErrorCode(exc.reason))},
            status=401,
        )
        if feed.webhook_auth == webhook_auth.Auth.BASIC:
            refusal["WWW-Authenticate"] = 'Basic realm="caravana carrier webhooks", charset="UTF-8"'
        return refusal
    except PayloadError as exc:
        loc = [int(p) if p.isdigit() else p for p in exc.field.split(".") if p]
        msg = _("The body is not JSON.") if not exc.field else exc.message
        return _invalid(["body", *loc], msg)
    except services.TooManyEvents:
        return Status(422, {"detail": [errors.item(
            ["body"], _("At most %(n)s events per request.")
            % {"n": f"{services.MAX_REQUEST_EVENTS:,}"},
            CarrierEventsErrorCode.TOO_MANY_EVENTS)]})  # fmt: skip
    return Status(200, result.as_dict())


def _invalid(loc: list, msg: str) -> Status:
    return Status(422, {"detail": [errors.item(loc, msg, CarrierEventsErrorCode.INVALID_PAYLOAD)]})
