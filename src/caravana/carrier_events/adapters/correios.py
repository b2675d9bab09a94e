"""Correios (Brazil): the SRO tracking web service's answer, in its JSON form.

Document: Correios, "Web Service de Rastreamento — Padrões Técnicos de Comunicação do Web
Service" (AC/VICOR/DECOR, 05/07/2016; revision 02/05/2017), sections 11 "Retorno das
Informações" and 12 "Lista de Status de eventos"; public copies at
https://usermanual.wiki/Document/manualtracking072016.1963337275/help and
https://it.scribd.com/document/392094342/manual-rastreamentoobjetosws-pdf, seen 2026-12-03.
The same document names the JSON service (RastroJson) beside buscaEventos/buscaEventosLista.

Shape: ``{"objeto": [{"numero": "SW371675211BR", "evento": [{"tipo": "BDE", "status": "01",
"data": "11/09/2012", "hora": "18:52", "descricao": "Entregue", "local": "CEE JUNDIAI",
"codigo": "13211970", "cidade": "JUNDIAI", "uf": "SP"}]}]}`` — an object holds its events,
newest first; an event is known by its type (``tipo``) and status together. Times carry no
zone: read as Brasília time (America/Sao_Paulo), an assumption the document does not state.

Mapped only where the status's meaning was confirmed (the manual's status table itself could
not be read in full; meanings from its sample answers as republished with the events):
BDE/BDI/BDR 01 "Objeto entregue ao destinatário" (the manual lists 01 among the final
statuses), OEC 01 "Saiu para entrega", DO 01 "Encaminhado". Every other type and status
(absent recipient, refused, awaiting pick-up…) is kept for operators until someone maps it
from the manual's table.
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

NAME = "Correios"
COUNTRY = "BR"
SOURCE = (
    "Correios, Web Service de Rastreamento — Padrões Técnicos (AC/VICOR/DECOR 2016-07-05, "
    "rev. 2017-05-02), https://usermanual.wiki/Document/manualtracking072016.1963337275/help "
    "(seen 2026-12-03)"
)
ZONE = zoneinfo.ZoneInfo("America/Sao_Paulo")
#: Answers a tracking query (buscaEventos / RastroJson): the polling task can read it.
POLLED = True

#: "TIPO/status" → UPU (see the module's note on what is confirmed).
STATUSES: dict[str, Mapped] = {
    "BDE/01": Mapped("EMI"),
    "BDI/01": Mapped("EMI"),
    "BDR/01": Mapped("EMI"),
    "OEC/01": Mapped("EDG"),
    "DO/01": Mapped(""),
}


def _time(data: Any, hora: Any) -> dt.datetime | None:
    try:
        day = dt.datetime.strptime(f"{data} {hora}", "%d/%m/%Y %H:%M")
    except (TypeError, ValueError):
        return None
    return day.replace(tzinfo=ZONE)


def parse(payload: Any) -> list[CarrierEvent]:
    """Every object's events (see the module's document)."""
    out = []
    for j, obj in enumerate(need_list(payload, "objeto", "objeto")):
        number = str(need(obj, "numero", f"objeto.{j}.numero")).strip().upper()
        events = obj.get("evento") or []
        if isinstance(events, dict):  # an object with one event (XML turned JSON)
            events = [events]
        if not isinstance(events, list):
            raise PayloadError(f"objeto.{j}.evento", "expected a list")
        for i, item in enumerate(events):
            where = f"objeto.{j}.evento.{i}"
            tipo = str(need(item, "tipo", f"{where}.tipo")).strip().upper()
            status = str(need(item, "status", f"{where}.status")).strip().zfill(2)
            data, hora = need(item, "data", f"{where}.data"), item.get("hora") or "00:00"
            place = ", ".join(
                str(item[k]).strip() for k in ("local", "cidade", "uf") if item.get(k)
            )
            out.append(
                CarrierEvent(
                    number=number,
                    status=f"{tipo}/{status}",
                    occurred_at=_time(data, hora),
                    key=event_key(number, f"{tipo}/{status}", f"{data} {hora}"),
                    description=str(item.get("descricao") or "")[:200],
                    location=place[:120],
                    raw=item,
                )
            )
    return out


def map_status(event: CarrierEvent) -> Mapped | None:
    return STATUSES.get(event.status)


def reason_text(event: CarrierEvent) -> str:
    return event.description
