"""Carrier webhooks: POST /carriers/{code}/events takes the carrier's own payload (the shape
its adapter's document gives, or a JSON list of such payloads), signed with the carrier's
webhook secret in the Standard Webhooks format (caravana.webhook_signing).

- Unsigned, forged, tampered or stale (timestamp more than five minutes off): 401, nothing
  written. An unknown carrier, or one without a feed: 404.
- A payload not of the documented shape: 422 naming the field, nothing written.
- Idempotent: a delivery sent again (the same events) records nothing new (``duplicates``).
  Out-of-order events are recorded as they come; the parcel's status follows the life cycle.
- Statuses the adapter does not map, unknown numbers and unreadable times are kept for
  operators (``held``), never dropped; the rest of the delivery is recorded.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from caravana import webhook_signing
from caravana.accounts.limits import RateThrottle
from caravana.api import errors
from caravana.carrier_events import services
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
    summary="A carrier's own tracking payload, signed (webhook)",
)
def carrier_webhook(request: HttpRequest, code: str):
    feed = services.feed_of(code)
    if feed is None:
        return _refusal(404, _("No carrier %(c)s takes webhooks.") % {"c": code[:32]},
                        CommonErrorCode.NOT_FOUND)  # fmt: skip
    try:
        result = services.receive_webhook(feed, request.body, request.headers)
    except webhook_signing.SignatureError:
        return _refusal(401, _("Signature missing or wrong."),
                        CarrierEventsErrorCode.INVALID_SIGNATURE)  # fmt: skip
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
