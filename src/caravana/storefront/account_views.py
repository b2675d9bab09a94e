"""The buyer's account page: their saved cards (provider tokens shown as brand, last four and
expiry), each with a button that forgets it. Only the buyer's own are listed or deleted."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.payments import cards


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request, "storefront/account.html", {"saved_cards": cards.saved_for(request.user)}
    )


@login_required
@require_POST
def delete_card(request: HttpRequest, reference: str) -> HttpResponse:
    if not cards.delete(request.user, reference):
        raise Http404
    messages.success(request, _("The card was removed."))
    return redirect("account:home")
