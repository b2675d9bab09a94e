"""Payment pages: one per method with its artefact (Pix QR and copy-paste code, boleto barcode
and typed line, OXXO and boleto PDF vouchers, SPEI CLABE, card installments), and the sandbox's
"confirm payment" button, which makes the provider post a signed webhook to our endpoint."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.codes import pix
from caravana.payments import services, vouchers
from caravana.payments.models import Payment


def _own(request: HttpRequest, reference: str) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("group"), reference=reference, group__buyer=request.user
    )


@login_required
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _own(request, reference)
    qr = (
        pix.qr_svg(payment.artefact["payload"])
        if payment.method == "pix" and payment.artefact
        else ""
    )
    return render(
        request,
        "payments/pay.html",
        {
            "payment": payment,
            "qr": qr,
            "orders": payment.group.orders.select_related("merchant").all()[:50],
        },
    )


@login_required
def status(request: HttpRequest, reference: str) -> HttpResponse:
    """htmx polls this until the webhook has confirmed the payment."""
    payment = _own(request, reference)
    return render(request, "payments/_status.html", {"payment": payment})


@login_required
def voucher(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _own(request, reference)
    if payment.method == "boleto":
        pdf = vouchers.boleto_pdf(payment)
    elif payment.method == "oxxo":
        pdf = vouchers.oxxo_pdf(payment)
    else:
        raise Http404(_("This method has no voucher."))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{payment.reference}.pdf"'
    return response


@login_required
@require_POST
def sandbox_confirm(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _own(request, reference)
    outcome = request.POST.get("outcome", "succeeded")
    try:
        code, _body = services.sandbox_simulate(payment, outcome)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        if code == 200:
            messages.success(request, _("The sandbox sent the provider's confirmation."))
        else:
            messages.error(request, _("The webhook was refused (%(code)s).") % {"code": code})
    return redirect("payments:pay", reference=payment.reference)
