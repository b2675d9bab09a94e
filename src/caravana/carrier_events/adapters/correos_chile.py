"""Correos de Chile: the tracking API (API Trazabilidad v2), polled: it offers no webhook.

Document: CorreosChile Developers, "API Trazabilidad",
https://developers.correos.cl/v2/trazabilidad, seen 2026-12-03 (request by ``numEnvio``;
response fields ``numeroEnvio``, ``servicio``, ``rutEntrega``, ``nombreEntrega``,
``referencia``, ``encaminamiento``, ``devolucion``, ``fechaEntrega`` and ``historial``: the
events newest first, each ``fecha`` (ISO 8601), ``fechaString``, ``estado`` (the detailed
status's name) and ``oficina``).

The document does not list the ``estado`` names. Those mapped are the ones seen in
third-party code (github.com/yerkopalma/correos-chile-cli, via
shared/reference/border-and-last-mile.md §4), so unverified: RECIBIDO EN PLANTA ORIGEN, ENVIO
EN REPARTO, ENVIO ENTREGADO. Any other name is kept for operators. A ``fecha`` without an
offset is read in America/Santiago (assumption).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from caravana.carrier_events.adapters.base import (
    CarrierEvent,
    Mapped,
    PayloadError,
    event_key,
    need,
    need_list,
)

NAME = "Correos de Chile"
COUNTRY = "CL"
SOURCE = "https://developers.correos.cl/v2/trazabilidad (seen 2026-12-03)"
ZONE = zoneinfo.ZoneInfo("America/Santiago")
#: Answers a tracking API query for one number: the polling task can read it.
POLLED = True

STATUSES: dict[str, Mapped] = {
    "RECIBIDO EN PLANTA ORIGEN": Mapped(""),  # our handover at their origin plant
    "ENVIO EN REPARTO": Mapped("EDG"),
    "ENVIO ENTREGADO": Mapped("EMI"),
}


def _time(value: Any, where: str) -> dt.datetime | None:
    if not isinstance(value, str):
        raise PayloadError(where, "expected an ISO 8601 time")
    try:
        at = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at.replace(tzinfo=ZONE) if at.tzinfo is None else at


def parse(payload: Any) -> list[CarrierEvent]:
    """The envío's history (see the module's document); a list of answers is read in turn."""
    answers = payload if isinstance(payload, list) else [payload]
    out = []
    for j, answer in enumerate(answers):
        prefix = f"{j}." if isinstance(payload, list) else ""
        number = str(need(answer, "numeroEnvio", f"{prefix}numeroEnvio")).strip().upper()
        for i, item in enumerate(need_list(answer, "historial", f"{prefix}historial")):
            where = f"{prefix}historial.{i}"
            estado = " ".join(str(need(item, "estado", f"{where}.estado")).upper().split())
            fecha = need(item, "fecha", f"{where}.fecha")
            out.append(
                CarrierEvent(
                    number=number,
                    status=estado,
                    occurred_at=_time(fecha, f"{where}.fecha"),
                    key=event_key(number, estado, fecha),
                    description=estado.capitalize(),
                    location=str(item.get("oficina") or "")[:120],
                    raw=item,
                )
            )
    return out


def map_status(event: CarrierEvent) -> Mapped | None:
    return STATUSES.get(event.status)


def reason_text(event: CarrierEvent) -> str:
    return event.description
