"""Andreani (Argentina) numbers from its API: the handover creates a shipment order for the
parcel and takes the number Andreani returns for its one package (bultos[0].numeroDeEnvio).

Follows Andreani's developer portal, API v2 (developers.andreani.com; QA host
apisqa.andreani.com, production apis.andreani.com): ``GET /login`` with HTTP Basic answers
with the session token in the ``x-authorization-token`` header; ``POST /v2/ordenes-de-envio``
with that header and the order (contrato, idPedido, origen, destino, remitente, destinatario,
bultos) answers 202 with the order, whose ``bultos[]`` carry ``numeroDeEnvio``. The portal
itself was not read: the shape is as two integrations describe it (github.com/maxshopweb/
api-maxshop docs/ANDREANI_INTEGRATION.md; github.com/stsoluciones/starlink
ANDREANI_SPEC_OFICIAL.md, which gives the response example; both read 2026-12-03), so it is
unverified. That example's number has 12 digits where shared/reference/border-and-last-mile.md
gives 10: the number is checked against codes.carriers.andreani like any other, and a longer
one is refused (field carrier_tracking_number) until the format is confirmed.

Enabled by settings: HANDOVER_NUMBER_ADAPTERS = {"ar-andreani":
"caravana.handover.andreani.AndreaniNumbers"} and HANDOVER_ANDREANI = {"base_url", "user",
"password", "contract", "sender_name", "sender_tax_id", "origin_postal_code"}. The call goes
through caravana.outbound (timeouts, no redirects, no private addresses). It runs before the
scan's transaction (handover.services.scan): if the scan is then refused, Andreani keeps an
order we do not; idPedido is the parcel's S10, so the operator finds it in Andreani's portal."""

from __future__ import annotations

import base64
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from caravana import outbound
from caravana.errors import field_error
from caravana.fulfillment.models import Parcel
from caravana.handover.error_codes import HandoverErrorCode
from caravana.network.models import Carrier

TOKEN_HEADER = "x-authorization-token"
TIMEOUT = 15.0


def order_payload(parcel: Parcel, config: dict[str, Any]) -> dict[str, Any]:
    """The v2 shipment order for one parcel (one package). Pure: from the parcel's fields."""
    return {
        "contrato": config.get("contract", ""),
        "idPedido": parcel.s10,
        "origen": {"postal": {"codigoPostal": config.get("origin_postal_code", ""),
                              "pais": "Argentina"}},
        "destino": {"postal": {
            "codigoPostal": parcel.recipient_postal_code, "calle": parcel.recipient_address,
            "localidad": parcel.recipient_city, "region": parcel.recipient_state,
            "pais": "Argentina",
        }},
        "remitente": {"nombreCompleto": config.get("sender_name", ""),
                      "documentoTipo": "CUIT", "documentoNumero": config.get("sender_tax_id", "")},
        "destinatario": [{
            "nombreCompleto": parcel.recipient_name, "email": parcel.recipient_email,
            "documentoTipo": "DNI" if len(parcel.recipient_tax_id) <= 8 else "CUIT",
            "documentoNumero": parcel.recipient_tax_id,
            "telefonos": [{"tipo": 1, "numero": parcel.recipient_phone}],
        }],
        "bultos": [{
            "kilos": round(parcel.weight_g / 1000, 3),
            "largoCm": parcel.measured_length_cm or parcel.declared_length_cm,
            "anchoCm": parcel.measured_width_cm or parcel.declared_width_cm,
            "altoCm": parcel.measured_height_cm or parcel.declared_height_cm,
            "volumenCm": parcel.volume_cm3,
            "valorDeclarado": str(parcel.declared_value),
        }],
    }  # fmt: skip


def number_of(body: Any) -> str:
    """bultos[0].numeroDeEnvio of the order Andreani answered, or "" when there is none."""
    if not isinstance(body, dict):
        return ""
    packages = body.get("bultos")
    if not isinstance(packages, list) or not packages or not isinstance(packages[0], dict):
        return ""
    return str(packages[0].get("numeroDeEnvio") or "").strip()


def _basic(config: dict[str, Any]) -> str:
    pair = f"{config.get('user', '')}:{config.get('password', '')}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class AndreaniNumbers:
    """A handover number source (handover.adapters.NumberSource) asking Andreani's API."""

    def __init__(self, carrier: Carrier) -> None:
        self.carrier = carrier
        self.config: dict[str, Any] = dict(getattr(settings, "HANDOVER_ANDREANI", {}))
        self.base = str(self.config.get("base_url", "")).rstrip("/")
        self._token = ""

    def _fail(self, parcel: Parcel, why: str) -> Exception:
        return field_error(
            "carrier",
            _("%(c)s gave no number for parcel %(s)s: %(why)s")
            % {"c": self.carrier.name, "s": parcel.s10, "why": why},
            HandoverErrorCode.ADAPTER_FAILED,
        )

    def _login(self, parcel: Parcel) -> str:
        if self._token:
            return self._token
        try:
            response = outbound.get(
                f"{self.base}/login",
                headers={"Authorization": _basic(self.config)},
                timeout=TIMEOUT,
            )
        except httpx.HTTPError as exc:
            why = _("its API did not answer (%(e)s).") % {"e": type(exc).__name__}
            raise self._fail(parcel, why) from exc
        token = response.headers.get(TOKEN_HEADER, "")
        if response.status_code != 200 or not token:
            raise self._fail(parcel, _("its login answered %(n)d.") % {"n": response.status_code})
        self._token = token
        return token

    def number_for(self, parcel: Parcel) -> str:
        if not self.base:
            raise self._fail(parcel, _("HANDOVER_ANDREANI has no base_url."))
        token = self._login(parcel)
        try:
            response = outbound.post(
                f"{self.base}/v2/ordenes-de-envio",
                json=order_payload(parcel, self.config),
                headers={TOKEN_HEADER: token, "Accept": "application/json"},
                timeout=TIMEOUT,
            )
        except httpx.HTTPError as exc:
            why = _("its API did not answer (%(e)s).") % {"e": type(exc).__name__}
            raise self._fail(parcel, why) from exc
        if response.status_code not in (200, 201, 202):
            raise self._fail(parcel, _("its API answered %(n)d.") % {"n": response.status_code})
        try:
            number = number_of(response.json())
        except ValueError:
            number = ""
        if not number:
            raise self._fail(parcel, _("its answer holds no numeroDeEnvio."))
        return number
