"""Running a plan is a job (a week takes 10–30 s of solving): the request only starts it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caravana.jobs.kinds import Outcome, Progress, register
from caravana.jobs.models import Job
from caravana.planning import services
from caravana.planning.problem import ProblemError

RUN = "planning.run"


@register(RUN, gettext_lazy("Flight plan"))
def run_plan(job: Job, progress: Progress) -> Outcome:
    start = dt.datetime.fromisoformat(job.params["start"])
    end = dt.datetime.fromisoformat(job.params["end"])
    try:
        plan = services.run(
            job.owner,
            start,
            end,
            time_limit=job.params.get("time_limit", 20.0),
            progress=progress,
        )
    except ProblemError as exc:
        raise ValidationError({"problem": str(exc)}) from exc
    return Outcome(
        message=_("Plan %(n)d is ready.") % {"n": plan.pk},
        url=reverse("planning:run", kwargs={"pk": plan.pk}),
    )
