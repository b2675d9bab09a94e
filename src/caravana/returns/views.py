"""Returns pages: the buyer asks and prints the label (storefront), the merchant sees and
decides its returns (console, zh-Hans too), an operator decides covered ones, and a returns
point's staff scan what arrives. Each page shows only what its user's role allows."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana import markets
from caravana.access.error_codes import AccessErrorCode
from caravana.access.members import Membership
from caravana.access.pages import member_required, merchant_required, operator_required
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.orders.models import Order
from caravana.returns import label, local_orders, manifests, rules, services, windows
from caravana.returns.models import (
    Condition,
    HeldItem,
    Reason,
    ReturnRequest,
    ReturnState,
    ReverseManifest,
)

POINT = Membership(
    "returns_point",
    services.point_of,
    "returns-point staff only",
    AccessErrorCode.RETURNS_POINT_STAFF_ONLY,
)
point_required = member_required(POINT)


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _reasons(codes: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(code, Reason(code).label) for code in codes]


@login_required
def request_return(request: HttpRequest, number: str) -> HttpResponse:
    """The buyer's return form: which items, why, photos; within the order's window."""
    order = get_object_or_404(
        Order.objects.select_related("merchant"), number=number, buyer=request.user
    )
    lang = get_language() or "en"
    lines = list(order.lines.select_related("variant__product")[:200])
    errors: dict[str, list[str]] = {}
    status = 200
    data = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        wanted = {
            key.removeprefix("quantity_"): value
            for key, value in request.POST.items()
            if key.startswith("quantity_")
        }
        try:
            services.request_return(
                order, request.user, wanted, request.POST.get("reason", ""),
                request.POST.get("message", ""), request.FILES.getlist("photos"),
            )  # fmt: skip
        except ValidationError as exc:
            errors, status = _errors(exc), 422
        else:
            messages.success(request, _("Return asked: we will tell you when it is approved."))
            return redirect(reverse("orders:detail", args=[order.number]))
    country = markets.get(order.country)
    context = {
        "order": order,
        "lines": [
            {
                "pk": line.pk,
                "title": line.variant.product.title(lang) or line.title,
                "sku": line.sku,
                "quantity": line.quantity,
                "amount": line.amount,
                "chosen": data.get(f"quantity_{line.pk}", ""),
                "error": errors.get(f"quantity_{line.pk}"),
            }
            for line in lines
        ],  # fmt: skip
        "reasons": _reasons(rules.BUYER_REASONS),
        "window": windows.window_for(order),
        "open": services.returnable(order),
        "waiting": services.open_for(order),
        "errors": errors,
        "data": data,
        "money_locale": country.format_locale(lang) if country else None,
    }
    return render(request, "returns/request.html", context, status=status)


@login_required
def return_label(request: HttpRequest, number: str, reference: str) -> HttpResponse:
    ret = get_object_or_404(
        ReturnRequest.objects.select_related("order", "point"),
        reference=reference, order__number=number, order__buyer=request.user,
    )  # fmt: skip
    if not ret.drop_off_code:
        return HttpResponse(status=404)
    response = HttpResponse(label.render(ret), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="return-{ret.reference}.pdf"'
    return response


def _list(request: HttpRequest, qs) -> dict:
    state = request.GET.get("state", "")
    if state in ReturnState.values:
        qs = qs.filter(state=state)
    qs = qs.select_related("order", "point").prefetch_related("lines__order_line", "photos")
    return {
        "page": Paginator(qs, 25).get_page(request.GET.get("page")),
        "states": ReturnState.choices,
        "state": state,
    }


HELD_SHOWN = 50
CHOSEN = {
    HeldItem.State.FOR_SALE: services.RESELL,
    HeldItem.State.CONSOLIDATE: services.CONSOLIDATE,
    HeldItem.State.DISPOSE: services.DISPOSE,
}


def _held_rows(merchant, errors: dict | None = None, data: Any = None) -> list[dict]:
    """The merchant's held items, newest first, each with what every choice would cost."""
    lang = get_language() or "en"
    items = (
        HeldItem.objects.filter(merchant=merchant)
        .select_related("point__last_mile_carrier", "variant__product", "manifest")
        .order_by("-received_at", "-id")[:HELD_SHOWN]
    )
    rows = []
    for item in items:
        market = markets.get(item.point.country)
        mine = errors if data is not None and data.get("item") == str(item.pk) else {}
        rows.append(
            {
                "item": item,
                "title": item.variant.product.title(lang) or item.sku,
                "costs": services.costs_of(item),
                "currency": market.currency if market else "",
                "open": item.state in services.UNDECIDED and not item.sold,
                "errors": mine or {},
                "price": (data.get("price", "") if mine else "") or item.local_price or "",
                "choice": data.get("choice", "") if mine else CHOSEN.get(item.state, ""),
            }  # fmt: skip
        )
    return rows


