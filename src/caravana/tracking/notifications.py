"""What the buyer and the merchant are told, in their language. The buyer reads the e-mail in
the language of the parcel's destination country (Portuguese in Brazil, Spanish elsewhere in
Latin America); the merchant's webhook is machine-readable JSON with the normalised status and
the UPU code."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from caravana import markets
from caravana.codes import carriers as carrier_numbers
from caravana.tracking import upu
from caravana.tracking.models import Status


def is_key(code: str | None) -> bool:
    return upu.is_key(code)


def site_url() -> str:
    return getattr(settings, "CARAVANA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def tracking_url(identifier: str) -> str:
    return site_url() + reverse("tracking:parcel", args=[identifier])


def local_time(event: Any) -> str:
    try:
        tz = zoneinfo.ZoneInfo(event.tz) if event.tz else zoneinfo.ZoneInfo("UTC")
    except zoneinfo.ZoneInfoNotFoundError:
        tz = zoneinfo.ZoneInfo("UTC")
    return event.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def carrier_context(parcel: Any) -> dict[str, Any]:
    """The carrier's number as it prints it and the link to its page (https only), once the
    parcel has one; nothing before the handover."""
    number = parcel.carrier_tracking_number
    if not number:
        return {}
    carrier = parcel.carrier
    return {
        "carrier_number": carrier_numbers.get(carrier.tracking_format).format(number),
        "carrier_link": carrier.tracking_link(number),
    }


def email_buyers(pairs: list[tuple[Any, Any]]) -> int:
    """One e-mail per (parcel, key event), through one backend connection."""
    if not pairs:
        return 0
    messages = []
    for parcel, event in pairs:
        language = markets.language(parcel.recipient_country)
        with translation.override(language):
            context = {
                "parcel": parcel,
                "event": event,
                "status_label": Status(event.status).label,
                "meaning": event.meaning,
                "local_time": local_time(event),
                "url": tracking_url(parcel.s10),
                **carrier_context(parcel),
            }
            subject = render_to_string("tracking/email/status_subject.txt", context)
            body = render_to_string("tracking/email/status_body.txt", context)
        messages.append(
            EmailMessage(
                " ".join(subject.split()),
                body,
                to=[parcel.recipient_email],
                headers={"Content-Language": language},
            )
        )
    return get_connection().send_messages(messages) or 0


def webhook_body(parcel: Any, event: Any, previous: str | None) -> dict[str, Any]:
    return {
        "type": "parcel.status_changed",
        "data": {
            "identifier": parcel.s10,
            "order_ref": parcel.order_ref,
            "status": event.status,
            "previous_status": previous,
            "code": event.code or None,
            "occurred_at": event.occurred_at.isoformat(),
            "location": {"code": event.location_code, "name": event.location_name},
            "details": event.details,
            "tracking_url": tracking_url(parcel.s10),
        },
    }
