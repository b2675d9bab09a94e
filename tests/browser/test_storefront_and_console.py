"""The two journeys of the foundation issue, in a real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from caravana.accounts.models import Role
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop():
    f.fx_rates()
    audio = f.category("audio", name_pt_br="Áudio", name_es="Audio")
    cases = f.category("cases", name_pt_br="Capinhas", name_es="Fundas")
    s = f.store(slug="huaqiang")
    earphones = f.product(
        s,
        cat=audio,
        price="129.00",
        title_pt_br="Fone de ouvido Bluetooth TWS",
        title_es="Audífonos Bluetooth TWS",
        title_en="TWS Bluetooth earphones",
        description_pt_br="Fone sem fio com estojo de carga.",
    )
    case = f.product(
        s,
        cat=cases,
        price="19.90",
        hs_code="392690",
        title_pt_br="Capinha de silicone para iPhone",
        title_es="Funda de silicona",
    )
    return earphones, case


def test_buyer_in_brazil_searches_and_sees_brl(live_server, page, shop):
    earphones, case = shop
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/country/$"))
    page.locator('button[data-country="BR"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")

    page.locator("input[name=q]").first.fill("capinha")
    page.locator("input[name=q]").first.press("Enter")
    expect(page.locator(f'a.card[data-product="{case.pk}"]')).to_be_visible()

    page.locator("input[name=q]").first.fill("fone")
    page.locator("input[name=q]").first.press("Enter")
    card = page.locator(f'a.card[data-product="{earphones.pk}"]')
    expect(card).to_contain_text("Fone de ouvido Bluetooth TWS")
    card.click()
    total = page.get_by_test_id("landed-total")
    expect(total).to_have_attribute("data-currency", "BRL")
    expect(total).to_have_text(re.compile(r"^R\$\s\d+,\d\d$"))
    breakdown = page.get_by_test_id("breakdown")
    expect(breakdown.locator('tr[data-kind="tax"]')).not_to_be_visible()
    breakdown.locator("summary").click()
    # the goods: CNY 129.00 at 5.40/7.10 BRL per CNY = R$ 98.11; then shipping, II and ICMS
    expect(breakdown.locator('tr[data-kind="goods"]')).to_contain_text("98,11")
    expect(breakdown.locator('tr[data-kind="tax"]')).to_contain_text("ICMS")
    expect(breakdown.locator('tr[data-kind="duty"]')).to_be_visible()
    page.screenshot(path="var/screenshot-product-br.png")


def test_merchant_fixes_a_wrong_hs_code_and_finds_the_product(live_server, page, shop):
    staff = f.user(Role.MERCHANT, username="lihua")
    earphones, _case = shop
    f.fx_rates()
    from caravana.catalog import services

    services.add_member(earphones.store.merchant, staff)

    page.goto(live_server.url + "/accounts/login/?next=/console/products/new/")
    page.fill("#id_username", "lihua")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/console/products/new/$"))

    page.select_option("#id_store", label=earphones.store.name)
    page.select_option("#id_category", label="Audio")
    page.fill("#id_hs_code", "851899")  # not a subheading
    page.fill("#id_title_zh_hans", "骨传导耳机")
    page.fill("#id_title_pt_br", "Fone de condução óssea")
    page.locator("#product-form button[type=submit]").click()
    field = page.locator('[data-field="hs_code"]')
    expect(field).to_have_class(re.compile("has-error"))
    expect(field.locator(".errorlist")).to_contain_text("851899")

    page.fill("#id_hs_code", "851830")
    page.locator("#product-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/products/\d+/$"))
    page.fill("#id_sku", "BONE-1")
    page.fill("#id_price", "199")
    page.fill("#id_weight_g", "120")
    page.fill("#id_length_cm", "15")
    page.fill("#id_width_cm", "10")
    page.fill("#id_height_cm", "5")
    page.locator("#variant-form button[type=submit]").click()
    expect(page.locator("table")).to_contain_text("BONE-1")

    page.goto(live_server.url + "/country/")
    page.locator('button[data-country="BR"]').click()
    page.locator("input[name=q]").first.fill("conducao ossea")
    page.locator("input[name=q]").first.press("Enter")
    expect(page.locator("a.card")).to_contain_text("Fone de condução óssea")
