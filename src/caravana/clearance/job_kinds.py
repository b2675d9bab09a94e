"""A customs decision file is applied as a job (docs/decisions/0009): 60,000 rows with their
tracking events take seconds, more than a request should. Good rows are applied, each whole;
bad rows are listed with their line and field in the result file and the job's message, and
the same file uploaded again (fixed) applies only what is new."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from caravana.clearance import csvfile, services
from caravana.clearance.members import gateway_of
from caravana.clearance.models import Source
from caravana.jobs.csvfile import spool
from caravana.jobs.kinds import Outcome, Progress, register
from caravana.jobs.models import Job
from caravana.network.models import Gateway

DECISIONS_CSV = "clearance.decisions_csv"
#: Errors shown on the job page; all of them are in the result file.
SHOWN = 3


@register(DECISIONS_CSV, gettext_lazy("Customs decisions file"))
def apply_file(job: Job, progress: Progress) -> Outcome:
    owner = job.owner
    gateway = Gateway.objects.filter(iata=job.params.get("gateway", "")).first()
    if gateway is None:
        raise ValidationError({"gateway": _("Choose the gateway the file is for.")})
    own = gateway_of(owner)
    if not owner.is_operator and (own is None or own.pk != gateway.pk):
        raise ValidationError({"owner": _("Only this gateway's desk may apply its decisions.")})
    progress(0, 3, _("Reading the file"))
    with job.input_file.open("rb") as f:
        data = f.read()
    items = csvfile.parse(data)
    progress(1, 3, _("Checking %(n)d decisions") % {"n": len(items)})
    result = services.apply_decisions(
        items, source=Source.CSV, actor=owner, gateway=gateway, prefix="rows"
    )
    errors = result.errors
    progress(2, 3, _("Applied"))
    message = ngettext("%(n)d decision applied", "%(n)d decisions applied", result.applied) % {
        "n": result.applied
    }
    message += "; " + ngettext(
        "%(n)d already recorded", "%(n)d already recorded", result.repeated
    ) % {"n": result.repeated}
    if result.assessed:
        message += "; " + ngettext(
            "%(n)d duty assessment recorded", "%(n)d duty assessments recorded", result.assessed
        ) % {"n": result.assessed}
    if not errors:
        return Outcome(message=message + ".")
    ordered = sorted(errors.items(), key=lambda kv: _line(kv[0]))
    message += "; " + ngettext(
        "%(n)d row refused (fix it and upload the file again)",
        "%(n)d rows refused (fix them and upload the file again)",
        len({_line(k) for k in errors}),
    ) % {"n": len({_line(k) for k in errors})}
    shown = " · ".join(f"{_row_label(k)}: {v}" for k, v in ordered[:SHOWN])
    rows = ((_line(k), _column(k), v) for k, v in ordered)
    return Outcome(
        message=f"{message}. {shown}"[:2000],
        filename=f"refused-rows-job-{job.pk}.csv",
        file=spool(["row", "field", "error"], rows),
    )


def _line(key: str) -> int:
    return int(key.split(".")[1])


def _column(key: str) -> str:
    """The file's column an error names: rows.12.assessed.ii → assessed_ii."""
    return key.split(".", 2)[2].replace(".", "_")


def _row_label(key: str) -> str:
    return _("row %(r)s, %(f)s") % {"r": key.split(".")[1], "f": _column(key)}
