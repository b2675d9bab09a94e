"""A hub receive-and-bag sequence driven by keyboard scans in a real Chromium: a scanner types
the code into the focused input and presses Enter; the page answers in colour and keeps focus."""

import re

import pytest
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.fulfillment.models import Bag, Parcel
from caravana.fulfillment.services import parcels
from caravana.network.models import Hub
from caravana.network.seed import seed_network
from caravana.network.services import add_hub_member
from tests import factories as f
from tests.fulfillment.conftest import TODAY, parcel_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scan(page, text):
    """What a USB scanner does: keystrokes into whatever has focus, then Enter."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_receive_and_bag_by_keyboard_scans(live_server, page):
    seed_network(TODAY)
    merchant = f.merchant()
    first = parcels.create_parcel(merchant, parcel_data())
    second = parcels.create_parcel(merchant, parcel_data())
    standalone = parcels.create_parcel(merchant, parcel_data())
    Parcel.objects.filter(pk=standalone.pk).update(battery="standalone")
    staff = f.user(Role.HUB, username="wang")
    add_hub_member(Hub.objects.get(code="SZX-HUB"), staff)

    page.goto(live_server.url + "/accounts/login/?next=/hub/")
    page.fill("#id_username", "wang")
    page.fill("#id_password", f.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/hub/$"))

    box = page.locator("[data-scan-input]")
    status = page.locator("#scan-status")
    expect(box).to_be_focused()

    scan(page, f"{first.s10} 520 20x15x10")
    expect(status).to_have_class(re.compile("scan-ok"))
    expect(status).to_contain_text("GRU-CORREIOS")
    expect(page.locator("[data-scan-panel]")).to_have_attribute("data-result", "ok")
    expect(box).to_be_focused()
    expect(box).to_have_value("")

    wrong = first.s10[:10] + str((int(first.s10[10]) + 1) % 10) + first.s10[11:]
    scan(page, f"{wrong} 520 20x15x10")
    expect(status).to_have_class(re.compile("scan-err"))
    expect(status).to_contain_text("check digit")
    expect(page.locator("[data-scan-panel]")).to_have_attribute("data-result", "error")
    expect(box).to_be_focused()

    scan(page, f"{standalone.s10} 300 10x10x5")
    expect(status).to_have_class(re.compile("scan-err"))
    expect(status).to_contain_text("lithium")

    scan(page, f"{second.s10} 480 20x15x10")
    expect(status).to_have_class(re.compile("scan-ok"))
    expect(page.locator("#scans > li")).to_have_count(4)
    expect(page.locator("#scans > li").first).to_contain_text(second.s10)

    scan(page, first.s10)  # already bagged, no measures: refused
    expect(status).to_have_class(re.compile("scan-err"))

    bag = Bag.objects.get()
    scan(page, bag.identifier)
    expect(status).to_have_class(re.compile("scan-ok"))
    expect(status).to_contain_text("closed")
    expect(box).to_be_focused()
    assert Bag.objects.get().state == Bag.State.CLOSED and bag.parcels.count() == 2
    assert Parcel.objects.get(pk=standalone.pk).state == Parcel.State.LABEL_CREATED
