"""The job machinery with eager Celery (the demo): the row records progress and the outcome,
a failure keeps a field-named error and can be retried, and only the owner or an operator
sees a job."""

from __future__ import annotations

import pytest

from caravana.accounts.models import Role
from caravana.jobs import launch, services
from caravana.jobs.models import Job
from tests import factories as f
from tests.jobs.conftest import FLAKY, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return f.user(Role.PLANNER)


def test_a_failed_job_keeps_a_field_named_error_and_is_retried(owner):
    FLAKY["fail"] = True
    job = launch.start(owner, "tests.flaky")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.attempts == 1
    assert job.error == "rate: line 3: rate 'abc' is not a number"
    c = client_for(owner)
    page = c.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="job-error"' in page and "line 3: rate" in page
    assert 'data-testid="retry"' in page
    FLAKY["fail"] = False
    assert c.post(f"/jobs/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert (job.state, job.error, job.message, job.attempts) == ("done", "", "fine", 2)
    assert (job.done, job.total) == (5, 5)
    assert not launch.retry(job)  # only a failed job goes back to the queue


def test_an_unexpected_error_says_so_without_internals(owner):
    job = launch.start(owner, "tests.crash")
    job.refresh_from_db()
    assert job.state == "failed" and "RuntimeError" in job.error
    assert "secret internals" not in job.error


def test_a_job_runs_once_even_if_its_message_comes_twice(owner):
    FLAKY["fail"] = False
    job = launch.start(owner, "tests.flaky")
    assert services.begin(job.pk) is None  # done: a second delivery leaves it alone


def test_progress_is_written_while_running_and_throttled(owner):
    job = services.create(owner, "tests.flaky")
    services.begin(job.pk)
    progress = services.Throttled(job.pk)
    progress(1, 10, "first")
    progress(2)  # too soon after the last write, not the end: skipped
    job.refresh_from_db()
    assert (job.done, job.total, job.message) == (1, 10, "first")
    progress(10)  # the end is always written
    job.refresh_from_db()
    assert job.done == 10


def test_the_progress_partial_polls_until_the_job_ends(owner):
    c = client_for(owner)
    job = services.create(owner, "tests.flaky")
    page = c.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and f'hx-get="/jobs/{job.pk}/progress/"' in page
    assert 'aria-live="polite"' in page and "<progress" in page
    r = c.get(f"/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'data-state="queued"' in r.content.decode()
    assert ' value="' not in r.content.decode()  # queued: an indeterminate bar
    services.begin(job.pk)
    services.advance(job.pk, 3, 12, "drawing")
    r = c.get(f"/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'max="12" value="3"' in r and "3 of 12 (25%)" in r and "drawing" in r
    services.finish(Job.objects.get(pk=job.pk), services.kinds.Outcome(url="/planning/runs/9/"))
    r = c.get(f"/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert r.status_code == 286  # htmx stops polling on 286
    assert r["HX-Redirect"] == "/planning/runs/9/"
    page = c.get(f"/jobs/{job.pk}/").content.decode()
    assert 'hx-trigger="every' not in page and 'data-state="done"' in page
    assert 'href="/planning/runs/9/"' in page


def test_only_the_owner_or_an_operator_sees_a_job(owner):
    FLAKY["fail"] = True
    job = launch.start(owner, "tests.flaky")
    other = client_for(f.user(Role.PLANNER))
    for url in ("", "progress/", "download/"):
        assert other.get(f"/jobs/{job.pk}/{url}").status_code == 404
    assert other.post(f"/jobs/{job.pk}/retry/").status_code == 404
    operator = client_for(f.user(Role.OPERATOR))
    page = operator.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="job-error"' in page and 'data-testid="retry"' not in page
    assert operator.post(f"/jobs/{job.pk}/retry/").status_code == 404  # the owner retries
    from django.test import Client

    r = Client().get(f"/jobs/{job.pk}/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_run_once_work_gives_back_the_job_under_way(owner):
    first, created = services.create_once(owner, "tests.flaky", "tests:once")
    assert created and first.once_key == "tests:once"
    other = f.user(Role.OPERATOR)
    again, created = services.create_once(other, "tests.flaky", "tests:once")
    assert (again.pk, created) == (first.pk, False)  # whoever clicks
    services.begin(first.pk)
    assert services.create_once(owner, "tests.flaky", "tests:once")[0].pk == first.pk
    # The database holds one unfinished job per key, even past the check.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(owner=owner, kind="tests.flaky", once_key="tests:once")
    services.finish(Job.objects.get(pk=first.pk), services.kinds.Outcome(message="ok"))
    newer, created = services.create_once(owner, "tests.flaky", "tests:once")
    assert created and newer.pk != first.pk
    # A failed run is not retried over one that is queued: that one is the run.
    services.fail(Job.objects.get(pk=first.pk), "boom")
    assert not services.requeue(Job.objects.get(pk=first.pk))


def test_a_run_once_job_its_worker_lost_is_failed_and_replaced(owner):
    import datetime as dt

    from django.utils import timezone

    lost, _created = services.create_once(owner, "tests.flaky", "tests:lost")
    services.begin(lost.pk)
    Job.objects.filter(pk=lost.pk).update(
        started_at=timezone.now() - services.ABANDONED_AFTER - dt.timedelta(minutes=1)
    )
    job, created = services.create_once(owner, "tests.flaky", "tests:lost")
    assert created and job.pk != lost.pk
    lost.refresh_from_db()
    assert lost.state == "failed" and "abandoned" in lost.error


def test_start_once_with_eager_celery_runs_it_there(owner):
    FLAKY["fail"] = False
    job, created = launch.start_once(owner, "tests.flaky", "tests:eager")
    assert created and job.state == "done"  # the demo: the request ran it, the page shows it
    assert launch.start_once(owner, "tests.flaky", "tests:eager")[1]  # finished: a new run
