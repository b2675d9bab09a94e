"""Who may use the hub pages: hub staff, and only for their own hub."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from caravana.network.models import HubMember


def hub_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        member = HubMember.objects.select_related("hub").filter(user=request.user).first()
        if member is None or not member.hub.is_active:
            raise PermissionDenied("hub staff only")
        request.hub = member.hub
        return view(request, *args, **kwargs)

    return wrapped
