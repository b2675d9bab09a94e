"""What a merchant tells customs, on the console: each product's national tariff codes per
destination, and the sender's identity (legal names, USCC, address in China) that its
parcels' declarations and CN 23s carry. Every write goes through customs.services; a merchant
sees only its own products (another's answers 404) and its own identity."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from caravana import markets
from caravana.access.objects import owned, owned_or_404
from caravana.access.pages import merchant_required
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.catalog.models import Product
from caravana.console.forms import NationalCodesForm, SenderForm
from caravana.customs import services


def _countries(hs_code: str = "") -> list[tuple[str, str, str]]:
    """(code, label, help text) of each destination that has a national tariff."""
    language = get_language() or "en"
    return [
        (
            c,
            f"{markets.country_name(c, language)} — {services.NATIONAL_CODE_NAMES[c]}",
            services.national_code_format(c, hs_code),
        )
        for c in markets.codes()
        if c in services.NATIONAL_CODE_NAMES
    ]


def _apply(form, exc: ValidationError, fields: dict[str, str]) -> None:
    """The service's errors on the form's fields (`fields`: service key → form field)."""
    for key, errors in exc.message_dict.items():
        target = fields.get(key, key if key in form.fields else None)
        for err in errors:
            form.add_error(target, err)


def _status(request: HttpRequest, form) -> int:
    # htmx swaps only 2xx answers: a partial with its errors goes back as 200; a full page
    # with errors as 422, as the rest of the console does.
    return 422 if form.errors and not request.htmx else 200


@merchant_required
def overview(request: HttpRequest) -> HttpResponse:
    """The sender's identity and every product's codes, fifty products a page."""
    rows = owned(Product, request.merchant).select_related("store").order_by("-created_at", "-id")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    codes = services.national_codes_by_product([p.pk for p in page])
    countries = _countries()
    for product in page:
        mine = codes.get(product.pk, {})
        product.codes = [mine.get(c, "") for c, _label, _help in countries]
    return render(
        request,
        "console/customs.html",
        {
            "page": page,
            "countries": [c for c, _label, _help in countries],
            "sender": services.sender_identity(request.merchant),
            "sender_address": services.sender_address_line(request.merchant),
        },
    )


@merchant_required
@require_http_methods(["GET", "POST"])
def product_codes(request: HttpRequest, pk: int) -> HttpResponse:
    product = owned_or_404(Product.objects.select_related("store"), request.merchant, pk=pk)
    countries = _countries(product.hs_code)
    saved = False
    if request.method == "POST":
        form = NationalCodesForm(request.POST, product=product, countries=countries)
        if form.is_valid():
            try:
                services.set_national_codes(product, form.codes())
            except ValidationError as exc:
                fields = {f"codes.{c}": f"code_{c.lower()}" for c, _l, _h in countries}
                _apply(form, exc, fields)
            else:
                saved = True
    if request.method == "GET" or saved:
        current = services.national_codes_of(product)
        initial = {f"code_{c.lower()}": code for c, code in current.items()}
        form = NationalCodesForm(initial=initial, product=product, countries=countries)
    template = (
        "console/_national_codes_form.html" if request.htmx else "console/customs_product.html"
    )
    return render(
        request,
        template,
        {"product": product, "form": form, "saved": saved},
        status=_status(request, form),
    )


@merchant_required
@require_http_methods(["GET", "POST"])
def sender(request: HttpRequest) -> HttpResponse:
    provinces = services.province_choices()
    saved = False
    if request.method == "POST":
        form = SenderForm(request.POST, provinces=provinces)
        if form.is_valid():
            try:
                services.set_sender_identity(request.merchant, form.cleaned_data)
            except ValidationError as exc:
                _apply(form, exc, {})
            else:
                saved = True
                form = SenderForm(
                    initial=services.sender_identity(request.merchant), provinces=provinces
                )
    else:
        form = SenderForm(initial=services.sender_identity(request.merchant), provinces=provinces)
    template = "console/_sender_form.html" if request.htmx else "console/customs_sender.html"
    return render(request, template, {"form": form, "saved": saved}, status=_status(request, form))
