"""Runs one job: begin, the kind's work, finish or fail. A failure is kept on the row with a
message the owner can act on; the traceback goes to the log, not to the page."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import override

from caravana.jobs import kinds, services
from caravana.jobs.models import Job

log = logging.getLogger(__name__)


def describe(exc: ValidationError) -> str:
    """Field-named lines: "rate: line 4: rate 'x' is not a number"."""
    if hasattr(exc, "error_dict"):
        return "\n".join(
            f"{field}: {message}" if field != "__all__" else str(message)
            for field, messages in exc.message_dict.items()
            for message in messages
        )
    return "\n".join(exc.messages)


def execute(pk: int) -> Job | None:
    job = services.begin(pk)
    if job is None:
        return None
    # The owner's language for the messages the work writes (the worker has none of its own).
    with override(job.params.get("language") or None):
        try:
            outcome = kinds.get(job.kind).run(job, services.Throttled(job.pk))
        except ValidationError as exc:
            return services.fail(job, describe(exc))
        except Exception as exc:  # noqa: BLE001 — any failure must end the job, not hang it
            log.exception("job %s (%s) failed", job.pk, job.kind)
            return services.fail(
                job,
                _(
                    "The job stopped on an unexpected error (%(error)s). Retry it; if it fails "
                    "again, tell an operator the job number."
                )
                % {"error": type(exc).__name__},
            )
        return services.finish(job, outcome)
