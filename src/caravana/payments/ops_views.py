"""Operator pages: ledger balances with the reconciliation result, payouts, disputes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.orders.models import Dispute, DisputeStatus
from caravana.payments import ledger, services
from caravana.payments.models import LedgerAccount, PayoutBatch


def operator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_operator:
            raise PermissionDenied("operators only")
        return view(request, *args, **kwargs)

    return wrapped


@operator_required
def ledger_page(request: HttpRequest) -> HttpResponse:
    accounts = LedgerAccount.objects.select_related("merchant").order_by("kind", "currency", "key")
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    problems = ledger.reconcile() if request.GET.get("reconcile") else None
    return render(request, "payments/ops_ledger.html", {"page": page, "problems": problems})


@operator_required
def payouts(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            batches = services.run_payouts()
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("%(n)d payout batch(es) created.") % {"n": len(batches)})
        return redirect("operations:payouts")
    qs = PayoutBatch.objects.select_related("merchant").prefetch_related("items")
    return render(
        request,
        "payments/ops_payouts.html",
        {"page": Paginator(qs, 25).get_page(request.GET.get("page"))},
    )


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
        amount = Decimal((request.POST.get("refund_amount") or "0").replace(",", "."))
        services.decide_dispute(dispute, request.user, amount, request.POST.get("note", ""))
    except (InvalidOperation, ValidationError) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [_("Give an amount.")])))
    else:
        messages.success(request, _("Decided."))
    return redirect("operations:disputes")
