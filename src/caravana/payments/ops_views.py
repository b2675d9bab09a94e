"""Operator pages: ledger balances with the reconciliation result, payouts, disputes, and the
review queue (payments whose provider reported another amount or currency than owed, and
provider requests that gave up)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.pages import operator_required
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.catalog.models import Merchant
from caravana.jobs import launch
from caravana.jobs.models import Job
from caravana.orders.models import Dispute, DisputeStatus
from caravana.payments import (
    job_kinds,
    outbox,
    payout_providers,
    refunds,
    review_queue,
    statements,
)
from caravana.payments.models import (
    CallStatus,
    LedgerAccount,
    Payment,
    PaymentStatus,
    PayoutBatch,
    ProviderCall,
)


def _latest(kind: str) -> Job | None:
    """The last run of a kind, whoever started it (operators see every job): one query."""
    return Job.objects.filter(kind=kind).select_related("owner").order_by("-id").first()


def _start_once(request: HttpRequest, kind: str, params: dict | None = None) -> HttpResponse:
    """Start the run, or open the one already queued or running (a second click, another
    operator's click): the job's page shows its progress either way."""
    job, created = launch.start_once(request.user, kind, kind, params)
    if not created:
        messages.info(request, _("This run is already under way: here is its progress."))
    return redirect("jobs:detail", pk=job.pk)


@operator_required
def ledger_page(request: HttpRequest) -> HttpResponse:
    """Balances, and the last reconciliation's outcome; reconciling reads every entry and every
    captured order, so it runs as a job (`reconcile`)."""
    accounts = LedgerAccount.objects.select_related("merchant").order_by("kind", "currency", "key")
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    context = {"page": page, "last": _latest(job_kinds.RECONCILE)}
    return render(request, "payments/ops_ledger.html", context)


@operator_required
@require_POST
def reconcile(request: HttpRequest) -> HttpResponse:
    return _start_once(request, job_kinds.RECONCILE)


@operator_required
def payouts(request: HttpRequest) -> HttpResponse:
    """The batches paid so far; a POST pays every merchant owed, as a job (one transaction per
    merchant: at scale far longer than a request may take)."""
    if request.method == "POST":
        return _start_once(request, job_kinds.PAYOUTS, {"on": timezone.now().date().isoformat()})
    qs = PayoutBatch.objects.select_related("merchant").prefetch_related("items")
    return render(
        request,
        "payments/ops_payouts.html",
        {
            "page": Paginator(qs, 25).get_page(request.GET.get("page")),
            "last": _latest(job_kinds.PAYOUTS),
        },
    )


@operator_required
def payout_file(request: HttpRequest, reference: str) -> HttpResponse:
    """The bank file a payout adapter wrote for a batch (payments.payout_providers), for the
    operator to upload to the payout partner."""
    batch = get_object_or_404(PayoutBatch, reference=reference)
    storage = payout_providers.file_storage()
    if not batch.file or not storage.exists(batch.file):
        raise Http404("file")
    return FileResponse(
        storage.open(batch.file, "rb"), as_attachment=True,
        filename=f"{batch.reference}.csv", content_type="text/csv",
    )  # fmt: skip


@operator_required
def disputes(request: HttpRequest) -> HttpResponse:
    qs = Dispute.objects.select_related("order", "order__merchant")
    if request.GET.get("all") != "1":
        qs = qs.filter(status__in=[DisputeStatus.OPEN, DisputeStatus.ANSWERED])
    return render(
        request,
        "payments/ops_disputes.html",
        {"page": Paginator(qs, 25).get_page(request.GET.get("page"))},
    )


@operator_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_object_or_404(Dispute, pk=pk)
    try:
        amount = (request.POST.get("refund_amount") or "0").replace(",", ".")
        refunds.decide_dispute(dispute, request.user, amount, request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Decided."))
    return redirect("operations:disputes")


def _error_text(exc: ValidationError) -> str:
    """Each message with the field it is about, e.g. "refund_amount: Give an amount."."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(m for e in errors for m in e.messages)}"
            for field, errors in exc.error_dict.items()
        )
    return "; ".join(exc.messages)


@operator_required
def review(request: HttpRequest) -> HttpResponse:
    """Payments held because what arrived is not what is owed, and provider requests that gave
    up after their retries."""
    held = Payment.objects.filter(status=PaymentStatus.REVIEW).select_related("group")
    failed = ProviderCall.objects.filter(status=CallStatus.FAILED).select_related("payment")
    return render(
        request,
        "payments/ops_review.html",
        {
            "page": Paginator(held.order_by("created_at"), 25).get_page(request.GET.get("page")),
            "failed": failed.order_by("-next_attempt_at")[:50],
        },
    )


@operator_required
@require_POST
def review_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    payment = get_object_or_404(Payment, reference=reference)
    note = request.POST.get("note", "")
    try:
        if action == "refund":
            review_queue.refund_review(payment, request.user, note)
            messages.success(request, _("What arrived is being sent back."))
        elif action == "resolve":
            review_queue.resolve_review(payment, request.user, note)
            messages.success(request, _("Resolved."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("operations:review")


@operator_required
@require_POST
def retry_call(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(ProviderCall, pk=pk)
    try:
        outbox.retry_call(call, request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Sent again."))
    return redirect("operations:review")


@operator_required
def merchant_statement(request: HttpRequest, pk: int) -> HttpResponse:
    """A merchant's statement as the merchant sees it on the console (payments.statements),
    read-only, for operators answering a merchant about a payout: ?month=YYYY-MM, this month
    by default; 404 for another shape."""
    merchant = get_object_or_404(Merchant, pk=pk)
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    try:
        statements.month_bounds(month)
    except ValueError as exc:
        raise Http404("month") from exc
    data = statements.statement(merchant, month)
    for cs in data:
        for line in cs.lines:
            item = line.payout
            line.note = (
                _("%(amount)s at %(rate)s (rate of %(date)s, %(source)s)")
                % {
                    "amount": f"{item.amount} {item.batch.currency}",
                    "rate": f"{item.rate.normalize():f}",
                    "date": item.rate_date.isoformat(),
                    "source": item.rate_source,
                }
                if item is not None
                else ""
            )
    batches = PayoutBatch.objects.filter(merchant=merchant).order_by("-created_at")[:12]
    context = {"merchant": merchant, "month": month, "statements": data, "batches": batches}
    return render(request, "payments/ops_statement.html", context)
