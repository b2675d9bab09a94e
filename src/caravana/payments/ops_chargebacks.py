"""Operator pages for chargebacks (the case, its frozen shares, the evidence bundle to send)
and for settlement reconciliation (upload a provider's report; the job lists every difference
with the ledger, shown here from its result file)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.pages import operator_required
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.jobs import launch
from caravana.jobs.models import Job
from caravana.payments import chargebacks, evidence, job_kinds, providers
from caravana.payments.models import Chargeback, ChargebackStatus
from caravana.payments.ops_views import _error_text

#: Differences shown on the settlement page; all are in the job's file.
SHOWN = 200


@operator_required
def chargeback_list(request: HttpRequest) -> HttpResponse:
    qs = Chargeback.objects.select_related("payment")
    status = request.GET.get("status", "")
    if status in ChargebackStatus.values:
        qs = qs.filter(status=status)
    elif request.GET.get("all") != "1":
        qs = qs.filter(status__in=[ChargebackStatus.OPEN, ChargebackStatus.SUBMITTED])
    return render(
        request,
        "payments/ops_chargebacks.html",
        {"page": Paginator(qs.order_by("due_by", "-id"), 25).get_page(request.GET.get("page"))},
    )


def _can_submit(case: Chargeback) -> bool:
    try:
        return hasattr(providers.get(case.provider), "submit_evidence")
    except KeyError:
        return False


@operator_required
def chargeback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Chargeback.objects.select_related("payment", "submitted_by"), pk=pk)
    bundle = case.evidence or evidence.bundle(case)
    if request.GET.get("download") == "1":
        resp = JsonResponse(bundle, json_dumps_params={"ensure_ascii": False, "indent": 2})
        resp["Content-Disposition"] = f'attachment; filename="chargeback-{case.pk}-evidence.json"'
        return resp
    holds = [
        {**h, "share": Decimal(h["share"]), "frozen": Decimal(h["frozen"])} for h in case.holds
    ]
    return render(
        request,
        "payments/ops_chargeback.html",
        {"case": case, "holds": holds, "bundle": bundle, "can_submit": _can_submit(case)},
    )


@operator_required
@require_POST
def chargeback_submit(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Chargeback, pk=pk)
    try:
        chargebacks.submit(case, request.user, _can_submit(case))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Evidence sent."))
    return redirect("operations:chargeback", pk=pk)


def _differences(job: Job | None) -> list[list[str]]:
    if job is None or job.state != "done" or not job.result_file:
        return []
    with job.result_file.open("rb") as fh:
        rows = list(csv.reader(io.StringIO(fh.read().decode("utf-8-sig"))))
    return rows[1 : SHOWN + 1]


@operator_required
def settlement(request: HttpRequest) -> HttpResponse:
    """GET: the form and the last run's differences; POST: start a run with the uploaded file."""
    if request.method == "POST":
        upload = request.FILES.get("file")
        provider = request.POST.get("provider", "")
        if upload is None:
            messages.error(request, "file: " + _("Upload the provider's report."))
        elif provider not in job_kinds.SETTLEMENT_PROVIDERS:
            messages.error(request, "provider: " + _("Choose Stripe or Mercado Pago."))
        else:
            job = launch.start(
                request.user, job_kinds.SETTLEMENT,
                {"provider": provider, "currency": request.POST.get("currency", "").strip()},
                upload,
            )  # fmt: skip
            return redirect("jobs:detail", pk=job.pk)
        return redirect("operations:settlement")
    last = (
        Job.objects.filter(kind=job_kinds.SETTLEMENT)
        .select_related("owner")
        .order_by("-id")
        .first()
    )
    return render(
        request,
        "payments/ops_settlement.html",
        {"last": last, "rows": _differences(last), "shown": SHOWN},
    )