@merchant_required
def merchant_returns(request: HttpRequest) -> HttpResponse:
    """The merchant's returns and their state, and the items its points hold with the cost of
    each choice: only its own."""
    context = _list(request, ReturnRequest.objects.filter(merchant=request.merchant))
    context["held"] = _held_rows(request.merchant)
    return render(request, "returns/console_returns.html", {**context, "as_merchant": True})


@merchant_required
@require_POST
def merchant_choose(request: HttpRequest, pk: int) -> HttpResponse:
    """The merchant's choice for one held item; bad input comes back on the page, named."""
    item = get_object_or_404(HeldItem, pk=pk, merchant=request.merchant)
    try:
        services.choose(
            item, request.user, request.POST.get("choice", ""), request.POST.get("price", "")
        )
    except ValidationError as exc:
        context = _list(request, ReturnRequest.objects.filter(merchant=request.merchant))
        context["held"] = _held_rows(request.merchant, _errors(exc), request.POST)
        return render(
            request, "returns/console_returns.html", {**context, "as_merchant": True}, status=422
        )
    item.refresh_from_db()
    messages.success(
        request, _("%(sku)s: %(s)s.") % {"sku": item.sku, "s": item.get_state_display()}
    )
    return redirect(reverse("returns:console") + "#held")


@operator_required
def operator_returns(request: HttpRequest) -> HttpResponse:
    """Every return; covered ones waiting are the operator's to decide."""
    context = _list(request, ReturnRequest.objects.all())
    return render(request, "returns/console_returns.html", {**context, "as_merchant": False})


def _decide(request: HttpRequest, ret: ReturnRequest, action: str, back: str) -> HttpResponse:
    if action not in ("approve", "reject"):
        return HttpResponse(status=404)
    try:
        services.decide(ret, request.user, action == "approve", request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "; ".join(sum(_errors(exc).values(), [])))
    else:
        state = ReturnState.APPROVED if action == "approve" else ReturnState.REJECTED
        text = _("Return %(r)s: %(s)s.") % {"r": ret.reference, "s": state.label}
        messages.success(request, text)
    return redirect(back)


