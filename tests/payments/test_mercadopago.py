"""Mercado Pago as the provider, against a real HTTP server on 127.0.0.1 that answers like
Mercado Pago's documented endpoints (POST /v1/payments, GET /v1/payments/{id} and /search,
PUT /v1/payments/{id}, POST /v1/payments/{id}/refunds; deduplicated on X-Idempotency-Key),
through the real checkout, webhook endpoint and outbox."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError

from caravana.orders.models import OrderStatus
from caravana.payments import mercadopago, outbox, providers, refunds, simulate
from caravana.payments.models import (
    CallStatus,
    Payment,
    PaymentStatus,
    ProviderCall,
    RefundStatus,
    WebhookEvent,
)
from caravana.webhook_signing import SignatureError
from tests.orders.support import buyer, place
from tests.payments.test_card_scripts import FakeInstallments

pytestmark = pytest.mark.django_db

TOKEN = "APP_USR-test-token"
SECRET = "mp-webhook-secret-for-tests"
QR = "00020126580014br.gov.bcb.pix0136mp-fake-key5204000053039865802BR6304ABCD"


class FakeMercadoPago:
    """Mercado Pago's payments API as documented (see caravana.payments.mercadopago): it keeps
    its own books and answers a request whose X-Idempotency-Key it has seen with the first
    answer."""

    def __init__(self) -> None:
        self.payments: dict[str, dict] = {}
        self.answers: dict[str, tuple[int, dict]] = {}
        self.requests: list[dict] = []
        self.fail_next: list[int] = []  # HTTP statuses to answer before doing anything
        self.lose_next_answer = False  # do it, then answer 500 (the answer is lost)
        self.delay = 0.0
        self.ids = itertools.count(1_300_000_001)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                record = {
                    "method": method, "path": url.path, "query": parse_qs(url.query),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": json.loads(raw) if raw else None,
                }  # fmt: skip
                fake.requests.append(record)
                if fake.delay:
                    time.sleep(fake.delay)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._answer(401, {"message": "invalid_token", "status": 401})
                if fake.fail_next:
                    status = fake.fail_next.pop(0)
                    return self._answer(status, {"message": "fake failure", "status": status})
                status, body = fake.route(method, url.path, record)
                if fake.lose_next_answer:
                    fake.lose_next_answer = False
                    return self._answer(500, {"message": "internal_error"})
                return self._answer(status, body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PUT(self):
                self._handle("PUT")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, method: str, path: str, req: dict) -> tuple[int, dict]:
        key = req["headers"].get("x-idempotency-key")
        parts = path.strip("/").split("/")
        if method == "GET" and path == "/v1/payments/search":
            ref = req["query"].get("external_reference", [""])[0]
            found = [p for p in self.payments.values() if p["external_reference"] == ref]
            return 200, {"results": found, "paging": {"total": len(found)}}
        if method == "GET" and path == "/v1/payment_methods/installments":
            amount = Decimal(req["query"]["amount"][0])
            return 200, json.loads(FakeInstallments.answer(amount))
        if method == "GET" and len(parts) == 3:
            payment = self.payments.get(parts[2])
            return (200, payment) if payment else (404, {"message": "Payment not found"})
        if method == "POST" and path == "/v1/payments":
            if not key:
                return 400, {"message": "X-Idempotency-Key is required"}
            if key not in self.answers:
                self.answers[key] = (201, self.create(req["body"]))
            return self.answers[key]
        if method == "PUT" and len(parts) == 3:
            payment = self.payments[parts[2]]
            if req["body"].get("capture"):
                payment.update(status="approved", status_detail="accredited", captured=True)
            return 200, payment
        if method == "POST" and len(parts) == 4 and parts[3] == "refunds":
            if not key:
                return 400, {"message": "Header-X-Idempotency-Key-can't-be-null"}
            if key not in self.answers:
                refund = {"id": next(self.ids), "payment_id": int(parts[2]),
                          "amount": req["body"]["amount"], "status": "approved"}  # fmt: skip
                self.answers[key] = (201, refund)
            return self.answers[key]
        return 404, {"message": "not found"}

    def create(self, body: dict) -> dict:
        pid = next(self.ids)
        method = body["payment_method_id"]
        payment = {
            "id": pid, "status": "pending", "status_detail": "pending_waiting_transfer",
            "transaction_amount": body["transaction_amount"], "currency_id": "BRL",
            "payment_method_id": method, "external_reference": body["external_reference"],
            "date_of_expiration": body.get("date_of_expiration"),
        }  # fmt: skip
        if method == "pix":
            payment["point_of_interaction"] = {
                "type": "PIX",
                "transaction_data": {
                    "qr_code": QR, "qr_code_base64": "iVBOR...",
                    "ticket_url": f"https://www.mercadopago.com.br/payments/{pid}/ticket",
                },
            }  # fmt: skip
        self.payments[str(pid)] = payment
        return payment

    def approve(self, reference: str, amount: float | None = None, currency: str = "BRL") -> str:
        payment = next(p for p in self.payments.values() if p["external_reference"] == reference)
        payment.update(status="approved", status_detail="accredited", currency_id=currency)
        if amount is not None:
            payment["transaction_amount"] = amount
        return str(payment["id"])

    def seen(self, method: str, path_start: str) -> list[dict]:
        return [
            r for r in self.requests if r["method"] == method and r["path"].startswith(path_start)
        ]


@pytest.fixture
def mp(settings):
    fake = FakeMercadoPago()
    settings.PAYMENTS_PROVIDER = "mercadopago"
    settings.MERCADOPAGO_ACCESS_TOKEN = TOKEN
    settings.MERCADOPAGO_WEBHOOK_SECRET = SECRET
    settings.MERCADOPAGO_API_URL = fake.url
    yield fake
    fake.close()


def notify(client, data_id: str, *, secret: str = SECRET, ts: int | None = None, sign=True,
           request_id: str = "", body: dict | None = None):  # fmt: skip
    """POST a notification the way Mercado Pago does: data.id and type in the query, the
    signature over the manifest in x-signature. The body claims a wrong amount on purpose."""
    ts = int(time.time()) if ts is None else ts
    request_id = request_id or f"req-{data_id}-{ts}"
    headers = {"HTTP_X_REQUEST_ID": request_id}
    if sign:
        headers["HTTP_X_SIGNATURE"] = mercadopago.sign(secret, data_id, request_id, ts)
    body = body or {"action": "payment.updated", "type": "payment", "data": {"id": data_id},
                    "transaction_amount": 0.01}  # fmt: skip
    return client.post(
        f"/api/v1/payments/webhooks/mercadopago?data.id={data_id}&type=payment",
        data=json.dumps(body), content_type="application/json", **headers,
    )  # fmt: skip


@pytest.fixture
def pix(mp, market):
    a, _b = market
    group, payment, _r = place(buyer(), lines=[(a.pk, 1)])
    return group, payment


def test_a_pix_checkout_shows_mercadopagos_qr_code(mp, pix):
    group, payment = pix
    assert payment.provider == "mercadopago" and payment.status == PaymentStatus.PENDING
    assert payment.artefact["payload"] == QR
    assert payment.artefact["ticket_url"].startswith("https://www.mercadopago.com.br/payments/")
    [sent] = mp.seen("POST", "/v1/payments")
    assert sent["headers"]["x-idempotency-key"] == f"issue:{payment.reference}"
    body = sent["body"]
    assert body["payment_method_id"] == "pix"
    assert body["external_reference"] == payment.reference
    assert Decimal(str(body["transaction_amount"])) == group.total
    assert body["payer"]["email"] == "ana@example.com.br"
    assert body["payer"]["identification"] == {"type": "CPF", "number": "39053344705"}
    assert payment.artefact["provider_id"] in mp.payments
    assert payment.expires_at is not None


def test_a_retry_sends_the_same_key_and_makes_one_payment(mp):
    """The provider made the payment but its answer was lost: the retry, with the same key,
    gets the first payment back."""
    import django.utils.timezone as tz

    provider = providers.get("mercadopago")
    kwargs = dict(
        key="issue:PAYRETRY", reference="PAYRETRY", method="pix", amount=Decimal("73.91"),
        currency="BRL", country="BR", now=tz.now(), payer={"email": "a@example.com"},
    )  # fmt: skip
    mp.lose_next_answer = True
    with pytest.raises(providers.ProviderError) as err:
        provider.issue(**kwargs)
    assert not isinstance(err.value, providers.ProviderRefused)  # 5xx: try again
    issued = provider.issue(**kwargs)
    sent = mp.seen("POST", "/v1/payments")
    assert [r["headers"]["x-idempotency-key"] for r in sent] == ["issue:PAYRETRY"] * 2
    assert len(mp.payments) == 1 and issued.artefact["payload"] == QR


def test_a_signed_notification_captures_after_asking_mercadopago(client, mp, pix):
    group, payment = pix
    data_id = mp.approve(payment.reference)
    resp = notify(client, data_id)
    assert resp.status_code == 200, resp.content
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert {o.status for o in group.orders.all()} == {OrderStatus.PAID}
    assert mp.seen("GET", f"/v1/payments/{data_id}")  # the status came from the API
    # Mercado Pago delivers again: nothing more happens.
    again = notify(client, data_id, request_id=WebhookEvent.objects.get().event_id)
    assert again.status_code == 200 and again.json()["duplicate"] is True


@pytest.mark.parametrize(
    "how", ["unsigned", "wrong secret", "stale", "other payment id"], ids=lambda h: h
)
def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(client, mp, pix, how):
    _group, payment = pix
    data_id = mp.approve(payment.reference)
    if how == "unsigned":
        resp = notify(client, data_id, sign=False)
    elif how == "wrong secret":
        resp = notify(client, data_id, secret="not-the-secret")
    elif how == "stale":
        resp = notify(client, data_id, ts=int(time.time()) - 3600)
    else:  # a signature for one payment replayed for another
        ts = int(time.time())
        sig = mercadopago.sign(SECRET, "1", "req-x", ts)
        resp = client.post(
            f"/api/v1/payments/webhooks/mercadopago?data.id={data_id}&type=payment",
            data="{}", content_type="application/json",
            HTTP_X_SIGNATURE=sig, HTTP_X_REQUEST_ID="req-x",
        )  # fmt: skip
    assert resp.status_code == 400
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert not WebhookEvent.objects.exists()
    assert not mp.seen("GET", "/v1/payments/")  # nothing was asked on its say-so


def test_an_amount_other_than_owed_goes_to_review(client, mp, pix):
    _group, payment = pix
    data_id = mp.approve(payment.reference, amount=0.01)
    assert notify(client, data_id).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVIEW
    assert payment.received_amount == Decimal("0.01")


def test_a_rejected_payment_is_declined(client, mp, pix):
    _group, payment = pix
    data_id = payment.artefact["provider_id"]
    mp.payments[data_id].update(status="rejected", status_detail="cc_rejected_other_reason")
    assert notify(client, data_id).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.DECLINED


def test_a_refund_goes_through_the_outbox_with_its_key(
    client, mp, pix, django_capture_on_commit_callbacks
):
    group, payment = pix
    assert notify(client, mp.approve(payment.reference)).status_code == 200
    order = group.orders.get()
    with django_capture_on_commit_callbacks(execute=True):
        refund, _ = refunds.refund(order, Decimal("10.00"), reason="merchant")
    refund.refresh_from_db()
    [sent] = mp.seen("POST", f"/v1/payments/{payment.artefact['provider_id']}/refunds")
    assert sent["headers"]["x-idempotency-key"] == f"refund:{refund.reference}"
    assert sent["body"] == {"amount": 10.0}
    assert refund.status == RefundStatus.PAID
    assert refund.provider_reference == str(mp.answers[f"refund:{refund.reference}"][1]["id"])


def test_timeouts_and_5xx_are_retried_with_the_same_key(
    client, mp, pix, settings, django_capture_on_commit_callbacks
):
    group, payment = pix
    assert notify(client, mp.approve(payment.reference)).status_code == 200
    mp.fail_next = [503]
    with django_capture_on_commit_callbacks(execute=True):
        refund, _ = refunds.refund(group.orders.get(), Decimal("5.00"), reason="merchant")
    call = ProviderCall.objects.get(refund=refund)
    assert (call.status, call.attempts) == (CallStatus.PENDING, 1)
    assert "HTTP 503" in call.last_error

    settings.OUTBOUND_READ_TIMEOUT = 0.2
    mp.delay = 1.0
    assert outbox.perform_call(call.pk) == CallStatus.PENDING
    call.refresh_from_db()
    assert call.attempts == 2 and "ReadTimeout" in call.last_error

    mp.delay = 0
    assert outbox.perform_call(call.pk) == CallStatus.DONE
    keys = {r["headers"]["x-idempotency-key"] for r in mp.seen("POST", "/v1/payments/13")}
    assert keys == {f"refund:{refund.reference}"}
    assert len(mp.answers) == 2  # the payment and one refund


def test_a_refund_mercadopago_rejects_is_failed_for_an_operator_at_once(
    client, mp, pix, django_capture_on_commit_callbacks
):
    group, payment = pix
    assert notify(client, mp.approve(payment.reference)).status_code == 200
    mp.fail_next = [400]  # e.g. 2024 Payment-too-old-to-be-refunded
    with django_capture_on_commit_callbacks(execute=True):
        refund, _ = refunds.refund(group.orders.get(), Decimal("5.00"), reason="merchant")
    call = ProviderCall.objects.get(refund=refund)
    refund.refresh_from_db()
    assert (call.status, call.attempts, refund.status) == (
        CallStatus.FAILED, 1, RefundStatus.FAILED,
    )  # fmt: skip


def test_payouts_are_refused_without_retrying(mp):
    with pytest.raises(providers.ProviderRefused, match="China"):
        providers.get("mercadopago").payout(
            key="payout:PO1", beneficiary="merchant:1", amount=Decimal(1), currency="CNY"
        )


def test_a_raw_card_number_is_refused_naming_the_field(mp, market):
    a, _b = market
    with pytest.raises(ValidationError) as err:
        place(buyer(), lines=[(a.pk, 1)], method="card", card_number="4111 1111 1111 1111")
    assert "card_number" in err.value.message_dict
    assert not Payment.objects.exists()
    assert not mp.requests  # the number never left


def test_a_card_token_is_authorised_then_captured_by_the_outbox(mp):
    import django.utils.timezone as tz

    provider = providers.get("mercadopago")
    mp.create = lambda body: mp.payments.setdefault(  # an authorised card
        "1300000999",
        {"id": 1300000999, "status": "authorized", "payment_method_id": body["payment_method_id"],
         "card": {"last_four_digits": "6351"}, "external_reference": body["external_reference"],
         "transaction_amount": body["transaction_amount"], "currency_id": "BRL"},
    )  # fmt: skip
    issued = provider.issue(
        key="issue:PAYCARD", reference="PAYCARD", method="card", amount=Decimal("100.00"),
        currency="BRL", country="BR", now=tz.now(), payer={"email": "a@example.com"},
        card_token={"token": "ff8080814c11e237014c1ff593b57b4d", "payment_method_id": "visa"},
    )  # fmt: skip
    [sent] = mp.seen("POST", "/v1/payments")
    assert sent["body"]["token"] == "ff8080814c11e237014c1ff593b57b4d"
    assert sent["body"]["capture"] is False and "card_number" not in sent["body"]
    assert issued.approved and issued.card == {"brand": "visa", "last4": "6351"}


def test_the_signature_follows_mercadopagos_manifest():
    """The manifest template of Mercado Pago's notifications guide
    (https://www.mercadopago.com.br/developers/en/docs/checkout-api-v2/notifications):
    id:[data.id_url];request-id:[x-request-id_header];ts:[ts_header]; — HMAC-SHA256, hex. The
    guide's example header is ts=1704908010; it publishes no secret to check a v1 against, so
    the expected value is computed here with hmac directly."""
    manifest = "id:123456;request-id:bb56a2f1-6aae-46ac-982e-9dcd3581d08e;ts:1704908010;"
    expected = hmac.new(b"your-secret", manifest.encode(), hashlib.sha256).hexdigest()
    header = mercadopago.sign("your-secret", "123456", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e",
                              1704908010)  # fmt: skip
    assert header == f"ts=1704908010,v1={expected}"
    assert mercadopago.manifest("ABC123", "r", "1") == "id:abc123;request-id:r;ts:1;"
    assert (
        mercadopago.verify_signature(
            "your-secret", header, "123456", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e", now=1704908010
        )
        == 1704908010
    )
    with pytest.raises(SignatureError):
        mercadopago.verify_signature(
            "your-secret", header, "123457", "bb56a2f1-6aae-46ac-982e-9dcd3581d08e",
            now=1704908010,
        )  # fmt: skip


def test_the_sandbox_webhook_still_works_beside_it(client, settings, market):
    """Registering Mercado Pago leaves the sandbox's signed webhook as it was."""
    a, _b = market
    _group, payment = place(buyer(), lines=[(a.pk, 1)])[:2]
    assert payment.provider == "sandbox"
    assert simulate.sandbox_simulate(payment)[0] == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED


def test_checkout_pays_with_a_mercadopago_card_token(
    mp, market, django_capture_on_commit_callbacks
):
    """The token MercadoPago.js made in the buyer's browser goes through Caravana's checkout to
    POST /v1/payments with the payment_method_id and issuer_id the SDK gave; no card data."""
    a, _b = market
    mp.create = lambda body: mp.payments.setdefault(  # an authorised card
        "1300000998",
        {"id": 1300000998, "status": "authorized", "payment_method_id": body["payment_method_id"],
         "card": {"last_four_digits": "6351"}, "external_reference": body["external_reference"],
         "transaction_amount": body["transaction_amount"], "currency_id": "BRL"},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        _g, payment, _r = place(
            buyer(), lines=[(a.pk, 1)], method="card", installments=2,
            card_token="ff8080814c11e237014c1ff593b57b4d", card_payment_method_id="master",
            card_issuer_id="24",
        )  # fmt: skip
    [sent] = mp.seen("POST", "/v1/payments")
    body = sent["body"]
    assert (body["token"], body["payment_method_id"], body["issuer_id"], body["installments"]) == (
        "ff8080814c11e237014c1ff593b57b4d", "master", "24", 2,
    )  # fmt: skip
    assert body["capture"] is False and not {"card_number", "security_code"} & set(body)
    assert (payment.provider, payment.card_last4) == ("mercadopago", "6351")
    assert ProviderCall.objects.get().key == f"capture:{payment.reference}"


def test_a_saved_card_is_refused_with_mercadopago_by_name(mp, market):
    from caravana.payments.models import SavedCard

    a, _b = market
    user = buyer()
    saved = SavedCard.objects.create(
        reference="CRDMPTEST", buyer=user, provider="mercadopago", provider_token="card_1",
        brand="visa", last4="0004", exp_month=11, exp_year=2030,
    )  # fmt: skip
    with pytest.raises(ValidationError) as err:
        place(user, lines=[(a.pk, 1)], method="card", saved_card=saved.reference)
    assert "saved_card" in err.value.message_dict and not mp.requests


def _authorised(mp):
    mp.create = lambda body: mp.payments.setdefault(  # an authorised card
        "1300000997",
        {"id": 1300000997, "status": "authorized", "payment_method_id": body["payment_method_id"],
         "card": {"last_four_digits": "6351"}, "external_reference": body["external_reference"],
         "transaction_amount": body["transaction_amount"], "currency_id": "BRL"},
    )  # fmt: skip


def test_installments_are_recorded_as_mercadopago_quotes_them(
    client, mp, market, django_capture_on_commit_callbacks
):
    """3 installments of a Visa: the recorded payload's 10.49 % (R$ 331.47 on R$ 300.00), not
    Brazil's interest-free rule; the order and payment pages show the total and interest."""
    from django.urls import reverse

    a, _b = market
    user = buyer()
    _authorised(mp)
    with django_capture_on_commit_callbacks(execute=True):
        group, payment, _r = place(
            user, lines=[(a.pk, 1)], method="card", installments=3,
            card_token="ff8080814c11e237014c1ff593b57b4d", card_payment_method_id="visa",
        )  # fmt: skip
    [asked] = mp.seen("GET", "/v1/payment_methods/installments")
    assert asked["query"]["payment_method_id"] == ["visa"]
    quoted = json.loads(FakeInstallments.answer(payment.amount))[0]["payer_costs"][2]
    total = Decimal(str(quoted["total_amount"]))
    assert payment.installments == 3 and payment.installment_total == total
    assert payment.installment_interest == total - payment.amount > 0
    assert sum(Decimal(a) for a in payment.installment_amounts) == total
    # Caravana is paid the price: the interest is the issuer's (the ledger books the price).
    assert mp.seen("POST", "/v1/payments")[0]["body"]["transaction_amount"] == float(payment.amount)
    client.force_login(user)
    order = group.orders.first()
    html = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-testid="payment-installments"' in html and "of it interest" in html


def test_a_count_mercadopago_does_not_quote_is_refused_by_name(mp, market):
    a, _b = market
    _authorised(mp)
    with pytest.raises(ValidationError) as err:
        place(
            buyer(), lines=[(a.pk, 1)], method="card", installments=4,
            card_token="ff8080814c11e237014c1ff593b57b4d", card_payment_method_id="visa",
        )  # fmt: skip
    assert "installments" in err.value.message_dict
    assert not Payment.objects.exists() and not mp.seen("POST", "/v1/payments")


def test_pay_again_records_the_quote_too(mp, market):
    from caravana.payments import issuing

    a, _b = market
    user = buyer()
    group, first, _r = place(user, lines=[(a.pk, 1)], method="pix")
    _authorised(mp)
    payment, _replayed = issuing.create_payment(
        group, user, "card", count=6,
        card={"card_token": "tok-mp-2", "card_payment_method_id": "visa"},
    )  # fmt: skip
    quoted = json.loads(FakeInstallments.answer(group.total))[0]["payer_costs"][3]
    assert payment.installment_total == Decimal(str(quoted["total_amount"]))
    assert len(payment.installment_amounts) == 6


def _pay_again(client, mp, market, settings):
    from django.urls import reverse

    settings.MERCADOPAGO_PUBLIC_KEY = "APP_USR-public-test"
    a, _b = market
    user = buyer()
    group, _first, _r = place(user, lines=[(a.pk, 1)], method="pix")
    client.force_login(user)
    order = group.orders.first()
    return group, order, reverse("orders:action", args=[order.number, "pay"])


def test_pay_again_asks_the_cardholders_name_and_document(client, mp, market, settings):
    from django.urls import reverse

    group, order, _url = _pay_again(client, mp, market, settings)
    html = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-card-fields="mercadopago"' in html
    assert f'name="card_holder" value="{group.recipient}"' in html
    assert 'value="br.cpf" data-mp-type="CPF" selected' in html
    assert f'name="card_holder_id" value="{group.buyer_id_number}"' in html


@pytest.mark.parametrize(
    "holder, field",
    [
        ({"card_holder": "", "card_holder_id": "390.533.447-05"}, "card_holder"),
        ({"card_holder": "Ana Souza", "card_holder_id": "390.533.447-06"}, "card_holder_id"),
        ({"card_holder": "Ana Souza", "card_holder_id": ""}, "card_holder_id"),
        (
            {
                "card_holder": "Ana Souza",
                "card_holder_id": "12.531.909-2",
                "card_holder_id_type": "cl.rut",
            },
            "card_holder_id_type",
        ),
    ],
)
def test_a_bad_cardholder_field_is_named_and_nothing_is_charged(
    client, mp, market, settings, holder, field
):
    _group, _order, url = _pay_again(client, mp, market, settings)
    before = len(mp.seen("POST", "/v1/payments"))
    page = client.post(url, {
        "method": "card", "installments": "1", "card_token": "tok-mp-3",
        "card_payment_method_id": "visa", "card_holder_id_type": "br.cpf", **holder,
    })  # fmt: skip
    assert page.status_code == 422
    assert f'data-field="{field}"' in page.content.decode()
    assert len(mp.seen("POST", "/v1/payments")) == before
    assert Payment.objects.filter(method="card").count() == 0


def test_the_cardholder_is_the_payer_mercadopago_is_told_of(client, mp, market, settings):
    _group, _order, url = _pay_again(client, mp, market, settings)
    _authorised(mp)
    page = client.post(url, {
        "method": "card", "installments": "1", "card_token": "tok-mp-4",
        "card_payment_method_id": "visa", "card_holder": "Ana Maria Souza",
        "card_holder_id_type": "br.cpf", "card_holder_id": "390.533.447-05",
    })  # fmt: skip
    assert page.status_code == 302
    body = mp.seen("POST", "/v1/payments")[-1]["body"]
    assert body["payer"]["identification"] == {"type": "CPF", "number": "39053344705"}
    assert (body["payer"]["first_name"], body["payer"]["last_name"]) == ("Ana", "Maria Souza")
    assert mercadopago.identification_type("pe.cui") == "DNI"  # not python-stdnum's name
