"""Mercado Pago, the first real payment provider (it collects in BR, MX, CL, CO, PE and AR), over
its REST API through caravana.outbound (timeouts, no redirects, private targets refused).

What each call does, and where it is documented:

- issue → POST /v1/payments with `X-Idempotency-Key` (our key: a retry gets the first answer),
  `external_reference` (our payment reference), `payer` (e-mail, name, identification; the
  address for boleto), `date_of_expiration` and, when MERCADOPAGO_NOTIFICATION_URL is set,
  `notification_url` (otherwise Mercado Pago notifies the URL set in its panel).
  https://www.mercadopago.com.br/developers/en/reference/payments/_payments/post
  https://www.mercadopago.com.ar/developers/es/reference/online-payments/checkout-api-payments/create-payment/post.md
  Methods (`payment_method_id`):
  - pix: the copy-paste code is `point_of_interaction.transaction_data.qr_code`, the payment
    page `ticket_url`. https://www.mercadopago.com.br/developers/en/docs/checkout-api-v2/payment-integration/pix
  - boleto ("bolbradesco"; needs the payer's address): `barcode.content`,
    `transaction_details.digitable_line` and `external_resource_url` (the PDF).
    https://www.mercadopago.com.br/developers/en/docs/checkout-api-v2/payment-integration/boleto
  - oxxo ("oxxo"): `transaction_details.payment_method_reference_id` and the voucher's
    `external_resource_url`.
    https://www.mercadopago.com.mx/developers/en/docs/checkout-api-v2/payment-integration/other-payment-methods
  - spei ("clabe", Mexico): the transfer instructions are at `external_resource_url`.
    https://www.mercadopago.com.mx/developers/en/docs/checkout-api-v2/payment-integration/spei-transfers
  - card: only a card TOKEN may be sent, made in the buyer's browser by MercadoPago.js
    (CardForm or the Card Payment Brick), with the `payment_method_id` (e.g. "visa") and
    `issuer_id` the SDK finds from the card's first digits; the token is single use.
    https://www.mercadopago.com.br/developers/en/docs/subscriptions/additional-content/cardtoken
    (Card token generation: "MercadoPago.js is responsible for the necessary flow…")
    https://www.mercadopago.com.br/developers/en/docs/checkout-bricks/card-payment-brick/payment-submission
    Checkout and the payments API take it as `card_token`, `card_payment_method_id` and
    `card_issuer_id` (payments.cards refuses any raw card field before this is reached).
- installments → GET /v1/payment_methods/installments?amount=…&payment_method_id=…|bin=…: an
  array of {payment_method_id, issuer, payer_costs: [{installments, installment_rate (% of
  the price), installment_amount, total_amount, recommended_message, labels}]} — what the
  buyer pays per count, the issuer's or the account's interest included (the same answer
  MercadoPago.js's getInstallments gives the browser: mercadopago/sdk-js
  docs/core-methods.md; the field names as in Mercado Pago's SDKs' PayerCost models).
    Saved cards (Mercado Pago's customers and cards API, a fresh token from the card id and
    its CVV) are not built: a saved card with this provider is refused naming `saved_card`.
    Cards are authorised with `capture: false` and captured by the outbox after our
    transaction commits (PUT /v1/payments/{id} {"capture": true}): an authorisation whose
    order was never written is never captured (Mercado Pago releases it).
    https://www.mercadopago.com.br/developers/en/docs/checkout-api-v2/payment-management/capture-authorized-payment
- retrieve → GET /v1/payments/{id} (the id is kept in the payment's artefact), or
  GET /v1/payments/search?external_reference=… when it is not known.
  https://www.mercadopago.com/developers/en/reference/online-payments/checkout-api-payments/get-payment/get
  Statuses: approved → succeeded; pending, in_process, authorized, in_mediation → pending;
  rejected → declined; cancelled → cancelled (expired when status_detail says so);
  refunded, charged_back as they are. Amount: `transaction_amount`, currency `currency_id`.
- refund → POST /v1/payments/{id}/refunds {"amount": …} with `X-Idempotency-Key`.
  https://www.mercadopago.com.br/developers/pt/reference/chargebacks/_payments_id_refunds/post
- payout → refused (ProviderRefused): Mercado Pago does not transfer to merchants' accounts in
  China. The outbox records the call as failed at once, for an operator.
- Webhooks: the notification says only which payment changed (`data.id`, in the query string
  and the body). It is signed in `x-signature: ts=…,v1=…`, an HMAC-SHA256 (hex) with the
  application's secret over the manifest `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`
  (data.id in lower case when alphanumeric; a part the request lacks is left out). The body is
  not signed, so nothing is read from it: the payment's status and amount come from retrieve.
  https://www.mercadopago.com.br/developers/en/docs/checkout-api-v2/notifications
  https://mercadopago.com.br/developers/en/docs/order/online-payments/notifications

Errors: a timeout, a connection error, 429 or 5xx is a ProviderError (retried with the same key);
401/403 too (a token the operator is fixing); any other 4xx is ProviderRefused."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from caravana import outbound
from caravana.codes import boleto
from caravana.markets import documents
from caravana.payments.providers import (
    Charge,
    Dispute,
    Issued,
    Notification,
    ProviderError,
    ProviderRefused,
)
from caravana.webhook_signing import SignatureError

logger = logging.getLogger(__name__)

NAME = "mercadopago"
DEFAULT_API_URL = "https://api.mercadopago.com"
SIGNATURE_HEADER = "x-signature"
REQUEST_ID_HEADER = "x-request-id"
TOLERANCE_SECONDS = 300

#: Caravana's method → Mercado Pago's payment_method_id (see the module docstring's sources).
METHOD_IDS = {"pix": "pix", "boleto": "bolbradesco", "oxxo": "oxxo", "spei": "clabe"}
#: Mercado Pago's status → Charge.status.
STATUSES = {
    "approved": "succeeded",
    "pending": "pending",
    "in_process": "pending",
    "authorized": "pending",
    "in_mediation": "pending",
    "rejected": "declined",
    "cancelled": "cancelled",
    "refunded": "refunded",
    "charged_back": "charged_back",
}


def identification_type(code: str) -> str:
    """Mercado Pago's identification type for one of our document codes: the document's short
    name (CPF, CNPJ, DNI, RUT, CC, CE, NIT, RUC, CUIT, CUIL…). Mercado Pago's identification
    types (GET /v1/identification_types, per site) name CPF in Brazil, DNI in Argentina and
    Peru, RUT in Chile and CC in Colombia; the other names are unverified against each
    country's list. Peru's DNI is python-stdnum's pe.cui, so the code's last part won't do."""
    doc = documents.get(code)
    return doc.short if doc else code.rsplit(".", 1)[-1].upper()


