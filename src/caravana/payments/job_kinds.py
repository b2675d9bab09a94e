"""The operators' money runs are jobs (docs/decisions/0009): a reconciliation reads every
ledger entry and every captured order, a payout run pays every merchant owed, one transaction
each; both grow with the data, so the request only starts them. Each is run-once: a second
click while one is queued or running gets that job back (jobs.launch.start_once)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from caravana.access.members import is_operator
from caravana.jobs.csvfile import spool
from caravana.jobs.kinds import Outcome, Progress, register
from caravana.jobs.models import Job
from caravana.payments import ledger, payouts

RECONCILE = "payments.reconcile"
PAYOUTS = "payments.payouts"
#: Problems shown in the job's message; all of them are in its result file.
SHOWN = 2


@register(RECONCILE, gettext_lazy("Ledger reconciliation"))
def reconcile(job: Job, progress: Progress) -> Outcome:
    if not is_operator(job.owner):
        raise ValidationError({"owner": _("Only operators reconcile the ledger.")})
    problems = ledger.reconcile(progress)
    if not problems:
        return Outcome(message=_("The ledger reconciles with orders, refunds and payouts."))
    message = ngettext("%(n)d problem", "%(n)d problems", len(problems)) % {"n": len(problems)}
    return Outcome(
        message=f"{message}: {' · '.join(problems[:SHOWN])}",
        filename=f"reconciliation-{job.pk}.csv",
        file=spool(["problem"], ([p] for p in problems)),
    )


@register(PAYOUTS, gettext_lazy("Merchant payouts"))
def pay_merchants(job: Job, progress: Progress) -> Outcome:
    """Params: on (the ISO date of the click: the day whose FX rates convert)."""
    if not is_operator(job.owner):
        raise ValidationError({"owner": _("Only operators run payouts.")})
    on = dt.date.fromisoformat(job.params["on"]) if job.params.get("on") else None
    batches = payouts.run_payouts(on, limit=None, progress=progress)
    message = ngettext(
        "%(n)d payout batch created.", "%(n)d payout batches created.", len(batches)
    ) % {"n": len(batches)}
    if not batches:
        return Outcome(message=message)
    rows = ((b.reference, b.merchant.legal_name, b.total, b.currency) for b in batches)
    return Outcome(
        message=message,
        filename=f"payouts-{job.pk}.csv",
        file=spool(["batch", "merchant", "total", "currency"], rows),
    )
