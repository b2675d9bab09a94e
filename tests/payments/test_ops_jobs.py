"""The operators' reconciliation and payout run are jobs (issue 19): the request only starts one
(a bounded number of queries, whatever the size of the books) and leads to its page; the job
gives what the request used to; a second click while one is under way gets that job back; only
operators start them or see them run."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.celery import app
from caravana.jobs import launch, runner, tasks
from caravana.jobs.models import Job
from caravana.payments import job_kinds, ledger, payouts
from caravana.payments.models import AccountKind, LedgerAccount, PayoutBatch
from tests import factories as f

pytestmark = pytest.mark.django_db

#: Queries of the POST that starts a run: session, user, the running-job check, the insert.
START_QUERIES = 8


@pytest.fixture(autouse=True)
def _job_files(media_root):
    return media_root


@pytest.fixture
def queued(monkeypatch):
    """A broker, not eager Celery: the request enqueues (here: notes the job) and returns;
    nothing runs the job."""
    enqueued: list[int] = []
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(launch.transaction, "on_commit", lambda fn: fn())  # the test's commit
    monkeypatch.setattr(tasks.run_job, "delay", enqueued.append)
    yield enqueued
    app.conf.task_always_eager = eager


@pytest.fixture
def operator() -> Client:
    c = Client()
    c.force_login(f.user(Role.OPERATOR))
    return c


def _rows(job: Job) -> list[list[str]]:
    with job.result_file.open("rb") as fh:
        return list(csv.reader(io.StringIO(fh.read().decode("utf-8-sig"))))


def _start(client: Client, url: str, django_assert_max_num_queries) -> Job:
    """The request only starts the job: its queries are bounded (START_QUERIES), whatever the
    books hold. Not timed: a wall-clock bound fails on a loaded machine, not on slow code."""
    with django_assert_max_num_queries(START_QUERIES):
        r = client.post(url)
    assert r.status_code == 302 and r.url.startswith("/jobs/")
    return Job.objects.get(pk=int(r.url.strip("/").split("/")[1]))


def test_reconcile_starts_a_job_that_finds_what_the_request_found(
    completed, operator, queued, django_assert_max_num_queries
):
    payable = LedgerAccount.objects.filter(kind=AccountKind.MERCHANT_PAYABLE).first()
    LedgerAccount.objects.filter(pk=payable.pk).update(balance=F("balance") + 1)  # a bad book
    expected = ledger.reconcile()
    assert expected  # the old request's list
    url = reverse("operations:reconcile")
    job = _start(operator, url, django_assert_max_num_queries)
    assert (job.kind, job.state, job.once_key) == (
        job_kinds.RECONCILE,
        "queued",
        "payments.reconcile",
    )
    again = _start(operator, url, django_assert_max_num_queries)
    assert again.pk == job.pk and Job.objects.filter(kind=job_kinds.RECONCILE).count() == 1
    assert queued == [job.pk]  # enqueued once
    runner.execute(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.total and job.done == job.total
    assert job.message.startswith(f"{len(expected)} problem")
    assert _rows(job) == [["problem"], *([p] for p in expected)]
    page = operator.get(f"/jobs/{job.pk}/").content.decode()
    assert "Ledger reconciliation" in page and 'data-testid="download"' in page
    # The ledger page tells the last run's outcome; a new click starts a new run.
    ledger_page = operator.get(reverse("operations:ledger")).content.decode()
    assert 'data-testid="last-run"' in ledger_page and f"/jobs/{job.pk}/" in ledger_page
    newer = _start(operator, url, django_assert_max_num_queries)
    assert newer.pk != job.pk


def test_a_clean_ledger_says_so(completed, operator):
    r = operator.post(reverse("operations:reconcile"), follow=True)  # eager: the demo
    job = Job.objects.get(kind=job_kinds.RECONCILE)
    assert job.state == "done" and not job.result_file
    assert job.message == "The ledger reconciles with orders, refunds and payouts."
    assert r.redirect_chain[-1][0] == f"/jobs/{job.pk}/"
    assert "The ledger reconciles" in r.content.decode()


def test_payouts_start_a_job_that_pays_what_the_request_paid(
    completed, operator, queued, django_assert_max_num_queries
):
    def paid() -> list[tuple]:
        return sorted(
            (
                b.merchant_id,
                b.currency,
                b.total,
                tuple(b.items.values_list("source_amount", "rate")),
            )
            for b in PayoutBatch.objects.all()
        )

    with transaction.atomic():  # what the request did, then forgotten
        payouts.run_payouts()
        expected = paid()
        transaction.set_rollback(True)
    assert len(expected) == 2 and not PayoutBatch.objects.exists()
    url = reverse("operations:payouts")
    job = _start(operator, url, django_assert_max_num_queries)
    assert job.state == "queued" and not PayoutBatch.objects.exists()
    again = _start(operator, url, django_assert_max_num_queries)
    assert again.pk == job.pk
    runner.execute(job.pk)
    job.refresh_from_db()
    assert job.state == "done" and job.message == "2 payout batches created."
    assert paid() == expected
    rows = _rows(job)
    assert rows[0] == ["batch", "merchant", "total", "currency"] and len(rows) == 3
    assert ledger.reconcile() == []
    page = operator.get(reverse("operations:payouts")).content.decode()
    assert 'data-testid="last-run"' in page and "2 payout batches created." in page
    # Nothing owed any more: a second run pays nobody twice.
    runner.execute(_start(operator, url, django_assert_max_num_queries).pk)
    assert paid() == expected
    assert Job.objects.filter(kind=job_kinds.PAYOUTS).first().message == (
        "0 payout batches created."
    )


def test_only_operators_start_or_run_them(completed, client):
    for role in (Role.MERCHANT, Role.PLANNER, Role.BUYER):
        client.force_login(f.user(role))
        assert client.post(reverse("operations:reconcile")).status_code == 403
        assert client.post(reverse("operations:payouts")).status_code == 403
        assert client.get(reverse("operations:reconcile")).status_code in (403, 405)
    assert not Job.objects.exists()
    # A job whose owner is no longer an operator when it runs stops, naming why.
    planner = f.user(Role.PLANNER)
    for kind in (job_kinds.RECONCILE, job_kinds.PAYOUTS):
        job = Job.objects.create(owner=planner, kind=kind, params={"on": "2026-01-05"})
        runner.execute(job.pk)
        job.refresh_from_db()
        assert job.state == "failed" and job.error.startswith("owner: Only operators")
    assert not PayoutBatch.objects.exists()


def test_the_pages_stay_bounded(completed, operator, django_assert_max_num_queries):
    operator.post(reverse("operations:reconcile"))
    operator.post(reverse("operations:payouts"))
    for name in ("operations:ledger", "operations:payouts"):
        with django_assert_max_num_queries(12):
            assert operator.get(reverse(name)).status_code == 200


def test_escrow_entries_without_an_order_do_not_stop_a_reconciliation(completed):
    """Orders are checked in chunks of sorted ids: an entry bound to no order is left out."""
    escrow = ledger.account(AccountKind.ESCROW, "BRL")
    clearing = ledger.account(AccountKind.CLEARING, "BRL")
    amount = Decimal("5.00")
    ledger.post("loose", "capture", [ledger.debit(clearing, amount), ledger.credit(escrow, amount)])
    assert isinstance(ledger.reconcile(), list)
