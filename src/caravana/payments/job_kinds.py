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
from caravana.payments import ledger, payouts, settlement, settlement_ledger

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


SETTLEMENT = "payments.settlement"
#: Providers whose settlement report Caravana reads.
SETTLEMENT_PROVIDERS = ("stripe", "mercadopago")


@register(SETTLEMENT, gettext_lazy("Settlement reconciliation"))
def reconcile_settlement(job: Job, progress: Progress) -> Outcome:
    """Params: provider (stripe, mercadopago), currency (Mercado Pago's account currency); the
    input file is the provider's report. The result file lists every difference."""
    if not is_operator(job.owner):
        raise ValidationError({"owner": _("Only operators reconcile settlements.")})
    provider = job.params.get("provider", "")
    if provider not in SETTLEMENT_PROVIDERS:
        raise ValidationError({"provider": _("Choose Stripe or Mercado Pago.")})
    if not job.input_file:
        raise ValidationError({"file": _("Upload the provider's report.")})
    progress(0, 3, _("Reading the report"))
    with job.input_file.open("rb") as fh:
        data = fh.read()
    try:
        if provider == "stripe":
            report = settlement.parse_stripe(data)
        else:
            currency = str(job.params.get("currency", "")).upper()
            if len(currency) != 3:
                raise ValidationError({"currency": _("Give the account's currency (e.g. BRL).")})
            report = settlement.parse_mercadopago(data, currency)
    except settlement.ReportError as exc:
        raise ValidationError({exc.field: exc.message}) from None
    progress(1, 3, _("Reading the ledger"))
    books = settlement_ledger.lines(provider)
    progress(2, 3, _("Comparing"))
    differences = settlement.compare(report, books)
    progress(3, 3)
    message = ngettext(
        "%(n)d difference in %(rows)d report lines.",
        "%(n)d differences in %(rows)d report lines.",
        len(differences),
    ) % {"n": len(differences), "rows": len(report)}
    return Outcome(
        message=message,
        filename=f"settlement-{provider}-{job.pk}.csv",
        file=spool(settlement.HEADER, (d.row() for d in differences)),
    )
