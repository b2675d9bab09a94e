"""The polling task against a local HTTP server answering recorded payloads (no mocks): each
parcel still on its way is asked about; a second poll records nothing new; a failing answer is
counted and the others go on."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from caravana.carrier_events import polling, tasks
from caravana.carrier_events.models import CarrierFeed
from caravana.tracking import queries
from caravana.tracking.models import TrackingEvent
from tests.carrier_events.conftest import FIXTURES

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tracking_api():
    """A carrier's tracking API on 127.0.0.1: GET /track/<number> answers the recorded
    Correos de Chile payload for that number; numbers in `missing` answer 404."""
    template = (FIXTURES / "correos_chile.json").read_text()
    missing: set[str] = set()
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            number = self.path.rsplit("/", 1)[-1]
            asked.append(number)
            if number in missing:
                self.send_response(404)
                self.end_headers()
                return
            body = template.replace("{s10}", number).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/track/{{n}}", missing, asked
    server.shutdown()
    server.server_close()


def test_poll_records_and_repeats_nothing(carrier_parcel, feed, tracking_api):
    url, missing, asked = tracking_api
    a = carrier_parcel("cl-correos")
    b = carrier_parcel("cl-correos")
    c = carrier_parcel("cl-correos")
    missing.add(c.s10)
    feed("cl-correos", "correos-chile", poll_url=url, poll_enabled=True)
    out = tasks.poll_carriers()
    assert out == {"cl-correos": 6}
    assert sorted(asked) == sorted([a.s10, b.s10, c.s10])
    for p in (a, b):
        assert queries.tracking_view(p.s10).status == "delivered"
        assert TrackingEvent.objects.filter(parcel=p, source="carrier:cl-correos").count() == 3
    assert CarrierFeed.objects.get().last_polled_at is not None
    # Delivered parcels are not asked again; the failed one is, and still fails.
    asked.clear()
    result = polling.poll(CarrierFeed.objects.select_related("carrier").get())
    assert asked == [c.s10]
    assert (result.asked, result.failed) == (1, 1)
    assert "HTTPStatusError" in result.errors[0]


def test_a_repeated_answer_is_duplicates(carrier_parcel, feed, tracking_api):
    url, _missing, _asked = tracking_api
    carrier_parcel("cl-correos")
    f = feed("cl-correos", "correos-chile", poll_url=url, poll_enabled=True)
    first = polling.poll(f)
    assert first.ingested.created == 3
    TrackingEvent.objects.filter(code="EMI").delete()  # asked again: the rest is known
    again = polling.poll(f)
    assert again.ingested.created == 1 and again.ingested.duplicates == 2


def test_a_private_address_is_refused(carrier_parcel, feed, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    carrier_parcel("cl-correos")
    f = feed("cl-correos", "correos-chile", poll_url="http://127.0.0.1:9/{n}", poll_enabled=True)
    result = polling.poll(f)
    assert result.failed == 1 and "RefusedTarget" in result.errors[0]


def test_only_feeds_that_can_poll(feed, network):
    feed("mx-99minutos", "99minutos", poll_url="http://127.0.0.1/{n}", poll_enabled=True)
    feed("br-correios", "correios", poll_url="", poll_enabled=True)
    assert polling.feeds_to_poll() == []
    json.dumps(tasks.poll_carriers())  # runs, polls nothing
