"""The public tracking page: a search box by S10 identifier and, for a parcel, its status, the
promised and estimated dates, the route map and the timeline in local times. Thin: the read
model is tracking.queries.tracking_view (two queries)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from caravana.accounts.limits import rate_limited
from caravana.tracking import queries


@rate_limited("tracking")
def search(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    if not q:
        return render(request, "tracking/search.html", {"q": ""})
    code = queries.clean_identifier(q)
    if code is None:
        error = _("%(q)s is not a tracking number: it has 13 characters, like HC123456785CN.")
        return render(
            request, "tracking/search.html", {"q": q, "error": error % {"q": q[:30]}}, status=422
        )
    return redirect("tracking:parcel", identifier=code)


@rate_limited("tracking")
def parcel(request: HttpRequest, identifier: str) -> HttpResponse:
    code = queries.clean_identifier(identifier)
    view = queries.tracking_view(code) if code else None
    if view is None:
        error = _("We found no parcel %(q)s. Check the number on your order.") % {
            "q": (code or identifier)[:30]
        }
        return render(
            request, "tracking/search.html", {"q": identifier, "error": error}, status=404
        )
    return render(request, "tracking/parcel.html", {"view": view, "q": view.identifier})
