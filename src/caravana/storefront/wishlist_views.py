"""The wishlist: the heart button's target (save or remove, for htmx the button again) and the
buyer's page of saved products under their account. An anonymous buyer's wish is kept in the
session while they log in; they come back to the page they were on with it saved."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.catalog.models import Product
from caravana.guards import safe_next
from caravana.shelves import services as shelves
from caravana.storefront import wishlist
from caravana.storefront.views import _cards, _language, _staff


@require_POST
def wish(request: HttpRequest, pk: int) -> HttpResponse:
    product = Product.objects.filter(pk=pk, is_active=True).only("pk", *_TITLES).first()
    action = request.POST.get("action")
    if action not in ("add", "remove"):
        return HttpResponse(_("action: give add or remove."), status=400)
    back = safe_next(request, reverse("account:wishlist"))
    if not request.user.is_authenticated:
        if product is None:
            raise Http404
        request.session[shelves.SESSION_WISH] = product.pk
        messages.info(request, _("Log in to save products to your wishlist."))
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': back})}")
    if _staff(request):
        raise Http404
    if action == "add":
        try:
            if product is None or not shelves.add_to_wishlist(request.user, pk):
                raise Http404
        except ValidationError as exc:
            if request.htmx:
                return HttpResponse(" ".join(exc.messages), status=400)
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
    else:
        shelves.remove_from_wishlist(request.user, pk)
    if not request.htmx:
        return redirect(back)
    title = product.title(_language()) if product is not None else ""
    return HttpResponse(
        wishlist.button(
            pk,
            title,
            wished=action == "add",
            logged_in=True,
            csrf_token=get_token(request),
            back=back,
        )  # fmt: skip
    )


_TITLES = ("title_es", "title_pt_br", "title_en", "title_zh_hans")


@login_required
def wishlist_page(request: HttpRequest) -> HttpResponse:
    if _staff(request):
        raise Http404
    return render(
        request,
        "storefront/wishlist.html",
        {"cards": _cards(request, shelves.wishlist_ids(request.user))},
    )
