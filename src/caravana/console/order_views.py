"""Merchant console pages for orders, refunds and payouts: a merchant sees only its own."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.pages import merchant_required
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.fulfillment.models import Parcel
from caravana.network.models import Hub
from caravana.orders import disputes, lifecycle, shipping
from caravana.orders.models import Dispute, Order, OrderStatus
from caravana.payments import ledger
from caravana.payments import refunds as refunding
from caravana.payments.models import PayoutBatch, Refund


@merchant_required
def order_list(request: HttpRequest) -> HttpResponse:
    qs = Order.objects.filter(merchant=request.merchant).select_related("group")
    status = request.GET.get("status")
    if status in OrderStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/console_orders.html",
        {"page": page, "statuses": OrderStatus.choices, "status": status},
    )


@merchant_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = get_object_or_404(
        Order.objects.select_related("group"), number=number, merchant=request.merchant
    )
    return render(
        request,
        "orders/console_order.html",
        {
            "order": order,
            "lines": order.lines.all()[:200],
            "events": order.events.all()[:100],
            "disputes": order.disputes.all()[:20],
            "refunds": order.refunds.all()[:50],
            "parcels": Parcel.objects.filter(order_ref=order.number, merchant=request.merchant),
            "hubs": Hub.objects.filter(is_active=True),
        },
    )


@merchant_required
@require_POST
def order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    order = get_object_or_404(Order, number=number, merchant=request.merchant)
    try:
        if action == "fulfil":
            lifecycle.start_fulfilment(order, actor=request.user)
        elif action == "parcel":
            parcel = shipping.ship_as_parcel(order, request.POST.get("hub", ""), request.user)
            messages.success(request, _("Parcel %(s10)s created.") % {"s10": parcel.s10})
            return redirect("console_orders:detail", number=order.number)
        elif action == "ship":
            shipping.mark_shipped_by_merchant(order, actor=request.user)
        elif action == "refund":
            try:
                amount = Decimal(request.POST.get("amount", "").replace(",", "."))
            except InvalidOperation:
                raise ValidationError({"amount": _("Give an amount.")}) from None
            refunding.refund(
                order, amount, reason="merchant", actor=request.user,
                key=request.POST.get("idempotency_key") or None, note=request.POST.get("note", ""),
            )  # fmt: skip
        elif action == "answer":
            dispute = get_object_or_404(Dispute, pk=request.POST.get("dispute"), order=order)
            disputes.answer_dispute(dispute, request.merchant, request.POST.get("answer", ""))
        messages.success(request, _("Done."))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("console_orders:detail", number=order.number)


@merchant_required
def refunds(request: HttpRequest) -> HttpResponse:
    qs = Refund.objects.filter(order__merchant=request.merchant).select_related("order")
    return render(
        request,
        "orders/console_refunds.html",
        {"page": Paginator(qs, 25).get_page(request.GET.get("page"))},
    )


@merchant_required
def payouts(request: HttpRequest) -> HttpResponse:
    qs = PayoutBatch.objects.filter(merchant=request.merchant).prefetch_related("items")
    return render(
        request,
        "orders/console_payouts.html",
        {
            "page": Paginator(qs, 25).get_page(request.GET.get("page")),
            "owed": ledger.merchant_payable(request.merchant),
        },
    )
