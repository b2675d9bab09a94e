"""Stripe as a payment provider (cards, Pix, boleto, OXXO), through the `stripe` SDK with no
retries of its own (the outbox retries, with the same idempotency key) and the project's
timeouts. Written against Stripe's public API documentation:

- Create: POST /v1/payment_intents with `confirm=true`, `payment_method_types=[method]`,
  `payment_method_data` (billing details; boleto's `tax_id`) and `payment_method_options`
  (expiry), `metadata.caravana_reference` (our reference: how a report or an event is matched
  back), header `Idempotency-Key` (≤255 characters, kept ≥24 h; the same key with other
  parameters is an error). https://docs.stripe.com/api/payment_intents/create
  https://docs.stripe.com/idempotency
  - pix: `next_action.pix_display_qr_code` {data, image_url_png, hosted_instructions_url,
    expires_at}; `payment_method_options.pix.expires_after_seconds` 10–1,209,600.
    https://docs.stripe.com/payments/pix
  - boleto: `next_action.boleto_display_details` {number, pdf, hosted_voucher_url,
    expires_at}; needs the payer's name, e-mail, address and CPF/CNPJ (`boleto.tax_id`);
    R$5–49,999.99; no refunds or disputes. https://docs.stripe.com/payments/boleto
  - oxxo: `next_action.oxxo_display_details` {number, hosted_voucher_url, expires_after};
    `oxxo.expires_after_days` 1–7 (default 3 in the newer page, 5 in the older: unverified);
    10–10,000 MXN; no refunds or disputes. https://docs.stripe.com/payments/oxxo
  - card: only a PaymentMethod id (`pm_…`) made in the buyer's browser by Stripe.js, never a
    number; authorised with `capture_method=manual` and captured by the outbox after our
    transaction commits (POST /v1/payment_intents/{id}/capture `amount_to_capture`).
    https://docs.stripe.com/payments/place-a-hold-on-a-payment-method
  - 3-D Secure: confirmed with an absolute `return_url`, a card that needs authentication comes
    back `requires_action` with `next_action.type = redirect_to_url` and
    `next_action.redirect_to_url.url`, where the buyer is sent; Stripe sends them back to the
    return_url, where the intent is read again (and by the `payment_intent.*` webhooks, the
    `amount_capturable_updated` one included): requires_capture → approved (captured by the
    outbox), succeeded → paid, requires_payment_method → declined with `last_payment_error`
    mapped (`payment_intent_authentication_failure` → authentication_failed).
    https://docs.stripe.com/payments/3d-secure/authentication-flow (manual redirect)
    https://docs.stripe.com/api/payment_intents/object#payment_intent_object-next_action
    https://docs.stripe.com/api/payment_intents/confirm (return_url)
- Read: GET /v1/payment_intents/{id} (the id is kept in the payment's artefact), else
  GET /v1/payment_intents/search?query=metadata['caravana_reference']:'…'.
  Statuses (https://docs.stripe.com/payments/paymentintents/lifecycle): succeeded →
  succeeded; requires_capture → pending, approved; canceled → cancelled; requires_payment_method
  with a `last_payment_error` → declined, or expired when its code is
  payment_intent_payment_attempt_expired (a voucher or Pix code not paid in time); the rest
  (requires_action, processing, requires_confirmation) → pending.
- Declines: the error's `decline_code` (or `code`) → one of Caravana's reasons, DECLINES.
  https://docs.stripe.com/declines/codes https://docs.stripe.com/error-codes
- Refund: POST /v1/refunds {payment_intent, amount} (partial when amount is less).
  https://docs.stripe.com/api/refunds/create
- Webhooks: `Stripe-Signature: t=…,v1=…`, HMAC-SHA256 of "{t}.{raw body}" with the endpoint's
  secret, any v1 may match, refused when older than the tolerance (the SDK's 300 s); verified by
  stripe.WebhookSignature. The event only says which object changed: its state is read back
  from the API, so a late or repeated event never moves a payment backwards.
  https://docs.stripe.com/webhooks#verify-events https://docs.stripe.com/webhooks#event-ordering
- Disputes: charge.dispute.created/updated/closed → GET /v1/disputes/{id}; status
  warning_needs_response, warning_under_review, needs_response, under_review → open; won,
  warning_closed, prevented → won; lost → lost. Evidence: POST /v1/disputes/{id}
  {evidence: {…text fields…}, submit: true}. https://docs.stripe.com/api/disputes
  https://docs.stripe.com/disputes/responding

Errors: a connection error or timeout, 429, 5xx, 401 (a key being fixed) and an idempotency
conflict in flight are a ProviderError (retried); any other 4xx is ProviderRefused."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from caravana.payments.providers import (
    Charge,
    Dispute,
    Issued,
    Notification,
    ProviderError,
    ProviderRefused,
)
from caravana.webhook_signing import SignatureError

NAME = "stripe"
DEFAULT_API_BASE = "https://api.stripe.com"
REFERENCE_KEY = "caravana_reference"
METHODS = ("card", "pix", "boleto", "oxxo")
#: Currencies Stripe counts in whole units (https://docs.stripe.com/currencies#zero-decimal):
#: of Caravana's, only CLP.
ZERO_DECIMAL = {"CLP", "JPY", "KRW", "PYG", "VND", "XAF", "XOF", "BIF", "DJF", "GNF", "KMF"}
TOLERANCE_SECONDS = 300  # stripe.Webhook.DEFAULT_TOLERANCE
EXPIRED_CODE = "payment_intent_payment_attempt_expired"

#: Stripe's decline_code / error code → the reason Caravana shows (the buyer's next step).
DECLINES = {
    "insufficient_funds": "insufficient_funds",
    "card_velocity_exceeded": "insufficient_funds",
    "withdrawal_count_limit_exceeded": "insufficient_funds",
    "lost_card": "card_blocked",
    "stolen_card": "card_blocked",
    "pickup_card": "card_blocked",
    "restricted_card": "card_blocked",
    "expired_card": "card_expired",
    "incorrect_cvc": "card_details",
    "invalid_cvc": "card_details",
    "incorrect_number": "card_details",
    "invalid_expiry_month": "card_details",
    "invalid_expiry_year": "card_details",
    "fraudulent": "suspected_fraud",
    "merchant_blacklist": "suspected_fraud",
    "authentication_required": "authentication_required",
    "payment_intent_authentication_failure": "authentication_failed",
    "processing_error": "try_again",
    "try_again_later": "try_again",
    "issuer_not_available": "try_again",
}
#: Stripe's dispute status → open, won or lost.
DISPUTE_STATUSES = {
    "warning_needs_response": "open",
    "warning_under_review": "open",
    "needs_response": "open",
    "under_review": "open",
    "won": "won",
    "warning_closed": "won",
    "prevented": "won",
    "lost": "lost",
}
#: Event types whose object is a PaymentIntent, or a dispute.
PAYMENT_EVENTS = ("payment_intent.",)
DISPUTE_EVENTS = ("charge.dispute.",)


def to_minor(amount: Decimal, currency: str) -> int:
    """Stripe's integer amount in the currency's smallest unit."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    return int((amount * (10**exponent)).to_integral_value())


