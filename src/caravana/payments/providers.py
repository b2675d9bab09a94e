"""Payment providers behind one interface, and the built-in sandbox that behaves like a real
one: it issues each method's real artefact (a Pix BR Code with its location, a boleto barcode
and typed line, an OXXO reference, a CLABE), authorises or declines test cards, and confirms
payments later by a signed webhook sent to our own endpoint.

Sandbox test cards: any Luhn-valid number; one ending in 0002 is declined."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone

from caravana.codes import boleto, clabe, pix
from caravana.payments import signing

SANDBOX_SECRET_DEFAULT = "whsec_sandbox_dev_only"


@dataclass
class Issued:
    """What a provider gives back for a new payment."""

    artefact: dict[str, Any]
    expires_at: dt.datetime | None
    status: str = "pending"  # pending, or for cards: succeeded-to-be (approved) / declined
    approved: bool = False
    decline_reason: str = ""
    card: dict[str, str] = field(default_factory=dict)


class Provider(Protocol):
    name: str

    def issue(
        self,
        *,
        reference: str,
        method: str,
        amount: Decimal,
        currency: str,
        country: str,
        card_number: str | None = None,
        now: dt.datetime,
    ) -> Issued: ...

    def refund(self, *, reference: str, amount: Decimal, currency: str) -> str: ...

    def verify(self, body: bytes, header: str | None) -> dict[str, Any]: ...


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number.startswith(
        ("636368", "438935", "504175", "451416", "636297", "5067", "4576", "4011")
    ):
        return "elo"
    return "card"


def _minutes(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, name, default))


class SandboxProvider:
    name = "sandbox"

    @property
    def secret(self) -> str:
        return getattr(settings, "PAYMENTS_SANDBOX_SECRET", SANDBOX_SECRET_DEFAULT)

    def issue(
        self,
        *,
        reference: str,
        method: str,
        amount: Decimal,
        currency: str,
        country: str,
        card_number: str | None = None,
        now: dt.datetime,
    ) -> Issued:
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
        if method == "card":
            digits = "".join(ch for ch in (card_number or "") if ch.isdigit())
            card = {"brand": card_brand(digits), "last4": digits[-4:]}
            if digits.endswith("0002"):
                return Issued({}, None, "declined", False, "card_declined", card)
            return Issued({}, now + dt.timedelta(minutes=15), "pending", True, "", card)
        raise ValueError(f"method: {method!r} is not a method")

    def refund(self, *, reference: str, amount: Decimal, currency: str) -> str:
        return "rf_" + secrets.token_hex(8)

    def verify(self, body: bytes, header: str | None) -> dict[str, Any]:
        signing.verify(self.secret, body, header)
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise signing.SignatureError("body is not JSON") from exc
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise signing.SignatureError("event has no id")
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

    def deliver(
        self, body: bytes, notify_url: str, timestamp: int | None = None
    ) -> tuple[int, dict]:
        """Send a signed event the way the provider would: over HTTP to the payment's
        notification URL, or (PAYMENTS_SANDBOX_TRANSPORT = "inline", for tests without a
        server) straight into the same receiver the HTTP endpoint calls."""
        header = signing.sign(self.secret, body, timestamp)
        if getattr(settings, "PAYMENTS_SANDBOX_TRANSPORT", "http") == "inline" or not notify_url:
            from caravana.payments.webhooks import receive

            return receive(self.name, body, header)
        request = urllib.request.Request(
            notify_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", signing.HEADER: header},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 (our own URL)
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


PROVIDERS: dict[str, Provider] = {"sandbox": SandboxProvider()}


def get(name: str) -> Provider:
    return PROVIDERS[name]


def sandbox() -> SandboxProvider:
    return PROVIDERS["sandbox"]  # type: ignore[return-value]
