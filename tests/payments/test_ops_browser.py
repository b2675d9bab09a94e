"""The operators' payout run and reconciliation in a real Chromium (issue 19): the button opens
the job's page, which polls while no worker has it yet, a second click opens the same job, and
the finished page gives the outcome and its CSV; the ledger page then tells the last run."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from caravana.accounts.models import Role
from caravana.jobs.models import Job
from tests import factories as f
from tests.browser.axe import violations
from tests.browser.journey import log_in
from tests.jobs.conftest import broker  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_payout_run_is_a_job_with_its_progress_and_its_file(
    live_server,
    page,
    broker,  # noqa: F811
    completed,
    media_root,
):
    operator = f.user(Role.OPERATOR)
    page.goto(live_server.url + "/accounts/login/?next=/operations/payouts/")
    log_in(page, operator)
    page.get_by_test_id("run-payouts").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    first = page.url
    expect(page.get_by_test_id("job")).to_contain_text("Waiting for a worker")
    page.goto(live_server.url + "/operations/payouts/")
    expect(page.get_by_test_id("last-run")).to_contain_text("Follow its progress")
    page.get_by_test_id("run-payouts").click()  # a second click: the same job
    expect(page).to_have_url(first)
    expect(page.get_by_text("This run is already under way")).to_be_visible()
    assert violations(page) == []
    with broker():
        expect(page.locator("progress.job")).to_have_attribute("data-state", "done", timeout=30_000)
    expect(page.get_by_test_id("job")).to_contain_text("2 payout batches created.")
    with page.expect_download() as download:
        page.get_by_test_id("download").click()
    assert re.fullmatch(r"payouts-\d+\.csv", download.value.suggested_filename)
    assert Job.objects.filter(kind="payments.payouts").count() == 1


def test_reconcile_from_the_ledger_page(live_server, page, completed, media_root):
    operator = f.user(Role.OPERATOR)
    page.goto(live_server.url + "/accounts/login/?next=/operations/ledger/")
    log_in(page, operator)
    page.get_by_test_id("reconcile").click()  # eager Celery (the demo): done on arrival
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job")).to_contain_text("The ledger reconciles")
    page.goto(live_server.url + "/operations/ledger/")
    expect(page.get_by_test_id("last-run-state")).to_contain_text("The ledger reconciles")
    assert violations(page) == []
