"""The Andreani number adapter against a local HTTP server that answers as Andreani's API v2
is documented to (login token in a header, 202 with bultos[].numeroDeEnvio): the recorded
answer in data/andreani_orden_202.json has the documented shape, with illustrative values
(the number is the reference's example, 9134669991). No mocks: real HTTP through
caravana.outbound."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError

from caravana.codes import carriers as carrier_numbers
from caravana.fulfillment.services import parcels as parcel_services
from caravana.handover import adapters
from caravana.handover.andreani import AndreaniNumbers
from caravana.network.models import Carrier
from caravana.network.seed import seed_network
from tests import factories as f
from tests.fulfillment.conftest import parcel_data

pytestmark = pytest.mark.django_db
RECORDED = json.loads((Path(__file__).parent / "data" / "andreani_orden_202.json").read_text())
TOKEN = "token-from-login"


class Andreani:
    """A local stand-in for Andreani's API: what it was sent, and what it answers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.answer: tuple[int, bytes] = (202, json.dumps(RECORDED).encode())
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self, body: bytes = b"") -> None:
                owner.requests.append((self.command, self.path, dict(self.headers), body))

            def do_GET(self):  # noqa: N802 (http.server's naming)
                self._record()
                ok = self.path == "/login" and self.headers.get("Authorization", "").startswith(
                    "Basic "
                )
                self.send_response(200 if ok else 401)
                if ok:
                    self.send_header("x-authorization-token", TOKEN)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._record(body)
                status, payload = owner.answer
                if self.headers.get("x-authorization-token") != TOKEN:
                    status, payload = 401, b'{"title": "Unauthorized"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(settings):
    server = Andreani()
    settings.HANDOVER_ANDREANI = {
        "base_url": server.url, "user": "caravana", "password": "secret",
        "contract": "400006709", "sender_name": "Caravana", "origin_postal_code": "1802",
    }  # fmt: skip
    settings.HANDOVER_NUMBER_ADAPTERS = {
        "ar-andreani": "caravana.handover.andreani.AndreaniNumbers"
    }
    yield server
    server.close()


@pytest.fixture
def parcel():
    seed_network(timezone.now().date())
    return parcel_services.create_parcel(f.merchant(), parcel_data())


def test_the_number_comes_from_the_documented_answer(api, parcel):
    andreani = Carrier.objects.get(code="ar-andreani")
    source = adapters.for_carrier(andreani)
    assert isinstance(source, AndreaniNumbers)
    number = source.number_for(parcel)
    assert number == "9134669991" and carrier_numbers.is_valid("andreani", number)
    (login, order) = api.requests
    assert login[:2] == ("GET", "/login")
    method, path, headers, body = order
    assert (method, path) == ("POST", "/v2/ordenes-de-envio")
    sent = json.loads(body)
    assert sent["idPedido"] == parcel.s10 and sent["contrato"] == "400006709"
    assert sent["destinatario"][0]["nombreCompleto"] == parcel.recipient_name
    assert sent["bultos"][0]["volumenCm"] == parcel.volume_cm3


@pytest.mark.parametrize(
    "answer, words",
    [
        ((500, b"{}"), "answered 500"),
        ((202, b'{"bultos": []}'), "numeroDeEnvio"),
        ((202, b"not json"), "numeroDeEnvio"),
    ],
)
def test_a_failed_call_names_the_carrier_field(api, parcel, answer, words):
    api.answer = answer
    with pytest.raises(ValidationError) as exc:
        adapters.for_carrier(Carrier.objects.get(code="ar-andreani")).number_for(parcel)
    message = exc.value.message_dict["carrier"][0]
    assert "Andreani" in message and words in message and parcel.s10 in message


def test_an_unreachable_api_and_a_refused_login_are_errors_too(settings, api, parcel):
    andreani = Carrier.objects.get(code="ar-andreani")
    settings.HANDOVER_ANDREANI = {**settings.HANDOVER_ANDREANI, "password": ""}
    settings.HANDOVER_ANDREANI["base_url"] = api.url + "/nowhere"
    with pytest.raises(ValidationError) as exc:
        AndreaniNumbers(andreani).number_for(parcel)
    assert "login answered 401" in exc.value.message_dict["carrier"][0]
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # loopback is private: refused before connecting
    with pytest.raises(ValidationError) as exc:
        AndreaniNumbers(andreani).number_for(parcel)
    assert "did not answer" in exc.value.message_dict["carrier"][0]


def test_the_documents_twelve_digit_example_is_not_an_andreani_number_here():
    """The integration's example answer carries 300012345678 (12 digits); the reference
    gives Andreani numbers 10 digits: such a number would be refused at the handover."""
    with pytest.raises(StdnumError):
        carrier_numbers.validate("andreani", "300012345678")