@dataclass(frozen=True)
class PayerCost:
    """One installment count as Mercado Pago quotes it (a payer_costs entry)."""

    count: int
    rate: Decimal  # installment_rate: the interest, % of the price (0: interest-free)
    each: Decimal  # installment_amount
    total: Decimal  # total_amount
    message: str  # recommended_message, in the account's language


@dataclass
class MPCharge(Charge):
    """A Charge with what Mercado Pago adds: its payment id and raw status."""

    payment_id: str = ""
    mp_status: str = ""
    status_detail: str = ""


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, default) or default)


def manifest(data_id: str, request_id: str, ts: str) -> str:
    """The signed text, per Mercado Pago's notifications guide: parts the request lacks are
    left out; an alphanumeric data.id is taken in lower case."""
    parts = []
    if data_id:
        parts.append(f"id:{data_id.lower() if data_id.isalnum() else data_id};")
    if request_id:
        parts.append(f"request-id:{request_id};")
    parts.append(f"ts:{ts};")
    return "".join(parts)


def sign(secret: str, data_id: str, request_id: str, ts: int | str) -> str:
    """The x-signature header Mercado Pago would send (for tests and for checking a setup)."""
    mac = hmac.new(
        secret.encode(), manifest(data_id, request_id, str(ts)).encode(), hashlib.sha256
    ).hexdigest()
    return f"ts={ts},v1={mac}"