def from_minor(value: Any, currency: str) -> Decimal | None:
    try:
        units = Decimal(int(value))
    except (TypeError, ValueError):
        return None
    return units if currency.upper() in ZERO_DECIMAL else (units / 100).quantize(Decimal("0.01"))


def decline_reason(error: Mapping[str, Any] | None) -> str:
    """Caravana's reason for a Stripe error object (last_payment_error, or a CardError's)."""
    error = error or {}
    code = str(error.get("decline_code") or error.get("code") or "")
    return DECLINES.get(code, "card_declined")


def absolute(url: str) -> str:
    """Stripe takes only absolute return URLs: a path is put under CARAVANA_SITE_URL."""
    if url.startswith(("https://", "http://")):
        return url
    return _setting("CARAVANA_SITE_URL", "http://127.0.0.1:8000").rstrip("/") + url


def redirect_url(pi: Mapping[str, Any]) -> str:
    """The bank's page of a `requires_action` intent (next_action redirect_to_url), or ""."""
    action = pi.get("next_action") or {}
    if action.get("type") != "redirect_to_url":
        return ""
    return str((action.get("redirect_to_url") or {}).get("url") or "")


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, "") or default)


def _time(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


@dataclass
class StripeCharge(Charge):
    payment_id: str = ""
    status_detail: str = ""
    authorised: bool = False  # requires_capture: the card is held, the capture is ours to ask


def challenge_outcome(charge: StripeCharge) -> tuple[str, str]:
    """What a read intent says of a card's 3-D Secure check, for issuing.settle_challenge."""
    if charge.authorised:
        return "approved", ""
    if charge.status == "succeeded":
        return "succeeded", ""
    if charge.status in ("declined", "expired", "cancelled"):
        return "failed", charge.status_detail if charge.status == "declined" else "card_declined"
    return "pending", ""


class StripeProvider:
    name = NAME

    # --- configuration -----------------------------------------------------------------------

    @property
    def secret(self) -> str:
        return _setting("STRIPE_WEBHOOK_SECRET")

    def client(self) -> stripe.StripeClient:
        key = _setting("STRIPE_SECRET_KEY")
        if not key:
            raise ProviderError("STRIPE_SECRET_KEY is not set")
        connect = float(getattr(settings, "OUTBOUND_CONNECT_TIMEOUT", 5))
        read = float(getattr(settings, "OUTBOUND_READ_TIMEOUT", 10))
        return stripe.StripeClient(
            key,
            base_addresses={"api": _setting("STRIPE_API_BASE", DEFAULT_API_BASE).rstrip("/")},
            max_network_retries=0,  # the outbox retries, with the same key
            http_client=stripe.RequestsClient(timeout=(connect, read)),
        )

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """One SDK call; the object as a plain dict, or ProviderError (retry) / ProviderRefused
        (never will). A CardError is returned to the caller (a decline is an answer)."""
        try:
            obj = fn(*args, **kwargs)
        except stripe.CardError:
            raise
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.AuthenticationError) as e:
            raise ProviderError(f"Stripe {what}: {type(e).__name__}") from e
        except stripe.IdempotencyError as e:  # same key, other parameters: a bug, not a retry
            raise ProviderRefused(f"Stripe {what}: idempotency conflict") from e
        except stripe.StripeError as e:
            status = e.http_status or 0
            if status >= 500 or status in (409, 429) or status == 0:
                raise ProviderError(f"Stripe {what}: HTTP {status or '?'}") from e
            raise ProviderRefused(
                f"Stripe {what}: HTTP {status} {str(e.user_message or e)[:120]}"
            ) from e
        return json.loads(json.dumps(obj.to_dict())) if hasattr(obj, "to_dict") else dict(obj)

    # --- issue -------------------------------------------------------------------------------

    def _billing(self, payer: Mapping[str, Any] | None, method: str) -> dict[str, Any]:
        payer = payer or {}
        out: dict[str, Any] = {
            "name": str(payer.get("name") or "").strip(),
            "email": str(payer.get("email") or "").strip(),
        }
        if method in ("boleto", "oxxo"):
            missing = [f for f in ("name", "email") if not out[f]]
            if missing:
                raise ValidationError(
                    {
                        f: _("Stripe needs the buyer's name and e-mail for this method.")
                        for f in missing
                    }
                )
        if method == "boleto":
            address = payer.get("address") or {}
            out["address"] = {
                "line1": " ".join(
                    str(address.get(k, "")) for k in ("street_address", "street_number")
                ).strip(),
                "city": str(address.get("city", "")),
                "state": str(address.get("state", "")),
                "postal_code": "".join(
                    ch for ch in str(address.get("postal_code", "")) if ch.isdigit()
                ),
                "country": "BR",
            }
        return {k: v for k, v in out.items() if v}

    def _options(self, method: str) -> dict[str, Any]:
        if method == "pix":
            minutes = getattr(settings, "PAYMENTS_PIX_EXPIRY_MINUTES", 60)
            return {"pix": {"expires_after_seconds": max(10, min(int(minutes) * 60, 1_209_600))}}
        if method == "boleto":
            return {"boleto": {"expires_after_days": getattr(settings, "PAYMENTS_BOLETO_DAYS", 3)}}
        if method == "oxxo":
            days = max(1, min(getattr(settings, "PAYMENTS_OXXO_DAYS", 3), 7))
            return {"oxxo": {"expires_after_days": days}}
        return {}

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
        """Create and confirm the PaymentIntent (outside any transaction; `key` dedupes)."""
        if method not in METHODS:
            raise ValidationError({"method": _("Stripe does not offer this method.")})
        params: dict[str, Any] = {
            "amount": to_minor(amount, currency),
            "currency": currency.lower(),
            "payment_method_types": [method],
            "confirm": True,
            "description": f"Caravana {reference}",
            "metadata": {REFERENCE_KEY: reference},
        }
        if method == "card":
            if card_token and card_token.get("card_id"):  # Stripe gives back no reusable id
                raise ValidationError(
                    {
                        "saved_card": _(
                            "Saved cards are not offered with this provider yet: enter the card."
                        )
                    }
                )
            if not card_token or not str(card_token.get("token", "")).startswith("pm_"):
                raise ValidationError(
                    {
                        "card_token": _(
                            "Stripe takes a card only as the token its card form gives "
                            "(pm_…): pay with that form, or another method."
                        )
                    }
                )
            params.update(payment_method=str(card_token["token"]), capture_method="manual")
            back = str(card_token.get("return_url") or "")
            if back:  # 3-D Secure then answers redirect_to_url (the bank's page) to send the buyer
                params["return_url"] = absolute(back)
            count = int(card_token.get("installments") or 1)
            if (
                count > 1
            ):  # Mexico's meses sin intereses: https://docs.stripe.com/payments/mx-installments
                params["payment_method_options"] = {
                    "card": {
                        "installments": {
                            "plan": {"type": "fixed_count", "count": count, "interval": "month"}
                        }
                    }
                }
        else:
            data: dict[str, Any] = {"type": method, "billing_details": self._billing(payer, method)}
            if method == "boleto":
                tax_id = "".join(
                    ch for ch in str((payer or {}).get("id_number", "")) if ch.isdigit()
                )
                if not tax_id:
                    raise ValidationError({"id_number": _("Boleto needs the buyer's CPF or CNPJ.")})
                data["boleto"] = {"tax_id": tax_id}
            params["payment_method_data"] = data
            params["payment_method_options"] = self._options(method)
        client = self.client()
        try:
            pi = self._call(
                "create", client.v1.payment_intents.create, params, {"idempotency_key": key}
            )
        except stripe.CardError as e:
            error = (e.json_body or {}).get("error", {}) if isinstance(e.json_body, dict) else {}
            pi = error.get("payment_intent") or {}
            card = self._card(pi)
            art = {"provider_id": str(pi.get("id", ""))} if pi else {}
            return Issued(art, None, "declined", False, decline_reason(error), card)
        return self._issued(method, pi, now)

    def _card(self, pi: Mapping[str, Any]) -> dict[str, str]:
        details = (
            (pi.get("payment_method") or {}) if isinstance(pi.get("payment_method"), dict) else {}
        )
        card = details.get("card") or {}
        return {"brand": str(card.get("brand", "")), "last4": str(card.get("last4", ""))}

    def _issued(self, method: str, pi: Mapping[str, Any], now: dt.datetime) -> Issued:
        art: dict[str, Any] = {"provider_id": str(pi.get("id", ""))}
        status = str(pi.get("status", ""))
        if method == "card":
            if status == "requires_capture":
                return Issued(art, now + dt.timedelta(days=7), "pending", True, "", self._card(pi))
            if status == "requires_action":  # 3-D Secure: the buyer goes to the bank's page
                url = redirect_url(pi)
                if not url:  # no return_url was given: nothing to send the buyer to
                    return Issued(
                        art, None, "declined", False, "authentication_required", self._card(pi)
                    )
                art["challenge_url"] = url
                return Issued(
                    art, now + dt.timedelta(minutes=15), "pending", False, "", self._card(pi)
                )
            if status == "succeeded":  # captured already (not ours: manual): the webhook pays it
                return Issued(art, now + dt.timedelta(days=7), "pending", False, "", self._card(pi))
            return Issued(
                art,
                None,
                "declined",
                False,
                decline_reason(pi.get("last_payment_error")),
                self._card(pi),
            )
        if status == "requires_payment_method" and pi.get("last_payment_error"):
            return Issued(
                art, None, "declined", False, decline_reason(pi.get("last_payment_error"))
            )
        action = pi.get("next_action") or {}
        expires: dt.datetime | None = None
        if method == "pix":
            qr = action.get("pix_display_qr_code") or {}
            expires = _time(qr.get("expires_at"))
            art.update(
                payload=qr.get("data", ""),
                location=qr.get("hosted_instructions_url", ""),
                image=qr.get("image_url_png", ""),
            )
        elif method == "boleto":
            slip = action.get("boleto_display_details") or {}
            expires = _time(slip.get("expires_at"))
            line = "".join(ch for ch in str(slip.get("number", "")) if ch.isdigit())
            from caravana.codes import boleto

            art.update(
                typed_line=line,
                formatted=boleto.format(line) if len(line) == 47 else line,
                url=slip.get("hosted_voucher_url", ""),
                pdf=slip.get("pdf", ""),
                due=expires.date().isoformat() if expires else "",
            )
        elif method == "oxxo":
            slip = action.get("oxxo_display_details") or {}
            expires = _time(slip.get("expires_after"))
            art.update(
                reference=str(slip.get("number", "")),
                url=slip.get("hosted_voucher_url", ""),
                expires=expires.isoformat() if expires else "",
            )
        return Issued(art, expires or now + dt.timedelta(days=3))

    # --- money movements ---------------------------------------------------------------------

    def _intent_id(self, payment_reference: str) -> str:
        from caravana.payments.models import Payment

        art = (
            Payment.objects.filter(reference=payment_reference)
            .values_list("artefact", flat=True)
            .first()
        )
        if isinstance(art, dict) and str(art.get("provider_id", "")).startswith("pi_"):
            return str(art["provider_id"])
        found = self._search(payment_reference)
        if found is None:
            raise ProviderError(f"Stripe has no PaymentIntent for {payment_reference}")
        return str(found["id"])

    def _search(self, payment_reference: str) -> dict[str, Any] | None:
        client = self.client()
        data = self._call(
            "search",
            client.v1.payment_intents.search,
            {"query": f"metadata['{REFERENCE_KEY}']:'{payment_reference}'"},
        )
        results = [r for r in data.get("data") or [] if isinstance(r, dict)]
        done = [r for r in results if r.get("status") == "succeeded"]
        return next(iter(done or results), None)

    def capture(
        self,
        *,
        key: str,
        payment_reference: str,
        amount: Decimal,
        currency: str,
        notify_url: str = "",
    ) -> str:
        pid = self._intent_id(payment_reference)
        client = self.client()
        data = self._call(
            "capture",
            client.v1.payment_intents.capture,
            pid,
            {"amount_to_capture": to_minor(amount, currency)},
            {"idempotency_key": key},
        )
        return str(data.get("id", pid))

    def refund(self, *, key: str, payment_reference: str, amount: Decimal, currency: str) -> str:
        """Full or partial: `amount` is what to give back (Stripe refunds the rest if omitted)."""
        pid = self._intent_id(payment_reference)
        client = self.client()
        data = self._call(
            "refund",
            client.v1.refunds.create,
            {"payment_intent": pid, "amount": to_minor(amount, currency)},
            {"idempotency_key": key},
        )
        if data.get("status") in ("failed", "canceled"):
            raise ProviderRefused(f"Stripe refund {data.get('id')}: {data.get('failure_reason')}")
        return str(data.get("id", ""))

    def payout(self, *, key: str, beneficiary: str, amount: Decimal, currency: str) -> str:
        raise ProviderRefused(
            "Stripe does not pay merchants in China from this account: use a payout provider."
        )

    # --- what the provider says --------------------------------------------------------------

    def charge_from(self, pi: Mapping[str, Any]) -> StripeCharge:
        raw = str(pi.get("status") or "")
        currency = str(pi.get("currency") or "").upper()
        error = pi.get("last_payment_error") or {}
        detail = raw
        if raw == "succeeded":
            status = "succeeded"
        elif raw == "canceled":
            status, detail = "cancelled", str(pi.get("cancellation_reason") or raw)
        elif raw == "requires_payment_method" and error:
            code = str(error.get("code") or "")
            status = "expired" if code == EXPIRED_CODE else "declined"
            detail = code if status == "expired" else decline_reason(error)
        else:
            status = "pending"
        received = pi.get("amount_received") if raw == "succeeded" else pi.get("amount")
        metadata = pi.get("metadata") or {}
        return StripeCharge(
            status=status,
            amount=from_minor(received, currency),
            currency=currency,
            reference=str(metadata.get(REFERENCE_KEY, "")),
            payment_id=str(pi.get("id", "")),
            status_detail=detail,
            authorised=raw == "requires_capture",
        )

    def challenge_result(self, payment_reference: str) -> tuple[str, str]:
        """The buyer is back from 3-D Secure: read the intent again. (approved | succeeded |
        failed | pending, the decline reason when failed)."""
        try:
            charge = self.retrieve_id(self._intent_id(payment_reference))
        except ProviderError:
            return "pending", ""
        return challenge_outcome(charge)

    def retrieve_id(self, payment_id: str) -> StripeCharge:
        if not payment_id.startswith("pi_"):
            raise SignatureError("not a PaymentIntent id")
        client = self.client()
        return self.charge_from(
            self._call("retrieve", client.v1.payment_intents.retrieve, payment_id)
        )

    def retrieve(self, payment_reference: str) -> Charge:
        try:
            pid = self._intent_id(payment_reference)
        except ProviderError:
            return Charge("pending")
        return self.retrieve_id(pid)

    def dispute_from(self, data: Mapping[str, Any]) -> Dispute:
        currency = str(data.get("currency") or "").upper()
        raw = str(data.get("status") or "")
        pi = data.get("payment_intent")
        pi_id = str(pi.get("id") if isinstance(pi, dict) else pi or "")
        details = data.get("evidence_details") or {}
        return Dispute(
            dispute_id=str(data.get("id", "")),
            payment_id=pi_id,
            amount=from_minor(data.get("amount"), currency) or Decimal(0),
            currency=currency,
            status=DISPUTE_STATUSES.get(raw, "open"),
            reason=str(data.get("reason") or ""),
            due_by=_time(details.get("due_by")),
            raw_status=raw,
        )

    def retrieve_dispute(self, dispute_id: str) -> Dispute:
        if not dispute_id.startswith(("dp_", "du_")):
            raise SignatureError("not a dispute id")
        client = self.client()
        return self.dispute_from(self._call("dispute", client.v1.disputes.retrieve, dispute_id))

    def submit_evidence(self, *, key: str, dispute_id: str, evidence: Mapping[str, Any]) -> str:
        """Send the text evidence and submit it (Stripe then decides; one submission only)."""
        client = self.client()
        fields = {k: str(v)[:20000] for k, v in evidence.items() if v}
        data = self._call(
            "evidence",
            client.v1.disputes.update,
            dispute_id,
            {"evidence": fields, "submit": True},
            {"idempotency_key": key},
        )
        return str(data.get("id", dispute_id))

    # --- notifications -----------------------------------------------------------------------

    def verify(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        raise SignatureError("a Stripe event is verified with notification()")

    def notification(
        self, body: bytes, headers: Mapping[str, str], query: Mapping[str, str]
    ) -> Notification:
        """Verify `Stripe-Signature` over the raw body; the event's id, topic (payment,
        chargebacks, or its type for one Caravana does not act on) and object id."""
        secret = self.secret
        if not secret:
            raise SignatureError("STRIPE_WEBHOOK_SECRET is not set")
        header = headers.get("Stripe-Signature") or headers.get("stripe-signature")
        try:
            stripe.WebhookSignature.verify_header(
                body.decode("utf-8"), header, secret, TOLERANCE_SECONDS
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise SignatureError(f"Stripe-Signature: {exc}") from exc
        try:
            event = json.loads(body)
            kind = str(event["type"])
            obj_id = str(event["data"]["object"]["id"])
            event_id = str(event["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SignatureError("not a Stripe event") from exc
        if kind.startswith(PAYMENT_EVENTS):
            topic = "payment"
        elif kind.startswith(DISPUTE_EVENTS):
            topic = "chargebacks"
        else:
            topic = kind
        return Notification(event_id=event_id, topic=topic, resource_id=obj_id)
