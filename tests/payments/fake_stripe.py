"""Stripe's API as documented, served on 127.0.0.1 for the adapter's tests: the SDK's api base
points here. It keeps its own books and answers a request whose Idempotency-Key it has seen with
the first answer (https://docs.stripe.com/idempotency). Shapes follow the API reference:
PaymentIntent (https://docs.stripe.com/api/payment_intents/object), its next_action for Pix,
boleto and OXXO (https://docs.stripe.com/payments/pix, /boleto, /oxxo), Refund
(https://docs.stripe.com/api/refunds/object), Dispute (https://docs.stripe.com/api/disputes/object)
and errors ({"error": {type, code, decline_code, message, payment_intent}},
https://docs.stripe.com/api/errors)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

KEY = "sk_test_caravana"
SECRET = "whsec_test_caravana"
PIX = (
    "00020101021226830014br.gov.bcb.pix2561qr.stripe.com/pix/v2/cobv/abc"
    "5204000053039865802BR6304ABCD"
)
BOLETO = "23793380296099605290241006333300689690000010000"


def sign(body: bytes, secret: str = SECRET, t: int | None = None) -> str:
    """Stripe-Signature as https://docs.stripe.com/webhooks#verify-manually describes:
    t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    t = int(time.time()) if t is None else t
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def event(kind: str, obj: dict, event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_{abs(hash((kind, obj['id'], time.time()))) % 10**12}",
            "object": "event",
            "type": kind,
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


class FakeStripe:
    def __init__(self) -> None:
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.answers: dict[str, tuple[int, dict]] = {}
        self.requests: list[dict] = []
        self.fail_next: list[int] = []
        self.lose_next_answer = False
        self.delay = 0.0
        self.decline: dict[str, Any] | None = None  # the next card is declined with this error
        self.ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{next(fake.ids)}")
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                url = urlsplit(self.path)
                record = {
                    "method": method,
                    "path": url.path,
                    "query": dict(parse_qsl(url.query)),
                    "form": dict(parse_qsl(raw)),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                }
                fake.requests.append(record)
                if fake.delay:
                    time.sleep(fake.delay)
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    return self._answer(
                        401,
                        {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}},
                    )
                if fake.fail_next:
                    status = fake.fail_next.pop(0)
                    return self._answer(
                        status, {"error": {"type": "api_error", "message": "fake failure"}}
                    )
                key = record["headers"].get("idempotency-key")
                if method == "POST" and key and key in fake.answers:
                    return self._answer(*fake.answers[key])
                status, body = fake.route(method, url.path, record)
                if method == "POST" and key and status < 500:
                    fake.answers[key] = (status, body)
                if fake.lose_next_answer:
                    fake.lose_next_answer = False
                    return self._answer(500, {"error": {"type": "api_error"}})
                return self._answer(status, body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the API --------------------------------------------------------------------------

    def route(self, method: str, path: str, req: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        form = req["form"]
        if method == "POST" and path == "/v1/payment_intents":
            return self.create(form)
        if method == "GET" and path == "/v1/payment_intents/search":
            ref = req["query"]["query"].split(":'")[-1].rstrip("'")
            found = [
                p for p in self.intents.values() if p["metadata"].get("caravana_reference") == ref
            ]
            return 200, {"object": "search_result", "data": found, "has_more": False}
        if len(parts) >= 3 and parts[1] == "payment_intents":
            pi = self.intents.get(parts[2])
            if pi is None:
                return 404, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": f"No such payment_intent: '{parts[2]}'",
                    }
                }
            if method == "GET":
                return 200, pi
            if parts[-1] == "capture":
                pi.update(
                    status="succeeded",
                    amount_received=int(form.get("amount_to_capture", pi["amount"])),
                )
                return 200, pi
        if method == "POST" and path == "/v1/refunds":
            pi = self.intents[form["payment_intent"]]
            if pi["payment_method_types"][0] in ("oxxo", "boleto"):
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "This payment method does not support refunds.",
                    }
                }
            refunded = sum(
                r["amount"] for r in self.refunds.values() if r["payment_intent"] == pi["id"]
            )
            amount = int(form.get("amount", pi["amount_received"] - refunded))
            if amount > pi["amount_received"] - refunded:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "amount_too_large",
                        "message": "Refund amount is greater than unrefunded amount",
                    }
                }
            rid = f"re_{next(self.ids):08d}"
            self.refunds[rid] = {
                "id": rid,
                "object": "refund",
                "amount": amount,
                "currency": pi["currency"],
                "payment_intent": pi["id"],
                "status": "succeeded",
            }
            return 200, self.refunds[rid]
        if len(parts) == 3 and parts[1] == "disputes":
            dispute = self.disputes.get(parts[2])
            if dispute is None:
                return 404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}}
            if method == "POST":
                evidence = {k[9:-1]: v for k, v in form.items() if k.startswith("evidence[")}
                dispute["evidence"].update(evidence)
                if form.get("submit") == "true":
                    dispute["status"] = "under_review"
            return 200, dispute
        return 404, {
            "error": {"type": "invalid_request_error", "message": "Unrecognized request URL"}
        }

    def create(self, form: dict) -> tuple[int, dict]:
        n = next(self.ids)
        pid = f"pi_{n:08d}"
        method = form["payment_method_types[0]"]
        pi: dict[str, Any] = {
            "id": pid,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "amount_received": 0,
            "currency": form["currency"],
            "status": "requires_action",
            "payment_method_types": [method],
            "capture_method": form.get("capture_method", "automatic"),
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "client_secret": f"{pid}_secret_x",
            "last_payment_error": None,
            "next_action": None,
            "cancellation_reason": None,
        }
        expires = int(time.time()) + 86400
        if method == "pix":
            pi["next_action"] = {
                "type": "pix_display_qr_code",
                "pix_display_qr_code": {
                    "data": PIX,
                    "expires_at": expires,
                    "image_url_png": f"https://qr.stripe.com/{pid}.png",
                    "hosted_instructions_url": f"https://payments.stripe.com/pix/instructions/{pid}",
                },
            }
        elif method == "boleto":
            pi["next_action"] = {
                "type": "boleto_display_details",
                "boleto_display_details": {
                    "number": BOLETO,
                    "expires_at": expires,
                    "pdf": f"https://payments.stripe.com/boleto/{pid}/pdf",
                    "hosted_voucher_url": f"https://payments.stripe.com/boleto/voucher/{pid}",
                },
            }
        elif method == "oxxo":
            pi["next_action"] = {
                "type": "oxxo_display_details",
                "oxxo_display_details": {
                    "number": "12345678901234657890123456789012",
                    "expires_after": expires,
                    "hosted_voucher_url": f"https://payments.stripe.com/oxxo/voucher/{pid}",
                },
            }
        elif method == "card":
            pi["payment_method"] = {
                "id": form["payment_method"],
                "card": {"brand": "visa", "last4": "4242"},
            }
            if self.decline:
                error = {"type": "card_error", "message": "Your card was declined.", **self.decline}
                pi.update(status="requires_payment_method", last_payment_error=error)
                self.intents[pid] = pi
                return 402, {"error": {**error, "payment_intent": pi}}
            if "threeDSecure" in form["payment_method"]:
                # Stripe's test PaymentMethod pm_card_threeDSecure2Required (docs.stripe.com/
                # testing#regulatory-cards): confirmed with a return_url, the intent waits for
                # the bank's page (https://docs.stripe.com/payments/3d-secure/authentication-flow).
                pi["return_url"] = form.get("return_url")
                if form.get("return_url"):
                    pi["next_action"] = {
                        "type": "redirect_to_url",
                        "redirect_to_url": {
                            "url": f"https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_x"
                            f"&payment_intent={pid}&publishable_key=pk_test_x",
                            "return_url": form["return_url"],
                        },
                    }
                else:  # without one Stripe asks for Stripe.js's handleNextAction
                    pi["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
                self.intents[pid] = pi
                return 200, pi
            pi["status"] = "requires_capture"
        self.intents[pid] = pi
        return 200, pi

    # --- what happens at Stripe's side --------------------------------------------------

    def pay(self, reference: str, amount: int | None = None) -> dict:
        pi = self.by_reference(reference)
        pi.update(status="succeeded", amount_received=amount or pi["amount"], next_action=None)
        return pi

    def authenticate(self, reference: str, passed: bool = True) -> dict:
        """The buyer answers the bank's 3-D Secure page: a manual-capture intent is then held
        (requires_capture), or back to requires_payment_method with the documented error
        (https://docs.stripe.com/error-codes#payment-intent-authentication-failure)."""
        pi = self.by_reference(reference)
        if passed:
            pi.update(status="requires_capture", next_action=None)
        else:
            pi.update(
                status="requires_payment_method",
                next_action=None,
                last_payment_error={
                    "type": "invalid_request_error",
                    "code": "payment_intent_authentication_failure",
                    "message": "The provided PaymentMethod has failed authentication.",
                },
            )
        return pi

    def expire(self, reference: str) -> dict:
        pi = self.by_reference(reference)
        pi.update(
            status="requires_payment_method",
            next_action=None,
            last_payment_error={
                "type": "invalid_request_error",
                "code": "payment_intent_payment_attempt_expired",
            },
        )
        return pi

    def dispute(self, pi: dict, status: str = "needs_response", amount: int | None = None) -> dict:
        did = f"dp_{next(self.ids):08d}"
        self.disputes[did] = {
            "id": did,
            "object": "dispute",
            "amount": amount or pi["amount_received"],
            "currency": pi["currency"],
            "charge": f"ch_{pi['id'][3:]}",
            "payment_intent": pi["id"],
            "reason": "product_not_received",
            "status": status,
            "evidence": {},
            "evidence_details": {"due_by": int(time.time()) + 7 * 86400, "submission_count": 0},
        }
        return self.disputes[did]

    def by_reference(self, reference: str) -> dict:
        return next(
            p for p in self.intents.values() if p["metadata"].get("caravana_reference") == reference
        )

    def seen(self, method: str, path_start: str) -> list[dict]:
        return [
            r for r in self.requests if r["method"] == method and r["path"].startswith(path_start)
        ]
