"""Long work run off the request: one row a job, written only by jobs.services. The page polls
the row for its progress; the result is a file in the default storage or a URL to open."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


# Stored under a random directory: with file-system storage every file under the media root has
# a URL, so a job's file must not be found by guessing (downloads go through jobs.views, which
# checks who asks).
def input_name(instance: "Job", filename: str) -> str:
    return f"jobs/in/{secrets.token_urlsafe(16)}/{filename}"


def result_name(instance: "Job", filename: str) -> str:
    return f"jobs/out/{secrets.token_urlsafe(16)}/{filename}"


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=40)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default="queued")
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # An uploaded input (an import's file), kept so a failed job can be retried.
    input_file = models.FileField(_("input"), upload_to=input_name, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=200, blank=True)
    result_file = models.FileField(_("result"), upload_to=result_name, blank=True)
    result_url = models.CharField(_("result URL"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Work that must not run twice at once (a payout run, a reconciliation) carries a key: the
    # database keeps one unfinished job per key, so a second click gets the job already running.
    once_key = models.CharField(_("run-once key"), max_length=60, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent"),
            models.Index(fields=["kind", "-id"], name="job_kind_recent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["once_key"],
                condition=models.Q(state__in=["queued", "running"]) & ~models.Q(once_key=""),
                name="job_one_unfinished_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0
