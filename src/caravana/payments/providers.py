"""Payment providers behind one interface, and the built-in sandbox that behaves like a real
one: it issues each method's real artefact (a Pix BR Code with its location, a boleto barcode
and typed line, an OXXO reference, a CLABE), authorises or declines test cards, captures, refunds
and pays out under an idempotency key it dedupes on (its own books: SandboxOperation), answers
retrieve() for polling, and confirms payments by a signed webhook.

Every call to a provider runs outside any database transaction (payments.outbox sends them);
the sandbox checks it when PAYMENTS_SANDBOX_REQUIRE_AUTOCOMMIT is on (the tests).

The sandbox exists only with PAYMENTS_SANDBOX_ENABLED (the demo and the tests): otherwise it is
not registered, so its webhook endpoint answers 404 and no payment can be made with it.

Cards reach it only as tokens its own browser script made (payments.sandbox_cards, which lists
the test numbers: approved, declined, or asking for a 3-D Secure style challenge); a raw card
number is never an argument of any provider."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana import outbound, webhook_signing
from caravana.codes import boleto, clabe, pix
from caravana.payments import local_methods
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.webhook_signing import SignatureError

SANDBOX_SECRET_DEFAULT = "whsec_sandbox_dev_only"


class ProviderError(Exception):
    """The provider could not do it now (unreachable, timed out, refused for the moment): the
    outbox tries again later with the same idempotency key."""

    code = PaymentsErrorCode.PROVIDER_UNAVAILABLE


class ProviderRefused(ProviderError):
    """The provider will never do it (an operation it does not offer, a request it rejects):
    the outbox records the call as failed at once, for an operator, instead of retrying."""

    retryable = False
    code = PaymentsErrorCode.PROVIDER_REFUSED


@dataclass
class Issued:
    """What a provider gives back for a new payment."""

    artefact: dict[str, Any]
    expires_at: dt.datetime | None
    status: str = "pending"  # pending, or for cards: succeeded-to-be (approved) / declined
    approved: bool = False
    decline_reason: str = ""
    card: dict[str, str] = field(default_factory=dict)


@dataclass
class Charge:
    """A payment as the provider sees it (retrieve): succeeded with what arrived, or pending."""

    status: str
    amount: Decimal | None = None
    currency: str = ""
    reference: str = ""


@dataclass(frozen=True)
class Notification:
    """A verified notification: which resource changed (`data.id`), its topic (payment,
    chargebacks) and the delivery's id (what a replay repeats)."""

    event_id: str
    topic: str
    resource_id: str


@dataclass(frozen=True)
class Dispute:
    """A chargeback as the provider's API tells it (never as a notification body claims):
    `status` is open, won or lost; `payment_id` the provider's id of the disputed payment,
    `reference` ours when the provider knows it."""

    dispute_id: str
    payment_id: str
    amount: Decimal
    currency: str
    status: str
    reason: str = ""
    due_by: dt.datetime | None = None
    reference: str = ""
    raw_status: str = ""


class Provider(Protocol):
    name: str

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
        payer: dict[str, Any] | None = None,  # e-mail, name, id_type, id_number, address
        card_token: Mapping[str, Any] | None = None,  # token or card_id, save, return_url…
    ) -> Issued: ...

    def capture(
        self, *, key: str, payment_reference: str, amount: Decimal, currency: str,
        notify_url: str = "",
    ) -> str: ...  # fmt: skip

    def refund(
        self, *, key: str, payment_reference: str, amount: Decimal, currency: str
    ) -> str: ...

    def payout(self, *, key: str, beneficiary: str, amount: Decimal, currency: str) -> str: ...

    def retrieve(self, payment_reference: str) -> Charge: ...

    def verify(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]: ...


def in_transaction() -> bool:
    """Inside an atomic block (other than a test case's own wrapping one, which stands for the
    autocommit a real process has)."""
    return any(not getattr(b, "_from_testcase", False) for b in connection.atomic_blocks)


def sandbox_enabled() -> bool:
    return bool(getattr(settings, "PAYMENTS_SANDBOX_ENABLED", False))


def _minutes(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, name, default))


