"""Every write to a job: create, begin, advance, finish, fail, requeue. Each is one short
statement or transaction, never inside the work itself, so the page polling the row sees
progress while the work runs (and a kind's own atomic block holds no lock on the job row)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from caravana.jobs import kinds
from caravana.jobs.models import Job

# How often, at most, the progress of a running job is written (the page polls every second).
PROGRESS_EVERY_SECONDS = 0.4
# An unfinished run-once job older than this is taken for lost (its worker died after `begin`,
# and a redelivered message leaves a running job alone): it is failed, so a new one can start.
ABANDONED_AFTER = dt.timedelta(hours=6)


def create(
    owner: Any, kind: str, params: dict | None = None, upload: UploadedFile | None = None
) -> Job:
    """A queued job; the caller enqueues it (jobs.launch) once this is committed."""
    if not kinds.known(kind):
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(owner=owner, kind=kind, params=params or {})
    if upload is not None:
        job.input_file.save(upload.name or "upload", upload, save=False)
    job.save()
    return job


def create_once(owner: Any, kind: str, key: str, params: dict | None = None) -> tuple[Job, bool]:
    """The unfinished job under `key` and False, or a new queued one and True. The partial
    unique index on `once_key` decides between two clicks at the same instant: the loser of the
    insert reads the winner's row."""
    for _attempt in range(3):
        running = unfinished(key)
        if running is not None:
            return running, False
        try:
            with transaction.atomic():
                job = Job.objects.create(owner=owner, kind=kind, params=params or {}, once_key=key)
        except IntegrityError:
            continue  # another request inserted first: read its job
        return job, True
    raise RuntimeError(f"no job could be started or found under {key!r}")


def unfinished(key: str) -> Job | None:
    """The queued or running job under `key`; one left by a lost worker is failed first."""
    job = Job.objects.filter(once_key=key, state__in=[Job.State.QUEUED, Job.State.RUNNING]).first()
    if job is not None and (job.started_at or job.created_at) < timezone.now() - ABANDONED_AFTER:
        fail(job, _("The job was abandoned: no worker finished it. Start it again."))
        return None
    return job


@transaction.atomic
def begin(pk: int) -> Job | None:
    """Mark a queued job running; None when it is not queued (a message delivered twice, or a
    job already run): the runner then leaves it alone."""
    job = Job.objects.select_for_update().filter(pk=pk).first()
    if job is None or job.state != Job.State.QUEUED:
        return None
    job.state = Job.State.RUNNING
    job.started_at = timezone.now()
    job.attempts += 1
    job.save(update_fields=["state", "started_at", "attempts"])
    return job


def advance(pk: int, done: int, total: int | None = None, message: str | None = None) -> None:
    fields: dict[str, Any] = {"done": max(0, int(done))}
    if total is not None:
        fields["total"] = max(0, int(total))
    if message is not None:
        fields["message"] = str(message)[:200]
    Job.objects.filter(pk=pk, state=Job.State.RUNNING).update(**fields)


class Throttled:
    """The progress callable a kind gets: writes when enough time passed or the work is done."""

    def __init__(self, pk: int) -> None:
        self.pk = pk
        self.last = 0.0
        self.total: int | None = None

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        if total is not None:
            self.total = total
        now = time.monotonic()
        if message is None and now - self.last < PROGRESS_EVERY_SECONDS and done != self.total:
            return
        self.last = now
        advance(self.pk, done, total, message)


def finish(job: Job, outcome: kinds.Outcome) -> Job:
    """Done: the result file goes to the default storage (Django's storage API, so S3 too)."""
    if outcome.file is not None:
        job.result_file.save(outcome.filename or "result", File(outcome.file), save=False)
    job.refresh_from_db(fields=["done", "total"])  # the progress written since it began
    job.result_url = outcome.url
    job.message = str(outcome.message)[:200]
    job.state = Job.State.DONE
    job.finished_at = timezone.now()
    if job.total:
        job.done = job.total
    job.save(update_fields=["result_file", "result_url", "message", "state", "finished_at", "done"])
    return job


def fail(job: Job, error: str) -> Job:
    job.state = Job.State.FAILED
    job.error = error
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "error", "finished_at"])
    return job


def requeue(job: Job) -> bool:
    """A failed job back to the queue, its input kept; False when it had not failed, or when
    it is run-once work and another job under its key is already queued or running."""
    try:
        with transaction.atomic():
            updated = Job.objects.filter(pk=job.pk, state=Job.State.FAILED).update(
                state=Job.State.QUEUED,
                done=0,
                message="",
                error="",
                started_at=None,
                finished_at=None,
            )
    except IntegrityError:
        return False
    return bool(updated)
