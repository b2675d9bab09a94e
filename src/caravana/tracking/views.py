"""The public tracking page: a search box by S10 identifier and, for a parcel, its status, the
promised and estimated dates, the route map and the timeline in local times. Thin: the read
model is tracking.queries.tracking_view (two queries)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from caravana.accounts.limits import rate_limited
from caravana.codes import s10
from caravana.tracking import queries


@rate_limited("tracking")
def search(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    if not q:
        return render(request, "tracking/search.html", {"track_q": ""})
    code = queries.clean_identifier(q)
    if code is None:
        return render(
            request,
            "tracking/search.html",
            {"track_q": q, "error": identifier_error(q)},
            status=422,
        )
    return redirect("tracking:parcel", identifier=code)


def identifier_error(value: str) -> str:
    """Why `value` is not a tracking number, saying what to check: a wrong check digit is a
    typing mistake somewhere in the digits, not a wrong length."""
    shown = value.strip()[:30]
    compact = s10.compact(value or "")
    kind = s10.problem(value or "")
    if kind == "check_digit":
        return _(
            "%(q)s does not add up: its check digit (the last digit) does not match the "
            "digits before it, so one of them is probably mistyped. Compare it with the "
            "number on your order or label."
        ) % {"q": shown}
    if kind == "country":
        return _("%(q)s should end in a country code, such as CN.") % {"q": shown}
    if kind == "length":
        return _("%(q)s has %(n)d characters; a tracking number has 13, like HC123456785CN.") % {
            "q": shown,
            "n": len(compact),
        }
    return _(
        "%(q)s is not a tracking number: 2 letters, 9 digits and 2 letters, like HC123456785CN."
    ) % {"q": shown}


@rate_limited("tracking")
def parcel(request: HttpRequest, identifier: str) -> HttpResponse:
    code = queries.clean_identifier(identifier)
    view = queries.tracking_view(code) if code else None
    if view is None:
        if code is None:
            error = identifier_error(identifier)
        else:
            error = _("We found no parcel %(q)s. Check the number on your order.") % {"q": code}
        return render(
            request, "tracking/search.html", {"track_q": identifier, "error": error}, status=404
        )
    # `track_q`, not `q`: the header's product search shows `q`, and a tracking number is no
    # product search.
    return render(request, "tracking/parcel.html", {"view": view, "track_q": view.identifier})
