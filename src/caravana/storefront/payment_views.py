"""Payment pages: one per method with its artefact (Pix QR and copy-paste code, boleto barcode
and typed line, OXXO and boleto PDF vouchers, SPEI CLABE, card installments), and the sandbox's
"confirm payment" buttons (only with PAYMENTS_SANDBOX_ENABLED), which act as the bank: the
provider books the money and sends its signed webhook."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana import markets
from caravana.codes import pix
from caravana.payments import issuing, local_methods, providers, simulate, vouchers
from caravana.payments.models import Payment


def _own(request: HttpRequest, reference: str) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("group"), reference=reference, group__buyer=request.user
    )


@login_required
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    payment = _own(request, reference)
    qr = ""
    if payment.method == "pix" and payment.artefact:
        qr = pix.qr_svg(payment.artefact["payload"])
    elif payment.method == "plin" and payment.artefact:
        qr = local_methods.qr_svg(payment.artefact["payload"])
    with timezone.override(_zone(payment)):  # "valid until" on the buyer's clock
        return render(
            request,
            "payments/pay.html",
            {
                "payment": payment,
                "qr": qr,
                "orders": payment.group.orders.select_related("merchant").all()[:50],
                "sandbox": providers.sandbox_enabled()
                and payment.provider == "sandbox"
                and not payment.artefact.get("challenge_url"),
                # a redirect method is approved on the provider's page (the sandbox gateway)
                "redirect": payment.method in local_methods.REDIRECT,
            },
        )


def _zone(payment: Payment) -> zoneinfo.ZoneInfo:
    """The buyer's time zone: their country's (caravana.markets)."""
    country = markets.get(payment.group.country)
    return country.zone if country else zoneinfo.ZoneInfo("UTC")


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
        pdf = vouchers.oxxo_pdf(payment, _zone(payment))
    elif payment.method in vouchers.CASH:
        pdf = vouchers.cash_pdf(payment, _zone(payment))
    else:
        raise Http404(_("This method has no voucher."))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{payment.reference}.pdf"'
    return response


@login_required
def challenge_return(request: HttpRequest, reference: str) -> HttpResponse:
    """Back from the provider's card challenge page: the payment is captured (approved) or
    declined (failed) by issuing.finish_challenge, then its page shows where it stands."""
    payment = _own(request, reference)
    issuing.finish_challenge(payment)
    return redirect("payments:pay", reference=payment.reference)


@require_POST
def sandbox_confirm(request: HttpRequest, reference: str) -> HttpResponse:
    """The demo's "act as the bank" buttons. Not there at all unless the sandbox is on."""
    if not providers.sandbox_enabled():
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    payment = _own(request, reference)
    outcome = request.POST.get("outcome", "succeeded")
    try:
        code, _body = simulate.sandbox_simulate(payment, outcome)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        if code in (200, 202):
            messages.success(request, _("The sandbox sent the provider's confirmation."))
        else:
            messages.error(request, _("The webhook was refused (%(code)s).") % {"code": code})
    return redirect("payments:pay", reference=payment.reference)


def gateway(request: HttpRequest, reference: str) -> HttpResponse:
    """The sandbox's stand-in for the page a redirect method sends the buyer to (Transbank's
    Webpay form, the PSE bank's, Mercado Pago's checkout): it approves or declines, as the
    buyer would there, then returns them to the payment's page, as the provider's return URL
    does. Not there at all unless the sandbox is on."""
    if not providers.sandbox_enabled():
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    payment = _own(request, reference)
    if payment.provider != "sandbox" or "url" not in payment.artefact:
        raise Http404
    if request.method == "POST":
        outcome = "succeeded" if request.POST.get("outcome") == "approve" else "failed"
        if payment.status == "pending":
            try:
                simulate.sandbox_simulate(payment, outcome)
            except ValidationError as exc:
                messages.error(request, "; ".join(exc.messages))
        return redirect("payments:pay", reference=payment.reference)
    return render(request, "payments/gateway.html", {"payment": payment})
