"""Who may use the merchant console: merchant staff, and only for their own merchant."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from caravana.catalog.models import MerchantMember


def merchant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        member = MerchantMember.objects.select_related("merchant").filter(user=request.user).first()
        if member is None:
            raise PermissionDenied("merchant staff only")
        request.merchant = member.merchant
        return view(request, *args, **kwargs)

    return wrapped
