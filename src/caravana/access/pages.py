"""Who may open which pages. A visitor who is not signed in goes to the sign-in page; a user
of the wrong role gets 403; staff get what they belong to on the request (request.merchant,
request.hub), found by the same lookups the API uses (access.members)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from caravana.access.members import HUB, MERCHANT, Membership, can_plan, is_operator

View = Callable[..., HttpResponse]


def _signed_in(view: View, allow: Callable[[HttpRequest], str | None]) -> View:
    """`view` for signed-in users `allow` lets through (it returns None), else 403 with the
    reason it returns."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        refusal = allow(request)
        if refusal is not None:
            raise PermissionDenied(refusal)
        return view(request, *args, **kwargs)

    return wrapped


def member_required(membership: Membership) -> Callable[[View], View]:
    """Pages for staff of `membership`'s kind, with what they belong to on the request."""

    def allow(request: HttpRequest) -> str | None:
        found = membership.find(request.user)
        if found is None:
            return str(membership.refusal)
        setattr(request, membership.attribute, found)
        return None

    return lambda view: _signed_in(view, allow)


def role_required(test: Callable[[Any], bool], refusal: str) -> Callable[[View], View]:
    """Pages for users `test` accepts (a role, not a tenant: they see every tenant's rows)."""
    return lambda view: _signed_in(view, lambda request: None if test(request.user) else refusal)


merchant_required = member_required(MERCHANT)
hub_required = member_required(HUB)
planner_required = role_required(can_plan, "planners only")
operator_required = role_required(is_operator, "operators only")
