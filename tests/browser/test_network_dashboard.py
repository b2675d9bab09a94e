"""The operators' network dashboard in a real Chromium: a small fast-mode twin run kept in the
database shows its tiles, five charts with their figures a click away and tables (its origin
hubs' with a bar each); axe passes at 1366 and 320 px in English and
Spanish, nothing sticks out sideways at 390 px (charts and tables scroll in their boxes), and
the CSV link downloads the run's rows. Screenshots of both widths go to var/ (not committed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.twin import services
from caravana.twin.model import Run, Simulation
from tests import factories as f
from tests.browser.axe import overflow, sticking_out
from tests.browser.journey import WIDTHS
from tests.browser.test_accessibility import auditor  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VAR = Path(__file__).resolve().parents[2] / "var"


@pytest.fixture
def kept_run():
    sim = Simulation(Run(3, 2_000, 3, dt.date(2026, 11, 9)))
    sim.run_all()
    f.user(Role.OPERATOR, username="olga")
    return services.record_run(
        mode="fast", run=sim.run, sim=sim, counters=sim.counters, started=timezone.now()
    )


def test_network_dashboard_reads_on_a_laptop_and_a_phone(auditor, kept_run):  # noqa: F811
    for locale in ("en-US", "es-ES"):
        a = auditor(locale)
        a.login("olga")
        a.visit("/operations/network/")
        page = a.page
        assert page.locator('[data-testid="kpis"] li').count() == 8
        # 2,000 parcels a day fly by belly: no charter, so no fill to draw, and a note says so
        assert page.locator("figure.chart svg").count() == 4
        assert page.get_by_test_id("chart-fill").locator("p.muted").is_visible()
        lanes = page.locator('[data-testid="lanes"] tbody tr th')
        assert lanes.count() == 7  # Brazil's two (GRU, and VCP for its economy parcels)
        if locale == "en-US":
            assert lanes.nth(0).inner_text() == "SZX-GRU (BR: premium, standard)"
            assert lanes.nth(1).inner_text() == "SZX-VCP (BR: economy)"
            assert lanes.nth(2).inner_text() == "CAN-MEX (MX)"
        hubs = page.locator('[data-testid="hubs"] tbody tr')
        assert hubs.count() == 5  # Yiwu's feeder hub among them, flying from HGH
        yiwu = hubs.filter(has_text="YIW-HUB")
        assert yiwu.locator("td").first.inner_text() == "HGH"
        assert yiwu.locator(".bar svg rect").count() == 1
        if locale == "es-ES":
            assert page.locator("#hubs-heading").inner_text() == "Centros de origen"
        # each chart's figures, day by day, a click away (its text equivalent)
        on_time = page.get_by_test_id("chart-on_time")
        on_time.locator("summary").click()
        assert on_time.locator("table tbody tr").count() == 3
        assert on_time.locator("table tbody tr").first.is_visible()
        a.check("/operations/network/ (a chart's figures open)")
        assert not a.problems, a.problems
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(150)
            assert overflow(page) <= 0, (width, sticking_out(page))
            VAR.mkdir(exist_ok=True)
            page.screenshot(path=str(VAR / f"network-dashboard-{locale}-{width}.png"),
                            full_page=True)  # fmt: skip
        if locale == "es-ES":
            assert "Envíos recibidos" in page.locator('[data-testid="parcels-in"]').inner_text()
            assert (
                "Los vuelos que tomaron"
                in page.get_by_test_id("flights-of-its-parcels").inner_text()
            )
            continue
        assert "a kg" in page.get_by_test_id("flights-of-its-parcels").inner_text()
        with page.expect_download() as got:
            page.get_by_test_id("csv-parcels").click()
        text = Path(got.value.path()).read_text(encoding="utf-8")
        assert text.startswith("\ufeffdate,country,lane,service,parcels_in")  # a BOM first
        assert len(text.splitlines()) == len(kept_run.parcel_rows["rows"]) + 1
