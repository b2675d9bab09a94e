"""Merchant console pages for parcels: list, create, labels. A merchant only sees its own."""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.objects import owned_or_404
from caravana.access.pages import merchant_required
from caravana.fulfillment import job_kinds as labels_jobs
from caravana.fulfillment import labels, queries
from caravana.fulfillment.forms import ItemFormSet, ParcelForm
from caravana.fulfillment.models import Parcel
from caravana.fulfillment.services import parcels as parcel_services
from caravana.jobs import launch


@merchant_required
def parcel_list(request: HttpRequest) -> HttpResponse:
    """The merchant's parcels, newest first, filterable by state."""
    context = queries.parcel_list(request.GET, merchant=request.merchant)
    return render(request, "fulfillment/console/parcel_list.html", context)


def _apply_errors(form: ParcelForm, formset: ItemFormSet, exc: ValidationError) -> None:
    for name, messages in exc.message_dict.items():
        if name.startswith("items[") and "]." in name:
            index, _sep, field = name[6:].partition("].")
            target = formset.forms[int(index)] if int(index) < len(formset.forms) else None
            if target is not None and field in target.fields:
                for m in messages:
                    target.add_error(field, m)
                continue
        for m in messages:
            form.add_error(name if name in form.fields else None, m)


@merchant_required
def parcel_new(request: HttpRequest) -> HttpResponse:
    form = ParcelForm(request.POST or None, initial={"ddp": True, "service_level": "standard"})
    formset = ItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = dict(form.cleaned_data)
        data["items"] = [f.cleaned_data for f in formset.forms if f.cleaned_data]
        try:
            parcel = parcel_services.create_parcel(request.merchant, data)
        except ValidationError as exc:
            _apply_errors(form, formset, exc)
        else:
            return redirect(f"{reverse('parcels:list')}?created={parcel.s10}")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "fulfillment/console/parcel_form.html",
        {"form": form, "formset": formset},
        status=status,
    )


def _pdf(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@merchant_required
def parcel_label(request: HttpRequest, s10: str) -> HttpResponse:
    owned_or_404(Parcel, request.merchant, s10=s10)
    return _pdf(
        labels.render_labels(parcel_services.parcels_for_labels(request.merchant, [s10])),
        f"{s10}.pdf",
    )


@merchant_required
@require_POST
def labels_batch(request: HttpRequest) -> HttpResponse:
    """Many labels in one PDF (s10=…&s10=…, up to 500), drawn by a job: the page it leads to
    shows the progress and then the download."""
    wanted = [s for s in request.POST.getlist("s10") if s.strip()][: labels_jobs.MAX_LABELS]
    if not wanted:
        flash.error(request, _("Select at least one parcel to print its label."))
        return redirect("parcels:list")
    job = launch.start(
        request.user, labels_jobs.LABELS, {"merchant": request.merchant.pk, "s10": wanted}
    )
    return redirect("jobs:detail", pk=job.pk)
