"""Promotions in the console: a merchant's coupons, flash deals and free-shipping threshold
(/console/promotions/), and the operators' platform coupons (/operations/coupons/). Every
write goes through promotions.services; a merchant sees and changes only its own."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.pages import merchant_required, operator_required
from caravana.console.promotion_forms import CouponForm, DealForm, FreeShippingForm
from caravana.promotions import services
from caravana.promotions.models import Coupon, FlashDeal, FreeShipping


def _errors_into(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _data(form) -> dict:
    """The posted values as typed (the service checks them), the dates as the form read them."""
    data = {k: form.data.get(form.add_prefix(k), "") for k in form.fields}
    form.is_valid()  # parses the datetime-local fields in the current time zone
    for name in ("starts_at", "ends_at"):
        if name in form.fields:
            data[name] = form.cleaned_data.get(name) or data[name]
    return data


@merchant_required
def promotions_page(request: HttpRequest) -> HttpResponse:
    merchant = request.merchant
    coupon_form = CouponForm(prefix="coupon")
    deal_form = DealForm(prefix="deal")
    offer = FreeShipping.objects.filter(merchant=merchant, is_active=True).first()
    shipping_form = FreeShippingForm(
        prefix="ship", initial={"threshold": offer.threshold if offer else ""}
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "coupon":
                coupon_form = CouponForm(request.POST, prefix="coupon")
                services.save_coupon(_data(coupon_form), merchant=merchant)
                messages.success(request, _("Coupon saved."))
            elif action == "deal":
                deal_form = DealForm(request.POST, prefix="deal")
                services.save_deal(_data(deal_form), merchant=merchant)
                messages.success(request, _("Flash deal saved."))
            elif action == "shipping":
                shipping_form = FreeShippingForm(request.POST, prefix="ship")
                services.set_free_shipping(merchant, request.POST.get("ship-threshold"))
                messages.success(request, _("Free shipping saved."))
            return redirect("console:promotions")
        except ValidationError as exc:
            form = {"coupon": coupon_form, "deal": deal_form}.get(str(action), shipping_form)
            _errors_into(form, exc)
            status = 422
    return render(
        request,
        "console/promotions.html",
        {
            "coupons": Coupon.objects.filter(merchant=merchant).order_by("-created_at")[:50],
            "deals": FlashDeal.objects.filter(variant__merchant=merchant)
            .select_related("variant")
            .order_by("-ends_at")[:50],
            "coupon_form": coupon_form,
            "deal_form": deal_form,
            "shipping_form": shipping_form,
            "offer": offer,
        },
        status=status,
    )


@merchant_required
@require_POST
def coupon_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_coupon(get_object_or_404(Coupon, pk=pk, merchant=request.merchant))
    messages.success(request, _("Coupon removed."))
    return redirect("console:promotions")


@merchant_required
@require_POST
def deal_end(request: HttpRequest, pk: int) -> HttpResponse:
    services.end_deal(get_object_or_404(FlashDeal, pk=pk, variant__merchant=request.merchant))
    messages.success(request, _("Flash deal ended."))
    return redirect("console:promotions")


@operator_required
def platform_coupons(request: HttpRequest) -> HttpResponse:
    """Operators' coupons: the platform pays them (the ledger's coupons account)."""
    form = CouponForm(prefix="coupon")
    status = 200
    if request.method == "POST":
        form = CouponForm(request.POST, prefix="coupon")
        try:
            services.save_coupon(_data(form), merchant=None)
            messages.success(request, _("Coupon saved."))
            return redirect("ops_coupons:index")
        except ValidationError as exc:
            _errors_into(form, exc)
            status = 422
    coupons = Coupon.objects.filter(merchant__isnull=True).order_by("-created_at")[:100]
    return render(
        request, "console/platform_coupons.html", {"coupons": coupons, "form": form},
        status=status,
    )  # fmt: skip


@operator_required
@require_POST
def platform_coupon_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_coupon(get_object_or_404(Coupon, pk=pk, merchant__isnull=True))
    messages.success(request, _("Coupon removed."))
    return redirect("ops_coupons:index")
