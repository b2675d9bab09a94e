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


def retry(job: Job) -> bool:
    if not services.requeue(job):
        return False
    _enqueue(job.pk)
    return True