class SandboxProvider:
    name = "sandbox"

    @property
    def secret(self) -> str:
        return getattr(settings, "PAYMENTS_SANDBOX_SECRET", SANDBOX_SECRET_DEFAULT)

    def _outside(self, what: str) -> None:
        if getattr(settings, "PAYMENTS_SANDBOX_REQUIRE_AUTOCOMMIT", False) and in_transaction():
            raise RuntimeError(f"sandbox {what} called inside a database transaction")

    def issue(
        self,
        *,
        key: str = "",
        reference: str,
        method: str,
        amount: Decimal,
        currency: str,
        country: str,
        now: dt.datetime,
        payer: dict[str, Any] | None = None,
        card_token: Mapping[str, Any] | None = None,
    ) -> Issued:
        """Deterministic for a reference, so issuing again under the same key gives the same
        artefact (the dedupe a real provider does on the idempotency key)."""
        self._outside("issue")
        serial = int(reference[3:], 36) if reference[3:].isalnum() else secrets.randbelow(10**10)
        if method == "pix":
            txid = reference.replace("_", "")[:25]
            host = getattr(settings, "PAYMENTS_PIX_LOCATION_HOST", "pix.sandbox.caravana.dev")
            url = f"https://{host}/qr/v2/{txid}"
            payload = pix.build(
                url=url, amount=amount, merchant_name="Caravana Marketplace",
                merchant_city="Sao Paulo", single_use=True,
            )  # fmt: skip
            expires = now + _minutes("PAYMENTS_PIX_EXPIRY_MINUTES", 60)
            return Issued({"payload": payload, "location": url, "txid": txid}, expires)
        if method == "boleto":
            due = (now + dt.timedelta(days=getattr(settings, "PAYMENTS_BOLETO_DAYS", 3))).date()
            bank = getattr(settings, "PAYMENTS_BOLETO_BANK", "001")
            free = f"{serial % 10**17:017d}{now:%y%m%d}17"[-25:].rjust(25, "0")
            barcode = boleto.build(bank, amount, due, free)
            line = boleto.typed_line(barcode)
            expires = dt.datetime.combine(due, dt.time(23, 59), tzinfo=dt.UTC)
            return Issued(
                {"barcode": barcode, "typed_line": line, "formatted": boleto.format(line),
                 "due": due.isoformat(), "bank": bank},
                expires,
            )  # fmt: skip
        if method == "oxxo":
            days = getattr(settings, "PAYMENTS_OXXO_DAYS", 3)
            ref = f"93{serial % 10**12:012d}"
            expires = now + dt.timedelta(days=days)
            return Issued({"reference": ref, "expires": expires.isoformat()}, expires)
        if method == "spei":
            account = f"{serial % 10**11:011d}"
            number = clabe.build(getattr(settings, "PAYMENTS_SPEI_BANK", "646"), "180", account)
            expires = now + dt.timedelta(hours=getattr(settings, "PAYMENTS_SPEI_HOURS", 72))
            return Issued(
                {"clabe": number, "formatted": clabe.format(number), "bank": "STP",
                 "beneficiary": "Caravana Marketplace"},
                expires,
            )  # fmt: skip
        if method in local_methods.METHODS:
            return self._issue_local(method, reference, serial, amount, currency, now, payer)
        if method == "card":
            return self._issue_card(reference, amount, currency, now, card_token or {})
        raise ValueError(f"method: {method!r} is not a method")

    def _issue_card(
        self, reference: str, amount: Decimal, currency: str, now: dt.datetime,
        card_token: Mapping[str, Any],
    ) -> Issued:  # fmt: skip
        """Authorise the card behind a token (single use) or a saved card's id (reusable): the
        test number it was made from approves, declines or asks for a challenge."""
        from caravana.payments import sandbox_cards
        from caravana.payments.models import SandboxChallenge

        token, card_id = str(card_token.get("token") or ""), str(card_token.get("card_id") or "")
        try:
            card = sandbox_cards.resolve(token, card_id, reference)
        except sandbox_cards.Unusable as exc:
            raise ValidationError(
                {str(exc): _("The card could not be used: enter it again.")}
            ) from None
        shown: dict[str, Any] = {
            "brand": card.brand, "last4": card.last4, "exp_month": card.exp_month,
            "exp_year": card.exp_year,
        }  # fmt: skip
        if card_token.get("save") or card_id:
            shown["card_id"] = sandbox_cards.keep(card)
        if card.outcome == sandbox_cards.DECLINE:
            return Issued({}, None, "declined", False, "card_declined", shown)
        expires = now + dt.timedelta(minutes=15)
        if card.outcome == sandbox_cards.CHALLENGE:
            SandboxChallenge.objects.get_or_create(
                payment_reference=reference,
                defaults={"return_url": str(card_token.get("return_url") or "")[:300],
                          "amount": amount, "currency": currency, "brand": card.brand,
                          "last4": card.last4},
            )  # fmt: skip
            url = reverse("sandbox_provider:challenge", args=[reference])
            return Issued({"challenge_url": url}, expires, "pending", False, "", shown)
        return Issued({}, expires, "pending", True, "", shown)

    def challenge_result(self, payment_reference: str) -> str:
        """pending, approved or failed: what the buyer answered on the challenge page."""
        from caravana.payments.models import SandboxChallenge

        self._outside("challenge_result")
        found = SandboxChallenge.objects.filter(payment_reference=payment_reference).first()
        return found.status if found else "failed"

    def _issue_local(
        self, method: str, reference: str, serial: int, amount: Decimal, currency: str,
        now: dt.datetime, payer: dict[str, Any] | None,
    ) -> Issued:  # fmt: skip
        """Chile's, Colombia's, Peru's and Argentina's methods (payments.local_methods). A
        redirect method's page is the sandbox's gateway (PAYMENTS_SANDBOX_GATEWAY_URL), which
        approves or declines, then returns the buyer to the payment's page."""
        gateway = getattr(settings, "PAYMENTS_SANDBOX_GATEWAY_URL", "/pay/{reference}/gateway/")
        minutes = getattr(settings, f"PAYMENTS_{method.upper()}_MINUTES", None)
        art, expires, approved, reason = local_methods.issue(
            method, reference=reference, serial=serial, amount=amount, currency=currency,
            now=now, details=dict((payer or {}).get("method") or {}),
            gateway_url=gateway.format(reference=reference),
            lifetime=dt.timedelta(minutes=minutes) if minutes else None,
        )  # fmt: skip
        if reason:
            return Issued(art, None, "declined", False, reason)
        return Issued(art, expires, "pending", approved)

    # --- money movements, deduplicated on the idempotency key ---------------------------------

    def _book(
        self, kind: str, key: str, payment_reference: str, amount: Decimal, currency: str
    ) -> Any:
        from caravana.payments.models import SandboxOperation

        found = SandboxOperation.objects.filter(key=key).first()
        if found is not None:
            return found
        try:
            return SandboxOperation.objects.create(
                kind=kind, key=key, payment_reference=payment_reference[:32], amount=amount,
                currency=currency, reference=f"sb_{kind[:2]}_" + secrets.token_hex(10),
            )  # fmt: skip
        except IntegrityError:  # the same request, sent at the same moment by another worker
            return SandboxOperation.objects.get(key=key)

    def charge(self, payment_reference: str, amount: Decimal, currency: str, key: str = "") -> Any:
        """The buyer's money arrives at the "bank": once per payment, whatever asks."""
        from caravana.payments.models import SandboxKind, SandboxOperation

        found = SandboxOperation.objects.filter(
            kind=SandboxKind.CHARGE, payment_reference=payment_reference
        ).first()
        if found is not None:
            return found
        return self._book(
            SandboxKind.CHARGE, key or f"charge:{payment_reference}", payment_reference, amount,
            currency,
        )  # fmt: skip

    def capture(
        self, *, key: str, payment_reference: str, amount: Decimal, currency: str,
        notify_url: str = "",
    ) -> str:  # fmt: skip
        """Capture an approved card: the charge is booked, then the webhook is sent."""
        self._outside("capture")
        op = self.charge(payment_reference, amount, currency, key)
        self.notify(payment_reference, "succeeded", op.amount, op.currency, notify_url)
        return op.reference

    def refund(self, *, key: str, payment_reference: str, amount: Decimal, currency: str) -> str:
        from caravana.payments.models import SandboxKind

        self._outside("refund")
        return self._book(SandboxKind.REFUND, key, payment_reference, amount, currency).reference

    def payout(self, *, key: str, beneficiary: str, amount: Decimal, currency: str) -> str:
        from caravana.payments.models import SandboxKind

        self._outside("payout")
        return self._book(SandboxKind.PAYOUT, key, beneficiary, amount, currency).reference

    def retrieve(self, payment_reference: str) -> Charge:
        from caravana.payments.models import SandboxKind, SandboxOperation

        self._outside("retrieve")
        op = SandboxOperation.objects.filter(
            kind=SandboxKind.CHARGE, payment_reference=payment_reference
        ).first()
        if op is None:
            return Charge("pending")
        return Charge("succeeded", op.amount, op.currency, op.reference)

    def verify(self, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """The event, or SignatureError: signed in the Standard Webhooks format
        (caravana.webhook_signing), the sandbox's secret being ours."""
        webhook_signing.verify(self.secret, body, headers)
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise SignatureError("body is not JSON") from exc
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise SignatureError("event has no id")
        return event

    # --- what the sandbox does in place of a bank ---

    def event(self, payment_reference: str, outcome: str, amount: Decimal, currency: str) -> bytes:
        return json.dumps(
            {
                "id": "evt_" + secrets.token_hex(12),
                "type": f"payment.{outcome}",
                "created": int(timezone.now().timestamp()),
                "data": {"payment": payment_reference, "amount": str(amount), "currency": currency},
            },
            separators=(",", ":"),
        ).encode()

    def notify(
        self, payment_reference: str, outcome: str, amount: Decimal, currency: str,
        notify_url: str = "", *, at_once: bool = False,
    ) -> tuple[int, dict]:  # fmt: skip
        """Send the signed event. With eager Celery (no broker: the demo, the tests) or
        `at_once` (the network twin, whose simulated moment lives in this process) it goes
        straight into the receiver, in this process: a request never calls back into the site
        over HTTP. With a broker, a worker delivers it (over HTTP unless the transport is
        inline)."""
        body = self.event(payment_reference, outcome, amount, currency)
        if at_once or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            return self.deliver(body, "")
        _sandbox_transport["enqueue"](body.decode(), notify_url)
        return 202, {"queued": payment_reference}

    def deliver(
        self, body: bytes, notify_url: str, timestamp: int | None = None
    ) -> tuple[int, dict]:
        """Deliver a signed event the way the provider would: over HTTP to the payment's
        notification URL, or (PAYMENTS_SANDBOX_TRANSPORT = "inline", or no URL) straight into
        the same receiver the HTTP endpoint calls. Only a worker posts over HTTP, through
        caravana.outbound (timeouts, no redirects, private targets refused unless
        OUTBOUND_ALLOWED_NETWORKS allows them). A connection that fails raises httpx.HTTPError;
        the payment is then finished by polling (poll_payments)."""
        event_id = json.loads(body).get("id")  # webhook-id: the same on every try
        headers = webhook_signing.sign(self.secret, body, msg_id=event_id, timestamp=timestamp)
        if getattr(settings, "PAYMENTS_SANDBOX_TRANSPORT", "http") == "inline" or not notify_url:
            return _sandbox_transport["receive"](self.name, body, headers)
        resp = outbound.post(
            notify_url,
            content=body,
            headers={"Content-Type": "application/json", **headers},
            timeout=10,
        )
        try:
            data = resp.json() if resp.content else {}
        except ValueError:  # an error page, not the receiver's JSON
            data = {"raw": resp.text[:200]}
        return resp.status_code, data


def _not_connected(*args: Any) -> Any:
    raise RuntimeError("the sandbox's transport is not connected (PaymentsConfig.ready)")


#: Where the sandbox's signed events go: "receive" is the webhook receiver
#: (payments.webhooks.receive), "enqueue" hands an event to a worker (tasks.sandbox_deliver).
#: PaymentsConfig.ready connects both, so this module imports neither: they import it.
_sandbox_transport: dict[str, Callable[..., Any]] = {
    "receive": _not_connected,
    "enqueue": _not_connected,
}


def connect_sandbox(
    *, receive: Callable[[str, bytes, str], tuple[int, dict]], enqueue: Callable[[str, str], Any]
) -> None:
    """Give the sandbox its webhook receiver and its worker queue (PaymentsConfig.ready)."""
    _sandbox_transport.update(receive=receive, enqueue=enqueue)


#: Every provider this code knows; only the enabled ones are used (registered()). Providers in
#: modules of their own (Mercado Pago, Stripe) are added by PaymentsConfig.ready: they import
#: this module for its base classes.
PROVIDERS: dict[str, Provider] = {"sandbox": SandboxProvider()}


def registered() -> dict[str, Provider]:
    """The providers in use: the sandbox only with PAYMENTS_SANDBOX_ENABLED, Mercado Pago only
    with MERCADOPAGO_ACCESS_TOKEN, Stripe only with STRIPE_SECRET_KEY."""
    on = {
        "sandbox": sandbox_enabled(),
        "mercadopago": bool(_mp_token()),
        "stripe": bool(getattr(settings, "STRIPE_SECRET_KEY", "")),
    }
    return {n: p for n, p in PROVIDERS.items() if on.get(n, True)}


def _mp_token() -> str:
    return str(getattr(settings, "MERCADOPAGO_ACCESS_TOKEN", "") or "")


def get(name: str) -> Provider:
    """KeyError for a provider that is unknown or not enabled."""
    return registered()[name]


def default_name() -> str | None:
    """The provider new payments use: PAYMENTS_PROVIDER, else the sandbox when it is on."""
    name = getattr(settings, "PAYMENTS_PROVIDER", "") or ("sandbox" if sandbox_enabled() else "")
    return name if name in registered() else None


def sandbox() -> SandboxProvider:
    """The sandbox, whether or not it is enabled (for the demo's own tools)."""
    return PROVIDERS["sandbox"]  # type: ignore[return-value]
