"""The operators' customs advance data: pick a flight (and a destination, or all of them),
the export runs as a job (docs/decisions/0009) and its page offers the ZIP of JSON and CSV
files, one pair per destination, as each country's adapter writes them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from caravana import markets
from caravana.access.pages import operator_required
from caravana.console.export_views import _ops_choices, _pk
from caravana.customs import adapters
from caravana.customs.job_kinds import EAD_EXPORT
from caravana.jobs import launch
from caravana.jobs.models import Job
from caravana.network.models import Flight


def _context() -> dict:
    registered = adapters.registered()
    language = get_language() or "en"
    return {
        "flights": _ops_choices()["flights"],
        "countries": [(c, markets.country_name(c, language)) for c in sorted(registered)],
        "adapters": sorted(registered.items()),
    }


@operator_required
def advance_data(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        flight = _pk(request.POST.get("flight", ""))
        destination = request.POST.get("destination", "").upper()
        errors = {}
        if flight is None or not Flight.objects.filter(pk=flight).exists():
            errors["flight"] = True
        if destination and destination not in adapters.registered():
            errors["destination"] = True
        if not errors:
            params = {
                "flight": flight,
                "destination": destination,
                "broker": request.POST.get("broker") == "on",
            }
            job = launch.start(request.user, EAD_EXPORT, params)
            return redirect("jobs:detail", pk=job.pk)
        return render(
            request, "console/customs_export.html", {"errors": errors, **_context()}, status=422
        )
    recent = Job.objects.filter(owner=request.user, kind=EAD_EXPORT).order_by("-pk")[:10]
    return render(request, "console/customs_export.html", {"recent": recent, **_context()})
