"""The progress flow in a real Chromium: the job page polls with htmx while a worker is not yet
running, then shows the finished bar and the download (a label batch) or goes on to the plan
(a flight plan), without a reload."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.fulfillment.services import hub_steps
from caravana.jobs.models import Job
from tests import factories as f
from tests.browser.axe import violations
from tests.browser.journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_job_page_polls_until_done_then_offers_the_download(
    live_server, page, broker, make_parcel, merchant, media_root
):
    parcels = [make_parcel() for _ in range(2)]
    page.goto(live_server.url + "/accounts/login/?next=/console/parcels/")
    log_in(page, merchant.members.get().user)
    for p in parcels:
        page.get_by_label(p.s10).check()
    page.get_by_role("button", name="Print selected labels").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    status = page.get_by_test_id("job")
    expect(status).to_contain_text("Waiting for a worker")
    expect(page.locator("progress.job")).to_have_attribute("data-state", "queued")
    assert violations(page) == []
    with broker():
        expect(page.locator("progress.job")).to_have_attribute("data-state", "done", timeout=30_000)
    expect(status).to_contain_text("2 labels.")
    expect(page.locator("progress.job")).to_have_attribute("value", "2")
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert violations(page) == []
    assert Job.objects.get().state == "done"


def test_a_plan_job_goes_on_to_the_plan(live_server, page, broker, hub_user, make_parcel):
    for _ in range(2):
        p = make_parcel()
        hub_steps.receive(hub_user, p.s10, 500, 20, 15, 10)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
    hub_steps.close_bag(hub_user, bag.identifier)
    planner = f.user(Role.PLANNER)
    today = timezone.now().date().isoformat()
    page.goto(live_server.url + f"/accounts/login/?next=/planning/%3Fstart%3D{today}")
    log_in(page, planner)
    page.get_by_test_id("run-plan").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job")).to_contain_text("Waiting for a worker")
    with broker():
        expect(page).to_have_url(re.compile(r"/planning/runs/\d+/$"), timeout=60_000)
    expect(page.get_by_test_id("plan-summary")).to_be_visible()
