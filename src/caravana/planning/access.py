from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from caravana.accounts.models import Role


def can_plan(user: object) -> bool:
    """Network planners and operators plan; nobody else sees capacity and costs."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role in (Role.PLANNER, Role.OPERATOR))


def planner_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Network planners and operators plan; nobody else sees capacity and costs."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_plan(user):
            raise PermissionDenied("planners only")
        return view(request, *args, **kwargs)

    return wrapped
