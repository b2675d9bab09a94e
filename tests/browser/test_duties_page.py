"""The operators' duty reconciliation in a real Chromium, at 1366 and 390 px: nothing sticks out
sideways on a phone, the chart is drawn, and with --screenshots the page goes to
docs/screenshots/br-duties-<width>.png."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.duties import services
from caravana.duties.seed import ensure_reference
from caravana.network.seed import seed_network
from caravana.orders.shipping import ship_as_parcel
from caravana.payments import ledger, simulate
from tests import factories as f
from tests.browser import journey as j
from tests.browser.axe import overflow, sticking_out
from tests.orders.support import buyer, ensure_pricing, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def books(settings):
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    ensure_pricing()
    f.fx_rates()
    seed_network(timezone.now().date())
    ensure_reference()
    a = f.product(price="100.00", stock=10, title_en="Earphones").variants.get()
    b = f.product(price="50.00", stock=10, hs_code="392690", title_en="Case").variants.get()
    group, payment, _r = place(buyer(), lines=[(a.pk, 1), (b.pk, 2)])
    simulate.sandbox_simulate(payment)
    for order, extra in zip(group.orders.order_by("pk"), ("4.20", "-1.30"), strict=True):
        parcel = ship_as_parcel(order, "SZX-HUB")
        by_tax = ledger.collected_by_tax(order)
        services.record_assessment(
            parcel, {"ii": by_tax["ii"] + Decimal(extra), "icms": by_tax["icms"]}, "DI demo"
        )
    f.user(Role.OPERATOR, username="op")


def test_the_duty_report_fits_a_phone_and_draws_its_chart(live_server, page, books, request):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "op")
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    today = dt.date.today()
    query = f"?country=BR&start={today - dt.timedelta(days=13)}&end={today + dt.timedelta(1)}"
    page.goto(live_server.url + "/operations/duties/" + query)
    assert page.locator("[data-testid=balanced]").is_visible()
    assert page.locator("svg.duty-chart rect").count() >= 2
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(150)
    assert overflow(page) <= 0, sticking_out(page)
    shots = j.SHOT_DIR if request.config.getoption("--screenshots") else None
    j.shoot(page, shots, "br", "duties")
