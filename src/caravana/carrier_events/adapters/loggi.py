"""Loggi (Brazil): the tracking webhook.

Document: Loggi API Reference, "Webhook", https://docs.api.loggi.com/reference/webhook, seen
2026-12-03. Loggi POSTs ``{"packages": [{"loggiKey", "trackingCode", "status": {"code",
"highLevelStatus", "description", "actionRequired", "updatedTime"}, "location": {"city",
"state"}, "promisedDate", "requestTime", "trackingHistory": [{"status": {…}, "location":
{…}}]}]}``; ``updatedTime`` is ISO 8601 in UTC (``2021-05-05T10:40:18.941518Z``). The number
is ``trackingCode`` (``SH1007503594LG`` in the example); each entry of ``trackingHistory`` is
an event, and the package's ``status`` is one too when the history is missing.

The document's example shows one status: code 5, "Entregue" ("O pacote foi recebido no
endereço de entrega."). The list of the other codes it refers to was not found in public:
every other code is kept for operators until it is mapped from Loggi's list.

Authentication: the document has Loggi call the endpoint with HTTP Basic credentials given to
its sales team. Loggi's feed is set to HTTP Basic in the back office (action "New HTTP Basic
password": carrier_events.webhook_auth), and the endpoint checks those credentials.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from caravana.carrier_events.adapters.base import (
    CarrierEvent,
    Mapped,
    PayloadError,
    event_key,
    need,
    need_list,
)

NAME = "Loggi"
COUNTRY = "BR"
SOURCE = "https://docs.api.loggi.com/reference/webhook (seen 2026-12-03)"

STATUSES: dict[str, Mapped] = {
    "5": Mapped("EMI"),  # Entregue: "O pacote foi recebido no endereço de entrega."
}


def _time(value: Any, where: str) -> dt.datetime | None:
    if not isinstance(value, str):
        raise PayloadError(where, "expected an ISO 8601 time")
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at


def _event(number: str, entry: Any, where: str) -> CarrierEvent:
    status = need(entry, "status", f"{where}.status")
    code = str(need(status, "code", f"{where}.status.code")).strip()
    updated = need(status, "updatedTime", f"{where}.status.updatedTime")
    place = entry.get("location") if isinstance(entry.get("location"), dict) else {}
    location = ", ".join(str(place[k]) for k in ("city", "state") if place.get(k))
    return CarrierEvent(
        number=number,
        status=code,
        occurred_at=_time(updated, f"{where}.status.updatedTime"),
        key=event_key(number, code, updated),
        description=str(status.get("description") or status.get("highLevelStatus") or "")[:200],
        location=location[:120],
        raw=entry,
    )


def parse(payload: Any) -> list[CarrierEvent]:
    """Every package's history (see the module's document)."""
    out = []
    for j, package in enumerate(need_list(payload, "packages", "packages")):
        where = f"packages.{j}"
        number = str(need(package, "trackingCode", f"{where}.trackingCode")).strip().upper()
        history = package.get("trackingHistory")
        if history is None:
            out.append(_event(number, package, where))
            continue
        if not isinstance(history, list):
            raise PayloadError(f"{where}.trackingHistory", "expected a list")
        out += [_event(number, e, f"{where}.trackingHistory.{i}") for i, e in enumerate(history)]
    return out


def map_status(event: CarrierEvent) -> Mapped | None:
    return STATUSES.get(event.status)


def reason_text(event: CarrierEvent) -> str:
    return event.description
