"""A job's page, its progress partial (polled by htmx every second until the job ends), its
download, and retry. Only the owner and operators see a job; anyone else gets a 404, so job
numbers tell nothing."""

from __future__ import annotations

import posixpath

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from caravana.access.members import is_operator, merchant_of
from caravana.jobs import kinds, launch
from caravana.jobs.models import Job

# htmx stops polling on this status (https://htmx.org/docs/#polling) and still swaps the body.
STOP_POLLING = 286


def _visible(request: HttpRequest, pk: int) -> Job:
    job = get_object_or_404(Job, pk=pk)
    if job.owner_id != request.user.pk and not is_operator(request.user):
        raise Http404("no such job")
    return job


def _context(request: HttpRequest, job: Job) -> dict:
    kind = kinds.get(job.kind) if kinds.known(job.kind) else None
    base = "base.html"
    if kind is not None and kind.console:
        merchant = merchant_of(request.user)
        if merchant is not None:
            request.merchant = merchant  # type: ignore[attr-defined]  # the console's header
            base = "console/base_console.html"
    return {
        "job": job,
        "title": kind.title if kind else job.kind,
        "base": base,
        "download_name": posixpath.basename(job.result_file.name) if job.result_file else "",
        "can_retry": job.state == Job.State.FAILED and job.owner_id == request.user.pk,
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible(request, pk)
    return render(request, "jobs/job.html", _context(request, job))


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible(request, pk)
    response = render(request, "jobs/_progress.html", _context(request, job))
    if job.finished:
        response.status_code = STOP_POLLING
        if job.state == Job.State.DONE and job.result_url and request.htmx:
            response["HX-Redirect"] = job.result_url  # straight on to the plan it made
    return response


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    job = _visible(request, pk)
    if job.state != Job.State.DONE or not job.result_file:
        raise Http404("no file")
    name = posixpath.basename(job.result_file.name)
    response = FileResponse(job.result_file.open("rb"), as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible(request, pk)
    if job.owner_id != request.user.pk:
        raise Http404("no such job")
    launch.retry(job)
    return redirect("jobs:detail", pk=job.pk)
