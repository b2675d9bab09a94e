"""Start and retry jobs: the row is committed first, then the task is enqueued, so a worker
never looks for a row it cannot see yet. With eager Celery (the demo) the work runs here, in
the request, and the page it redirects to shows the finished bar."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import get_language

from caravana.jobs import services, tasks
from caravana.jobs.models import Job


def _enqueue(pk: int) -> None:
    if tasks.run_job.app.conf.task_always_eager:
        tasks.run_job.delay(pk)  # in-process: this connection already sees the row
    else:
        transaction.on_commit(lambda: tasks.run_job.delay(pk))


def start(
    owner: Any, kind: str, params: dict | None = None, upload: UploadedFile | None = None
) -> Job:
    params = {"language": get_language(), **(params or {})}
    job = services.create(owner, kind, params, upload)
    _enqueue(job.pk)
    return job


def start_once(owner: Any, kind: str, key: str, params: dict | None = None) -> tuple[Job, bool]:
    """Start work that must not run twice at once (a payout run): while a job under `key` is
    queued or running, the same job comes back (and False) instead of a second one."""
    params = {"language": get_language(), **(params or {})}
    job, created = services.create_once(owner, kind, key, params)
    if created:
        _enqueue(job.pk)
        job.refresh_from_db()  # eager Celery (the demo) has already run it
    return job, created


def retry(job: Job) -> bool:
    if not services.requeue(job):
        return False
    _enqueue(job.pk)
    return True
