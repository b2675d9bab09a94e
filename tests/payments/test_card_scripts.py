"""Which script tokenises a new card in the buyer's browser (issue 16): the sandbox's own, or
Stripe.js / MercadoPago.js when that provider takes the country's cards and its public key is
set, and the Content-Security-Policy widened for that provider on those pages only. Mercado
Pago's installment quote (GET /v1/payment_methods/installments) priced on the page, from a
local server answering a payload in the documented shape (tests/payments/payloads/); the
sandbox's Colombian interest labelled a demo assumption."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse

from caravana.payments import issuing, providers
from tests.orders.support import buyer

pytestmark = pytest.mark.django_db

PAYLOADS = Path(__file__).parent / "payloads"


def _checkout_page(client, market, country: str = "BR"):
    a, _b = market
    client.post("/country/", {"country": country, "language": "en"})
    client.force_login(buyer())
    client.post(reverse("orders:cart_add"), {"variant": a.pk})
    return client.get(reverse("orders:checkout"))


def _csp(response) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in response["Content-Security-Policy"].split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


class FakeInstallments:
    """Mercado Pago's installments endpoint on 127.0.0.1, answering the recorded payload."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlsplit(self.path)
                fake.requests.append({"path": url.path, "query": dict(parse_qsl(url.query)),
                                      "auth": self.headers.get("Authorization")})  # fmt: skip
                if url.path == "/v1/payment_methods/installments":
                    body = fake.answer(Decimal(dict(parse_qsl(url.query))["amount"]))
                    status = 200
                else:
                    body, status = b'{"message": "not found"}', 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def answer(amount: Decimal) -> bytes:
        """The payload was recorded for R$ 300.00: its amounts scaled to the amount asked."""
        data = json.loads((PAYLOADS / "mp_installments_visa.json").read_text())
        ratio = amount / Decimal(300)
        for cost in data[0]["payer_costs"]:
            for k in ("installment_amount", "total_amount"):
                cost[k] = float((Decimal(str(cost[k])) * ratio).quantize(Decimal("0.01")))
        return json.dumps(data).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mp(settings):
    cache.clear()
    fake = FakeInstallments()
    settings.PAYMENTS_PROVIDER = "mercadopago"
    settings.MERCADOPAGO_ACCESS_TOKEN = "APP_USR-test"
    settings.MERCADOPAGO_WEBHOOK_SECRET = "secret"
    settings.MERCADOPAGO_API_URL = fake.url
    settings.MERCADOPAGO_PUBLIC_KEY = "APP_USR-public-test"
    yield fake
    fake.close()
    cache.clear()


def test_the_sandbox_checkout_loads_only_its_own_script(client, market):
    page = _checkout_page(client, market)
    html = page.content.decode()
    assert 'data-card-fields="sandbox"' in html and "/static/sandbox/cards.js" in html
    assert "js.stripe.com" not in html and "sdk.mercadopago.com" not in html
    assert _csp(page)["script-src"] == ["'self'"]


def test_stripe_checkout_loads_stripe_js_and_allows_it_there_only(client, market, settings):
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_x"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_caravana"
    page = _checkout_page(client, market)
    html = page.content.decode()
    assert '<script src="https://js.stripe.com/v3" defer></script>' in html
    assert "/static/payments/stripe-card.js" in html and "/static/sandbox/cards.js" not in html
    assert 'data-card-fields="stripe"' in html and 'data-key="pk_test_caravana"' in html
    assert "data-stripe-card" in html and 'data-card="card_number"' not in html
    assert 'name="save_card"' not in html  # Stripe gives back no reusable card here
    csp = _csp(page)
    assert csp["script-src"] == ["'self'", "https://js.stripe.com"]
    assert {"https://js.stripe.com", "https://hooks.stripe.com"} <= set(csp["frame-src"])
    assert "https://api.stripe.com" in csp["connect-src"]
    assert "https://hooks.stripe.com" in csp["form-action"]  # the 3-D Secure redirect
    # Any other page keeps the site's own policy.
    assert _csp(client.get("/"))["script-src"] == ["'self'"]


def test_without_the_publishable_key_no_provider_script_is_loaded(client, market, settings):
    settings.PAYMENTS_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PUBLISHABLE_KEY = ""
    page = _checkout_page(client, market)
    html = page.content.decode()
    assert "js.stripe.com" not in html and 'name="card_token"' not in html
    assert _csp(page)["script-src"] == ["'self'"]


def test_mercadopago_checkout_loads_its_sdk_and_prices_installments_as_quoted(client, market, mp):
    page = _checkout_page(client, market)
    html = page.content.decode()
    assert '<script src="https://sdk.mercadopago.com/js/v2" defer></script>' in html
    assert "/static/payments/mercadopago-card.js" in html
    assert 'data-key="APP_USR-public-test"' in html
    assert 'name="card_payment_method_id"' in html and 'name="card_issuer_id"' in html
    assert 'data-card="card_number"' not in html  # the number is a Secure Field (iframe)
    csp = _csp(page)
    assert "https://sdk.mercadopago.com" in csp["script-src"]
    assert "https://api.mercadopago.com" in csp["connect-src"]
    [asked] = [r for r in mp.requests if r["path"] == "/v1/payment_methods/installments"]
    assert asked["query"]["payment_method_id"] == "visa" and "amount" in asked["query"]
    assert asked["auth"] == "Bearer APP_USR-test"
    # Only the counts Mercado Pago quotes (1, 2, 3, 6 of Brazil's 1-12); 3 and 6 with its
    # interest and total, 2 interest-free.
    options = html.split('<select id="installments"')[1].split("</select>")[0]
    assert options.count("<option") == 4
    assert options.count("with interest") == 2 and options.count("interest-free") == 1
    assert "Mercado Pago quotes" in html
    # The quote is cached: a second render asks no more.
    client.get(reverse("orders:checkout"))
    assert len(mp.requests) == 1


def test_the_adapter_reads_the_payer_costs(mp):
    costs = providers.get("mercadopago").installment_costs(Decimal("300.00"), bin="45099999123")
    assert [c.count for c in costs] == [1, 2, 3, 6]
    three = costs[2]
    assert (three.rate, three.each, three.total) == (
        Decimal("10.49"), Decimal("110.49"), Decimal("331.47"),
    )  # fmt: skip
    assert mp.requests[-1]["query"] == {"amount": "300.00", "bin": "45099999"}


def test_a_quote_that_cannot_be_had_falls_back_to_the_rule(market, mp, settings):
    settings.MERCADOPAGO_API_URL = "http://127.0.0.1:9"  # nothing listens
    options = issuing.installment_options("BR", Decimal("300.00"), "BRL")
    assert [o.count for o in options] == list(range(1, 13)) and all(
        o.interest_free for o in options
    )


def test_colombias_sandbox_interest_is_labelled_a_demo_assumption():
    note = issuing.installment_note("CO")
    assert "Sandbox demo" in note and "1.9 %" in note and "assumption" in note
    assert issuing.installment_note("BR") == ""  # interest-free: nothing to explain


def test_recorded_payload_is_the_documented_shape():
    data = json.loads((PAYLOADS / "mp_installments_visa.json").read_text())
    cost = data[0]["payer_costs"][0]
    assert {"installments", "installment_rate", "installment_amount", "total_amount"} <= set(cost)
