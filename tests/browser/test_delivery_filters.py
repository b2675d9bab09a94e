"""The free-shipping and delivery-speed filters in a real Chromium: ticking "free shipping"
narrows the results and puts it in the URL, a delivery speed adds a second chip, a chip removes
its filter, axe finds nothing, at 1366 px and at 390 px (screenshots in var/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from caravana.catalog import delivery_facts, landed
from caravana.catalog.models import Merchant
from caravana.promotions import services as promotions
from tests import factories as f
from tests.browser.axe import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VAR = Path(__file__).resolve().parents[2] / "var"


@pytest.fixture
def shops():
    f.fx_rates()
    audio = f.category("audio", name_pt_br="Áudio")
    free, plain = f.store(), f.store()
    mine = [
        f.product(free, cat=audio, price="80", title_pt_br=f"Fone grátis {i}") for i in range(3)
    ]
    theirs = [f.product(plain, cat=audio, price="60", title_pt_br=f"Fone {i}") for i in range(3)]
    landed.refresh(countries=["BR"])
    promotions.set_free_shipping(Merchant.objects.get(pk=free.merchant_id), "300")
    delivery_facts.set_local_stock(mine[0].pk, ["BR"])
    return {"mine": mine, "theirs": theirs}


@pytest.mark.parametrize("width", [1366, 390])
def test_free_shipping_and_speed_filters_with_chips(live_server, page, shops, width):
    page.set_viewport_size({"width": width, "height": 900})
    url = live_server.url
    page.goto(url + "/country/")
    page.locator('button[data-country="BR"]').click()
    page.goto(url + "/search/?q=fone")
    expect(page.locator(".card")).to_have_count(6)
    expect(page.get_by_test_id("card-free-shipping")).to_have_count(3)

    page.get_by_label("Frete grátis").check()
    expect(page.locator(".card")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"free=1"))
    page.get_by_label("Entrega").select_option("fast")
    expect(page.locator(".card")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"speed=fast"))
    chips = page.get_by_test_id("filter-chips").locator("a.chip")
    expect(chips).to_have_count(2)
    assert violations(page) == []
    page.screenshot(path=str(VAR / f"filters-{width}.png"), full_page=True)

    page.get_by_role("link", name="Remover filtro: Frete grátis").click()
    expect(page).not_to_have_url(re.compile(r"free=1"))
    expect(page).to_have_url(re.compile(r"speed=fast"))
    expect(page.get_by_test_id("filter-chips").locator("a.chip")).to_have_count(1)
    expect(page.get_by_label("Frete grátis")).not_to_be_checked()
    expect(page.locator(".card")).to_have_count(1)
    assert violations(page) == []
