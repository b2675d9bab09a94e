"""The sandbox provider's own pages, in its own URL space (/sandbox-provider/), as a real
provider hosts them on its domain: the card-token endpoint its browser script posts the card to
(the only place a card number is ever sent) and the 3-D Secure style challenge page of the
"issuing bank". All answer 404 unless PAYMENTS_SANDBOX_ENABLED."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from caravana.payments import providers, sandbox_cards
from caravana.payments.models import SandboxChallenge


def _sandbox_on() -> None:
    if not providers.sandbox_enabled():
        raise Http404


# A provider's token endpoint is called from the shop's page with a publishable key, not a
# session: it makes a token and nothing else, so there is no session state to forge.
@csrf_exempt
@require_POST
def card_tokens(request: HttpRequest) -> JsonResponse:
    """POST {"card_number", "card_expiry": "MM/YY", "card_cvc", "locale"} → 201 {"id": "tok_…",
    "card": {brand, last4, exp_month, exp_year}}, or 422 {"errors": {field: [message]}} in the
    page's language (`locale`, as a provider's script is told it: no shop cookie comes)."""
    _sandbox_on()
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    locale = str(body.get("locale") or "") if isinstance(body, dict) else ""
    if locale.lower() in {code for code, _name in settings.LANGUAGES}:
        with translation.override(locale.lower()):
            return _card_token(body)
    return _card_token(body)


def _card_token(body: object) -> JsonResponse:
    if not isinstance(body, dict):
        return JsonResponse({"errors": {"card_number": ["JSON object expected"]}}, status=422)
    try:
        entry = sandbox_cards.check(
            str(body.get("card_number") or ""), str(body.get("card_expiry") or ""),
            str(body.get("card_cvc") or ""), timezone.localdate(),
        )  # fmt: skip
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=422)
    card = sandbox_cards.tokenize(entry)
    return JsonResponse(
        {"id": card.token, "card": {"brand": card.brand, "last4": card.last4,
                                    "exp_month": card.exp_month, "exp_year": card.exp_year}},
        status=201,
    )  # fmt: skip


def challenge(request: HttpRequest, reference: str) -> HttpResponse:
    """The issuing bank's page: approve or fail, then back to the shop's return URL."""
    _sandbox_on()
    found = get_object_or_404(SandboxChallenge, payment_reference=reference)
    if request.method == "POST":
        if found.status == "pending":
            outcome = "approved" if request.POST.get("outcome") == "approve" else "failed"
            SandboxChallenge.objects.filter(pk=found.pk, status="pending").update(status=outcome)
        back = found.return_url
        if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
            return redirect(back)
        return redirect("sandbox_provider:challenge", reference=reference)
    return render(request, "payments/sandbox_challenge.html", {"challenge": found})
