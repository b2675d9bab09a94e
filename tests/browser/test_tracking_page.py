"""The public tracking page of a parcel in transit, in Portuguese, in a real Chromium: the
buyer types the number into the search box, and sees the status, the route map (inline SVG,
no tile server) and the timeline in local times."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.fulfillment.services import parcels
from caravana.network.models import Carrier, Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from caravana.tracking import ingestion
from tests import factories as f
from tests.fulfillment.conftest import TODAY, parcel_data
from tests.tracking.conftest import walk_to_gateway

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tracking_page_in_portuguese_with_map_and_timeline(live_server, page):
    seed_network(TODAY)
    parcel = parcels.create_parcel(f.merchant(), parcel_data(recipient_city="Rio de Janeiro"))
    staff = f.user(Role.HUB)
    add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)
    walk_to_gateway(parcel, staff)
    correios = Carrier.objects.get(code="br-correios")
    at = timezone.now() + dt.timedelta(minutes=3)
    ingestion.ingest_carrier_events(
        correios,
        [ingestion.CarrierEventIn("c-1", parcel.s10, "EDB", at, "GRU", "Receita Federal, GRU")],
    )

    page.context.add_cookies(
        [{"name": "django_language", "value": "pt-br", "url": live_server.url}]
    )
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(live_server.url + "/track/")
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    box = page.locator("#trk-q")
    expect(box).to_be_focused()
    page.keyboard.type(parcel.s10)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/track/{parcel.s10}/$"))

    expect(page.locator("[data-status]")).to_have_attribute("data-status", "in_transit")
    svg = page.locator("[data-route-map] svg")
    expect(svg).to_be_visible()
    points = page.locator("[data-route-point]")
    expect(points).to_have_count(3)
    expect(page.locator('[data-route-point="destination"]')).to_contain_text("Rio de Janeiro")
    expect(page.locator('[data-route-point="gateway"]')).to_contain_text("GRU")
    expect(page.locator("[data-current-position]")).to_have_count(1)
    box_w = svg.bounding_box()["width"]
    assert box_w > 300  # drawn at a readable size

    items = page.locator("[data-timeline] li")
    # label created, EMA (the hub's first scan), EMB, bagged, in ULD, loaded, EMC, EMD, EDB
    expect(items).to_have_count(9)
    expect(items.first).to_have_attribute("data-code", "EDB")
    expect(items.first.locator("time")).to_have_attribute("data-tz", "America/Sao_Paulo")
    expect(items.first.locator("time")).to_contain_text("UTC−03:00")
    expect(items.last.locator("time")).to_contain_text("UTC+08:00")  # the label, in Shenzhen
    expect(items.last.locator("time")).to_contain_text(re.compile(r"\d+ de \w{3}\. de \d{4}"))
    # Everything on the page came from the app itself: no tile server, no CDN.
    assert requested and all(u.startswith(live_server.url) for u in requested), requested
    if (shots := __import__("os").environ.get("TRACKING_SCREENSHOT")) is not None:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=shots or "var/tracking-page.png", full_page=True)


@pytest.mark.parametrize(
    ("events", "status", "words"),
    [
        # Delivered, then a scan stamped after the delivery: still delivered.
        ([("EMI", {}), ("EDD", {})], "delivered", "Entregado"),
        ([("EMI", {}), ("EDX", {"decision": "returned"})], "return_to_sender",
         "En devolución al remitente"),
        ([("EME", {"reason": "Mercancía prohibida"}), ("EDX", {"decision": "seized"}),
          ("EDD", {})], "seized", "Incautado por la aduana"),
        ([("EDX", {"decision": "disposed"})], "disposed", "Destruido o eliminado"),
        ([("EDX", {"decision": "abandoned"})], "abandoned", "Abandonado"),
    ],
)  # fmt: skip
def test_each_terminal_status_reads_well_on_wide_and_narrow_screens(
    live_server, page, events, status, words
):
    """The chip of each final outcome, in Spanish, at 1366 and 390 px: its own words, and no
    line wider than the screen."""
    seed_network(TODAY)
    parcel = parcels.create_parcel(f.merchant(), parcel_data(recipient_city="São Paulo"))
    staff = f.user(Role.HUB)
    add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)
    walk_to_gateway(parcel, staff)
    correios = Carrier.objects.get(code="br-correios")
    start = timezone.now() + dt.timedelta(minutes=3)
    ingestion.ingest_carrier_events(
        correios,
        [
            ingestion.CarrierEventIn(
                f"t-{i}", parcel.s10, code, start + dt.timedelta(minutes=i), "GRU", "GRU",
                reason=details.pop("reason", ""), details=details or None,
            )
            for i, (code, details) in enumerate(events)
        ],
    )  # fmt: skip
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    shots = __import__("os").environ.get("TRACKING_SCREENSHOT_DIR")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/track/{parcel.s10}/")
        chip = page.locator(".trk-chip")
        expect(chip).to_have_attribute("data-status", status)
        expect(chip).to_have_text(words)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if shots:
            page.screenshot(path=f"{shots}/{status}-{width}.png", full_page=width == 390)