@merchant_required
@require_POST
def merchant_decide(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    ret = get_object_or_404(ReturnRequest, reference=reference, merchant=request.merchant)
    return _decide(request, ret, action, reverse("returns:console"))


@operator_required
@require_POST
def operator_decide(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    ret = get_object_or_404(ReturnRequest, reference=reference)
    if action == "retry":
        try:
            services.retry_refund(ret, request.user)
        except ValidationError as exc:
            messages.error(request, "; ".join(sum(_errors(exc).values(), [])))
        return redirect(reverse("returns:operations"))
    return _decide(request, ret, action, reverse("returns:operations"))


@point_required
def point_desk(request: HttpRequest) -> HttpResponse:
    """The returns point's scan desk: a drop-off code, return reference or S10 in, the item's
    condition, and for a parcel nobody announced, why it came back."""
    point = request.returns_point
    errors: dict[str, list[str]] = {}
    status = 200
    done = None
    if request.method == "POST":
        try:
            done = services.receive(
                request.user, request.POST.get("code", ""), request.POST.get("condition", ""),
                request.POST.get("reason", ""),
            )  # fmt: skip
        except ValidationError as exc:
            errors, status = _errors(exc), 422
    qs = ReturnRequest.objects.filter(point=point).select_related("order")
    context = {
        "point": point,
        "done": done,
        "errors": errors,
        "data": request.POST if errors else {},
        "conditions": Condition.choices,
        "reasons": _reasons(rules.PARCEL_REASONS),
        "page": Paginator(qs, 25).get_page(request.GET.get("page")),
        **_point_stock(point),
    }
    return render(request, "returns/point_desk.html", context, status=status)


def _point_stock(point) -> dict:
    """What the point's staff must act on: disposals to carry out, items waiting to go back,
    the open reverse manifest and the last ones sent."""
    held = HeldItem.objects.filter(point=point).select_related("merchant", "variant")
    manifests_qs = ReverseManifest.objects.filter(point=point)
    return {
        "to_dispose": held.filter(state=HeldItem.State.DISPOSE)[:100],
        "waiting_back": held.filter(state=HeldItem.State.CONSOLIDATE).count(),
        "open_manifest": manifests_qs.filter(state="open").first(),
        "manifested": held.filter(state=HeldItem.State.MANIFESTED)[:200],
        "sent": manifests_qs.filter(state="closed")[:10],
        "local_stock": held.filter(state=HeldItem.State.FOR_SALE)[:100],
        "local_to_send": local_orders.to_send(point)[:100],
    }


@point_required
@require_POST
def point_send_local(request: HttpRequest, number: str) -> HttpResponse:
    """Pack a paid order of local stock and hand it to its carrier (returns.local_orders)."""
    order = get_object_or_404(Order, number=number)
    return _after(
        request, lambda: local_orders.send(request.user, order),
        _("%(n)s: handed to the carrier.") % {"n": order.number},
    )  # fmt: skip


def _after(request: HttpRequest, work, done: str) -> HttpResponse:
    try:
        work()
    except ValidationError as exc:
        messages.error(request, "; ".join(sum(_errors(exc).values(), [])))
    else:
        messages.success(request, done)
    return redirect(reverse("returns:point") + "#stock")


@point_required
@require_POST
def point_disposed(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(HeldItem, pk=pk, point=request.returns_point)
    return _after(
        request, lambda: services.mark_disposed(request.user, item),
        _("%(sku)s: disposed of.") % {"sku": item.sku},
    )  # fmt: skip


@point_required
@require_POST
def point_manifest_open(request: HttpRequest) -> HttpResponse:
    return _after(
        request, lambda: services.open_manifest(request.user), _("Reverse manifest open.")
    )


@point_required
@require_POST
def point_manifest_close(request: HttpRequest, reference: str) -> HttpResponse:
    row = get_object_or_404(ReverseManifest, reference=reference, point=request.returns_point)
    return _after(
        request, lambda: services.close_manifest(request.user, row),
        _("Reverse manifest %(m)s closed: its items left for China.") % {"m": row.reference},
    )  # fmt: skip


EXPORTS = {
    "pdf": ("application/pdf", "inline", manifests.to_pdf),
    "csv": ("text/csv; charset=utf-8", "attachment", manifests.to_csv),
}


@point_required
def point_manifest_export(request: HttpRequest, reference: str, fmt: str) -> HttpResponse:
    row = get_object_or_404(
        ReverseManifest.objects.select_related("point"),
        reference=reference, point=request.returns_point,
    )  # fmt: skip
    if fmt not in EXPORTS:
        raise Http404("pdf or csv")
    content_type, disposition, make = EXPORTS[fmt]
    response = HttpResponse(make(row), content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{row.reference}.{fmt}"'
    return response
