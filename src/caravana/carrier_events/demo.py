"""The demo's last mile (`make demo`, after seed_clearance): the carrier of a parcel customs
released at GRU delivers it through its webhook. The payload is in the shape of that carrier's
document (Loggi's webhook or the Correios SRO answer: adapters/ name them; the recorded samples
are in tests/carrier_events/fixtures), signed with the feed's secret and handed to the service
the endpoint calls (services.receive_webhook: signature, adapter, set-wise ingestion); the
buyer's tracking page then reads "Delivered". The Correios payload also carries a status the
adapter does not map (BDE/02), which waits for operators on /operations/carrier-events/."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django.utils import timezone

from caravana import webhook_signing
from caravana.carrier_events import services
from caravana.carrier_events.adapters import correios
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import carriers as parcel_carriers
from caravana.tracking import lifecycle
from caravana.tracking.models import TrackingEvent


def correios_payload(number: str, start: dt.datetime) -> dict:
    """An SRO answer: forwarded, out for delivery, recipient absent, delivered (newest first,
    local Brasília time, as the service answers)."""
    steps = [
        ("DO", "01", "Objeto encaminhado", "CTE VILA MARIA", "SAO PAULO"),
        ("OEC", "01", "Objeto saiu para entrega ao destinatário", "CDD PINHEIROS", "SAO PAULO"),
        ("BDE", "02", "Destinatário ausente", "CDD PINHEIROS", "SAO PAULO"),
        ("BDE", "01", "Objeto entregue ao destinatário", "CDD PINHEIROS", "SAO PAULO"),
    ]
    events = []
    for i, (tipo, status, text, place, city) in enumerate(steps):
        local = (start + dt.timedelta(minutes=i)).astimezone(correios.ZONE)
        events.append({"tipo": tipo, "status": status, "data": local.strftime("%d/%m/%Y"),
                       "hora": local.strftime("%H:%M"), "descricao": text, "local": place,
                       "cidade": city, "uf": "SP"})  # fmt: skip
    return {"versao": "1.0", "qtd": "1", "objeto": [{"numero": number, "evento": events[::-1]}]}


def loggi_payload(number: str, start: dt.datetime) -> dict:
    """A Loggi notification: delivered (the one status its document shows)."""
    updated = start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    status = {"code": "5", "highLevelStatus": "Entregue",
              "description": "O pacote foi recebido no endereço de entrega.",
              "actionRequired": None,
              "updatedTime": updated}  # fmt: skip
    place = {"city": "São Paulo", "state": "SP"}
    return {"packages": [{"loggiKey": f"DEMO{number}", "trackingCode": number, "status": status,
                          "location": place, "promisedDate": start.date().isoformat(),
                          "requestTime": status["updatedTime"],
                          "trackingHistory": [{"status": status, "location": place}]}]}  # fmt: skip


#: Carrier → (adapter, payload builder, the demo's number for a parcel without one).
DEMO: dict[str, tuple[str, Callable[[str, dt.datetime], dict], Callable[[Parcel], str]]] = {
    "br-loggi": ("loggi", loggi_payload, lambda p: f"SH{p.pk:010d}LG"),
    "br-correios": ("correios", correios_payload, lambda p: p.s10),
}


def seed_demo_carrier_events() -> dict[str, int]:
    # Once: an EMI recorded through an adapter carries the carrier's own status.
    if TrackingEvent.objects.filter(code="EMI", details__has_key="carrier_status").exists():
        return {"delivered": 0}
    cleared = TrackingEvent.objects.filter(code="EDC").values("parcel_id")
    # Not one another demo step delivered or sent back already (seed_deliveries' parcels).
    done = TrackingEvent.objects.filter(status__in=lifecycle.OUTCOMES).values("parcel_id")
    parcel = (
        Parcel.objects.select_related("carrier")
        .filter(carrier__code__in=DEMO, pk__in=cleared)
        .exclude(pk__in=done)
        .order_by("pk")
        .first()
    )
    if parcel is None:
        return {"delivered": 0}
    code = parcel.carrier.code
    adapter, build, demo_number = DEMO[code]
    feed = services.ensure_feed(parcel.carrier, adapter)
    number = parcel.carrier_tracking_number
    if not number and adapter != "correios":  # a post's number is the S10
        number = parcel_carriers.set_number(parcel, demo_number(parcel)).carrier_tracking_number
    # After customs released it (seed_clearance stamps minutes ahead), within the tolerance.
    start = timezone.now() + dt.timedelta(minutes=5)
    body = json.dumps(build(number or parcel.s10, start)).encode()
    headers = webhook_signing.sign(feed.webhook_secret, body)
    result = services.receive_webhook(feed, body, headers)
    return {"delivered": len(result.delivered), "events": result.created, "held": result.held}
