"""Operators' FX page: upload a rate file; the import runs as a job (its page shows the
progress, then how many rates were saved or the line that stopped it)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from caravana.access.pages import operator_required
from caravana.jobs import launch
from caravana.jobs.models import Job
from caravana.pricing import job_kinds
from caravana.pricing.forms import FxUploadForm
from caravana.pricing.models import FxRate


@operator_required
def fx_upload(request: HttpRequest) -> HttpResponse:
    form = FxUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = launch.start(
            request.user,
            job_kinds.FX_IMPORT,
            {"format": data["format"], "source": data["source"]},
            upload=data["file"],
        )
        return redirect("jobs:detail", pk=job.pk)
    latest = FxRate.objects.order_by("-date", "base", "quote")[:20]
    recent = Job.objects.filter(owner=request.user, kind=job_kinds.FX_IMPORT).order_by("-pk")[:10]
    return render(
        request,
        "console/fx_upload.html",
        {"form": form, "latest": latest, "recent": recent},
        status=422 if request.method == "POST" else 200,
    )