def verify_signature(
    secret: str,
    header: str | None,
    data_id: str,
    request_id: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> int:
    """The signed timestamp (seconds), or SignatureError: no secret, no or malformed header,
    no match (constant-time), or a timestamp outside the tolerance. A ts in milliseconds is
    accepted (Mercado Pago's examples show both)."""
    if not secret:
        raise SignatureError("no webhook secret is configured")
    if not header:
        raise SignatureError("missing signature header")
    ts, candidates = "", []
    for part in header.split(","):
        name, _sep, value = part.strip().partition("=")
        if name.strip() == "ts" and value.strip().isdigit():
            ts = value.strip()
        elif name.strip() == "v1":
            candidates.append(value.strip())
    if not ts or not candidates or not data_id:
        raise SignatureError("malformed signature header")
    expected = hmac.new(
        secret.encode(), manifest(data_id, request_id, ts).encode(), hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match")
    seconds = int(ts) // 1000 if len(ts) >= 13 else int(ts)
    now = time.time() if now is None else now
    if abs(now - seconds) > tolerance:
        raise SignatureError("timestamp outside the tolerance")
    return seconds


def _amount(value: Decimal) -> float:
    """JSON number for an amount (2 decimals at most, so the float's text is exact)."""
    return float(value)


def _expiry_text(when: dt.datetime) -> str:
    """yyyy-MM-dd'T'HH:mm:ss.SSSz, as the payments reference asks (error 23)."""
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


class MercadoPagoProvider:
    name = NAME

    # --- configuration -----------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return _setting("MERCADOPAGO_API_URL", DEFAULT_API_URL).rstrip("/")

    @property
    def secret(self) -> str:
        return _setting("MERCADOPAGO_WEBHOOK_SECRET")

    def _headers(self, key: str | None = None) -> dict[str, str]:
        token = _setting("MERCADOPAGO_ACCESS_TOKEN")
        if not token:
            raise ProviderError("MERCADOPAGO_ACCESS_TOKEN is not set")
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if key:
            headers["X-Idempotency-Key"] = key
        return headers

    def _call(
        self, method: str, path: str, *, key: str | None = None, body: Any = None,
        params: Mapping[str, str] | None = None, array: bool = False,
    ) -> Any:  # fmt: skip
        """One API request; the decoded JSON object, or ProviderError (retry) /
        ProviderRefused (never will)."""
        url = self.api_url + path
        if params:
            url += "?" + str(httpx.QueryParams(params))
        try:
            resp = outbound.request(method, url, json=body, headers=self._headers(key))
        except httpx.HTTPError as exc:
            raise ProviderError(f"Mercado Pago {method} {path}: {type(exc).__name__}") from exc
        if resp.status_code >= 500 or resp.status_code in (401, 403, 408, 409, 429):
            raise ProviderError(f"Mercado Pago {method} {path}: HTTP {resp.status_code}")
        try:
            data = resp.json()
        except ValueError as exc:
            raise ProviderError(f"Mercado Pago {method} {path}: no JSON") from exc
        if resp.status_code >= 400:
            raise ProviderRefused(
                f"Mercado Pago {method} {path}: HTTP {resp.status_code} "
                f"{str(data.get('message', '') if isinstance(data, dict) else '')[:120]}"
            )
        if not isinstance(data, list if array else dict):
            raise ProviderError(f"Mercado Pago {method} {path}: unexpected answer")
        return data

    def installment_costs(
        self, amount: Decimal, *, payment_method_id: str = "", bin: str = ""
    ) -> list[PayerCost]:
        """What the buyer pays for each installment count Mercado Pago offers for this amount
        and card (its brand's payment_method_id, or the card's first digits), interest
        included. ProviderError when it cannot be asked (the caller falls back)."""
        params = {"amount": str(amount)}
        if bin:
            params["bin"] = "".join(ch for ch in bin if ch.isdigit())[:8]
        else:
            params["payment_method_id"] = payment_method_id or "visa"
        data = self._call("GET", "/v1/payment_methods/installments", params=params, array=True)
        costs = next((d.get("payer_costs") for d in data if isinstance(d, dict)), None) or []
        out = []
        for cost in costs:
            try:
                out.append(
                    PayerCost(
                        count=int(cost["installments"]),
                        rate=Decimal(str(cost.get("installment_rate") or 0)),
                        each=Decimal(str(cost["installment_amount"])),
                        total=Decimal(str(cost["total_amount"])),
                        message=str(cost.get("recommended_message") or ""),
                    )
                )
            except (KeyError, TypeError, ValueError, InvalidOperation):
                continue  # a cost without its amounts is not offered
        return sorted(out, key=lambda c: c.count)

    # --- issue -------------------------------------------------------------------------------

    def _payer(self, payer: Mapping[str, Any] | None, method: str) -> dict[str, Any]:
        payer = payer or {}
        out: dict[str, Any] = {"email": str(payer.get("email") or "")}
        name = str(payer.get("name") or "").split()
        if name:
            out["first_name"] = name[0]
            out["last_name"] = " ".join(name[1:]) or name[0]
        id_type = str(payer.get("id_type") or "")
        if id_type and payer.get("id_number"):
            out["identification"] = {
                "type": identification_type(id_type),
                "number": "".join(ch for ch in str(payer["id_number"]) if ch.isalnum()),
            }
        if method == "boleto":
            address = payer.get("address") or {}
            zip_code = str(address.get("postal_code", ""))
            out["address"] = {
                "zip_code": "".join(ch for ch in zip_code if ch.isdigit()),
                "street_name": str(address.get("street_address", "")),
                "street_number": str(address.get("street_number", "") or "S/N"),
                "neighborhood": str(address.get("city_area", "")),
                "city": str(address.get("city", "")),
                "federal_unit": str(address.get("state", "")),
            }
        if not out["email"]:
            raise ValidationError({"email": _("Mercado Pago needs the buyer's e-mail address.")})
        return out

    def _expiry(self, method: str, now: dt.datetime) -> dt.datetime:
        if method == "pix":
            return now + dt.timedelta(minutes=getattr(settings, "PAYMENTS_PIX_EXPIRY_MINUTES", 60))
        if method == "boleto":
            return now + dt.timedelta(days=getattr(settings, "PAYMENTS_BOLETO_DAYS", 3))
        if method == "oxxo":
            return now + dt.timedelta(days=getattr(settings, "PAYMENTS_OXXO_DAYS", 3))
        return now + dt.timedelta(hours=getattr(settings, "PAYMENTS_SPEI_HOURS", 72))

    def issue(
        self,
        *,
        key: str,
        reference: str,
        method: str,
        amount: Decimal,
        currency: str,
        country: str,
        now: dt.datetime,
        payer: Mapping[str, Any] | None = None,
        card_token: Mapping[str, Any] | None = None,
    ) -> Issued:
        """Create the payment at Mercado Pago (outside any transaction; `key` dedupes a retry)."""
        if method == "card":
            return self._issue_card(key, reference, amount, payer, card_token)
        if method not in METHOD_IDS:
            raise ValidationError({"method": _("Mercado Pago does not offer this method.")})
        expires = self._expiry(method, now)
        body: dict[str, Any] = {
            "transaction_amount": _amount(amount),
            "description": f"Caravana {reference}",
            "payment_method_id": METHOD_IDS[method],
            "external_reference": reference,
            "date_of_expiration": _expiry_text(expires),
            "payer": self._payer(payer, method),
        }
        notify = _setting("MERCADOPAGO_NOTIFICATION_URL")
        if notify:
            body["notification_url"] = notify
        data = self._call("POST", "/v1/payments", key=key, body=body)
        expires = _parse_time(data.get("date_of_expiration")) or expires
        artefact = self._artefact(method, data, expires)
        if data.get("status") in ("rejected", "cancelled"):
            reason = str(data.get("status_detail", ""))[:200]
            return Issued(artefact, None, "declined", False, reason)
        return Issued(artefact, expires)

    def _artefact(self, method: str, data: Mapping[str, Any], expires: dt.datetime) -> dict:
        details = data.get("transaction_details") or {}
        art: dict[str, Any] = {"provider_id": str(data.get("id", ""))}
        if method == "pix":
            tx = _dig(data, "point_of_interaction", "transaction_data") or {}
            art.update(payload=tx.get("qr_code", ""), location=tx.get("ticket_url", ""))
            art["ticket_url"] = tx.get("ticket_url", "")
        elif method == "boleto":
            line = "".join(ch for ch in str(details.get("digitable_line") or "") if ch.isdigit())
            art.update(
                barcode=str(_dig(data, "barcode", "content") or ""), typed_line=line,
                formatted=boleto.format(line) if len(line) == 47 else line,
                due=expires.date().isoformat(), bank="237",
                url=details.get("external_resource_url", ""),
            )  # fmt: skip
        elif method == "oxxo":
            art.update(
                reference=str(details.get("payment_method_reference_id") or ""),
                barcode=str(_dig(data, "barcode", "content") or ""),
                expires=expires.isoformat(), url=details.get("external_resource_url", ""),
            )  # fmt: skip
        elif method == "spei":
            art.update(
                url=details.get("external_resource_url", ""), bank="Mercado Pago",
                beneficiary="Caravana Marketplace", formatted="",
            )  # fmt: skip
        return art

    def _issue_card(
        self, key: str, reference: str, amount: Decimal, payer: Mapping[str, Any] | None,
        card_token: Mapping[str, Any] | None,
    ) -> Issued:  # fmt: skip
        card_token = card_token or {}
        if card_token.get("card_id"):
            raise ValidationError(
                {
                    "saved_card": _(
                        "Saved cards are not offered with this provider yet: enter the card."
                    )
                }
            )
        if not card_token.get("token"):
            # Only the token Mercado Pago's browser SDK makes: never card data of ours.
            raise ValidationError({"card_token": _("Enter your card, or choose a saved card.")})
        if not card_token.get("payment_method_id"):
            raise ValidationError(
                {"card_payment_method_id": _("The card's brand was not given with its token.")}
            )
        body = {
            "transaction_amount": _amount(amount),
            "token": str(card_token["token"]),
            "payment_method_id": str(card_token.get("payment_method_id", "")),
            "installments": int(card_token.get("installments") or 1),
            "capture": False,  # captured by the outbox once our transaction has committed
            "external_reference": reference,
            "description": f"Caravana {reference}",
            "payer": self._payer(payer, "card"),
        }
        if card_token.get("issuer_id"):
            body["issuer_id"] = str(card_token["issuer_id"])
        notify = _setting("MERCADOPAGO_NOTIFICATION_URL")
        if notify:
            body["notification_url"] = notify
        data = self._call("POST", "/v1/payments", key=key, body=body)
        card = {
            "brand": str(data.get("payment_method_id", "")),
            "last4": str(_dig(data, "card", "last_four_digits") or ""),
        }
        art = {"provider_id": str(data.get("id", ""))}
        if data.get("status") == "authorized":
            return Issued(art, None, "pending", True, "", card)
        return Issued(art, None, "declined", False, str(data.get("status_detail", ""))[:200], card)

    # --- money movements ---------------------------------------------------------------------

    def _payment_id(self, payment_reference: str) -> str:
        """Mercado Pago's id for our payment: kept in its artefact, else searched for."""
        from caravana.payments.models import Payment

        art = (
            Payment.objects.filter(reference=payment_reference)
            .values_list("artefact", flat=True)
            .first()
        )
        if isinstance(art, dict) and art.get("provider_id"):
            return str(art["provider_id"])
        found = self._search(payment_reference)
        if found is None:
            raise ProviderError(f"Mercado Pago has no payment for {payment_reference}")
        return str(found["id"])

    def _search(self, payment_reference: str) -> dict[str, Any] | None:
        data = self._call(
            "GET", "/v1/payments/search",
            params={"external_reference": payment_reference, "sort": "date_created",
                    "criteria": "desc"},
        )  # fmt: skip
        results = [r for r in data.get("results") or [] if isinstance(r, dict)]
        approved = [r for r in results if r.get("status") == "approved"]
        return next(iter(approved or results), None)

    def capture(
        self, *, key: str, payment_reference: str, amount: Decimal, currency: str,
        notify_url: str = "",
    ) -> str:  # fmt: skip
        """Capture an authorised card (PUT capture=true); Mercado Pago then notifies."""
        pid = self._payment_id(payment_reference)
        data = self._call(
            "PUT", f"/v1/payments/{pid}", key=key,
            body={"capture": True, "transaction_amount": _amount(amount)},
        )  # fmt: skip
        return str(data.get("id", pid))

    def refund(self, *, key: str, payment_reference: str, amount: Decimal, currency: str) -> str:
        pid = self._payment_id(payment_reference)
        data = self._call(
            "POST", f"/v1/payments/{pid}/refunds", key=key, body={"amount": _amount(amount)}
        )
        return str(data.get("id", ""))

    def payout(self, *, key: str, beneficiary: str, amount: Decimal, currency: str) -> str:
        raise ProviderRefused(
            "Mercado Pago does not pay out to merchants in China: pay this batch by another "
            "channel and mark it, or configure a payout provider."
        )

    # --- what the provider says --------------------------------------------------------------

    def charge_from(self, data: Mapping[str, Any]) -> MPCharge:
        mp_status = str(data.get("status") or "")
        detail = str(data.get("status_detail") or "")
        status = STATUSES.get(mp_status, "pending")
        if status == "cancelled" and detail == "expired":
            status = "expired"
        try:
            amount = Decimal(str(data.get("transaction_amount")))
        except (InvalidOperation, ValueError):
            amount = None
        return MPCharge(
            status=status, amount=amount, currency=str(data.get("currency_id") or ""),
            reference=str(data.get("external_reference") or ""),
            payment_id=str(data.get("id", "")), mp_status=mp_status, status_detail=detail,
        )  # fmt: skip

    def retrieve_id(self, payment_id: str) -> MPCharge:
        """The payment Mercado Pago knows by its id (a notification's data.id)."""
        if not payment_id.isdigit():
            raise SignatureError("data.id is not a payment id")
        return self.charge_from(self._call("GET", f"/v1/payments/{payment_id}"))

    def retrieve(self, payment_reference: str) -> Charge:
        from caravana.payments.models import Payment

        art = (
            Payment.objects.filter(reference=payment_reference)
            .values_list("artefact", flat=True)
            .first()
        )
        if isinstance(art, dict) and str(art.get("provider_id", "")).isdigit():
            return self.retrieve_id(str(art["provider_id"]))
        found = self._search(payment_reference)
        return Charge("pending") if found is None else self.charge_from(found)

    # --- chargebacks -------------------------------------------------------------------------

    def retrieve_dispute(self, chargeback_id: str) -> Dispute:
        """GET /v1/chargebacks/{id} (a `chargebacks` notification's data.id): the disputed
        payment (`payments`), `amount`, `currency`, and the outcome in `coverage_applied`
        (true: the seller keeps the money, i.e. won; false once the documentation is judged or
        was not supplied: lost; otherwise open). The mapping of false to lost while
        `documentation_status` is still pending or review_pending is not made (unverified).
        https://www.mercadopago.com.br/developers/en/docs/checkout-api/payment-management/chargebacks
        https://www.mercadopago.com.br/developers/en/reference/chargebacks/_chargebacks_id/get"""
        if not chargeback_id.replace("-", "").isalnum():
            raise SignatureError("data.id is not a chargeback id")
        data = self._call("GET", f"/v1/chargebacks/{chargeback_id}")
        covered = data.get("coverage_applied")
        doc = str(data.get("documentation_status") or "")
        if covered is True:
            status = "won"
        elif covered is False and doc not in ("", "pending", "review_pending"):
            status = "lost"
        else:
            status = "open"
        payments = data.get("payments") or []
        try:
            amount = Decimal(str(data.get("amount")))
        except (InvalidOperation, ValueError):
            amount = Decimal(0)
        return Dispute(
            dispute_id=str(data.get("id", chargeback_id)),
            payment_id=str(payments[0]) if payments else "", amount=amount,
            currency=str(data.get("currency") or ""), status=status,
            reason=str(data.get("reason") or ""),
            due_by=_parse_time(data.get("date_documentation_deadline")),
            raw_status=f"coverage_applied={covered} documentation={doc}"[:40],
        )  # fmt: skip

    # --- notifications -----------------------------------------------------------------------

    def verify(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """Mercado Pago's signature covers the query's data.id and the request id, not the
        body: use notification()."""
        raise SignatureError("a Mercado Pago notification is verified with its headers and query")

    def notification(
        self, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> Notification:
        """Verify a notification's x-signature; SignatureError when it is unsigned, forged or
        stale. Only signed values are returned (data.id from the query, the request id)."""
        data_id = str(query.get("data.id") or query.get("id") or "")
        request_id = str(headers.get(REQUEST_ID_HEADER) or "")
        verify_signature(self.secret, headers.get(SIGNATURE_HEADER), data_id, request_id)
        if not request_id:
            raise SignatureError("missing x-request-id")
        topic = str(query.get("type") or query.get("topic") or "")
        return Notification(event_id=request_id, topic=topic, resource_id=data_id)
