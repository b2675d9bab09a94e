"""Merchant console: stores, products, variants, stock and API tokens. Every write goes
through catalog.services or accounts.services; a merchant only ever sees its own rows."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from caravana.access.objects import owned_or_404
from caravana.access.pages import merchant_required
from caravana.accounts import services as account_services
from caravana.accounts.models import ApiToken
from caravana.admin_lists.counts import EstimatedCountPaginator as Paginator
from caravana.catalog import queries, services, thumbnails
from caravana.catalog.models import Product, ProductImage, Stock, Store, Variant, Warehouse
from caravana.console.forms import (
    ImageActionForm,
    ImageForm,
    ProductForm,
    StockForm,
    StoreForm,
    TokenForm,
    VariantForm,
)


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for err in errors:
                form.add_error(target, err)
    else:
        form.add_error(None, exc)


def _own_product(request: HttpRequest, pk: int) -> Product:
    return owned_or_404(
        Product.objects.select_related("store", "category"), request.merchant, pk=pk
    )


@merchant_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The merchant's stores, 25 a page, each with its products counted up to a cap
    (catalog.queries.stores_with_counts): bounded however large the catalogue."""
    stores = Store.objects.filter(merchant=request.merchant).order_by("name", "id")
    page = Paginator(stores, 25).get_page(request.GET.get("page"))
    counts = queries.product_counts([s.pk for s in page])
    for store in page:
        store.n_products = counts.get(store.pk, 0)
    return render(request, "console/dashboard.html", {"page": page, "cap": queries.STORE_COUNT_CAP})


@merchant_required
def store_new(request: HttpRequest) -> HttpResponse:
    form = StoreForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_store(request.merchant, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("console:stores")
    return render(
        request, "console/store_form.html", {"form": form}, status=422 if form.errors else 200
    )


def _product_data(form: ProductForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("store")
    return data


@merchant_required
def product_new(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None, merchant=request.merchant)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.create_product(form.cleaned_data["store"], _product_data(form))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("console:product_edit", pk=product.pk)
    return render(
        request, "console/product_form.html", {"form": form}, status=422 if form.errors else 200
    )


def _edit_context(request: HttpRequest, product: Product, **forms) -> dict:
    warehouse = Warehouse.objects.filter(merchant=request.merchant).order_by("id").first()
    stock = {
        s.variant_id: s for s in Stock.objects.filter(variant__product=product, warehouse=warehouse)
    }
    variants = list(product.variants.all())
    for v in variants:
        v.stock_row = stock.get(v.pk)
    return {
        "product": product,
        "form": forms.get("form") or ProductForm(instance=product, merchant=request.merchant),
        "variant_form": forms.get("variant_form") or VariantForm(),
        "image_form": forms.get("image_form") or ImageForm(product=product),
        "variants": variants,
        "warehouse": warehouse,
        "images": _editor_pictures(product),
        "image_error": forms.get("image_error"),
    }


def _editor_pictures(product: Product) -> list[dict]:
    storage = ProductImage._meta.get_field("image").storage
    images = list(product.images.select_related("variant"))
    return [
        {
            "image": im,
            "src": thumbnails.sources(storage, im.image.name, 240),
            "first": n == 0,
            "last": n == len(images) - 1,
        }
        for n, im in enumerate(images)
    ]


@merchant_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = _own_product(request, pk)
    form = ProductForm(request.POST or None, instance=product, merchant=request.merchant)
    if request.method == "POST" and form.is_valid():
        data = _product_data(form)
        try:
            services.update_product(product, data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            return redirect("console:product_edit", pk=product.pk)
    return render(
        request,
        "console/product_edit.html",
        _edit_context(request, product, form=form),
        status=422 if form.errors else 200,
    )


@merchant_required
@require_POST
def variant_new(request: HttpRequest, pk: int) -> HttpResponse:
    product = _own_product(request, pk)
    vform = VariantForm(request.POST)
    if vform.is_valid():
        data = vform.service_data()
        try:
            services.create_variant(product, data)
        except ValidationError as exc:
            _apply_errors(vform, exc)
        else:
            return redirect("console:product_edit", pk=product.pk)
    product.refresh_from_db()
    return render(
        request,
        "console/product_edit.html",
        _edit_context(request, product, variant_form=vform),
        status=422,
    )


@merchant_required
@require_POST
def stock_set(request: HttpRequest, pk: int) -> HttpResponse:
    variant = owned_or_404(Variant, request.merchant, pk=pk)
    form = StockForm(request.POST)
    warehouse = Warehouse.objects.filter(merchant=request.merchant).order_by("id").first()
    error = None
    if form.is_valid():
        try:
            services.set_stock(variant, warehouse, form.cleaned_data["quantity"])
        except ValidationError as exc:
            error = "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
    else:
        error = "; ".join(e for errs in form.errors.values() for e in errs)
    if request.htmx:
        stock = Stock.objects.filter(variant=variant, warehouse=warehouse).first()
        return render(
            request,
            "console/_stock_cell.html",
            {"v": variant, "stock": stock, "error": error},
            status=422 if error else 200,
        )
    return redirect("console:product_edit", pk=variant.product_id)


@merchant_required
@require_POST
def image_add(request: HttpRequest, pk: int) -> HttpResponse:
    product = _own_product(request, pk)
    iform = ImageForm(request.POST, request.FILES, product=product)
    if iform.is_valid():
        try:
            services.add_image(product, iform.cleaned_data["image"], iform.cleaned_data["variant"])
        except ValidationError as exc:
            _apply_errors(iform, exc)
        else:
            return redirect(reverse("console:product_edit", args=[product.pk]) + "#pictures")
    return render(
        request,
        "console/product_edit.html",
        _edit_context(request, product, image_form=iform),
        status=422,
    )


@merchant_required
@require_POST
def image_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Reorder, make main, show for an option, or delete one picture of the merchant's own."""
    image = owned_or_404(ProductImage.objects.select_related("product"), request.merchant, pk=pk)
    product = _own_product(request, image.product_id)
    form = ImageActionForm(request.POST, product=product)
    error = None
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            if action == "up":
                services.move_image(image, max(0, image.position - 1))
            elif action == "down":
                last = product.images.count() - 1
                services.move_image(image, min(last, image.position + 1))
            elif action == "main":
                services.set_main_image(image)
            elif action == "variant":
                services.set_image_variant(image, form.cleaned_data["variant"])
            else:
                services.delete_image(image)
        except ValidationError as exc:
            error = "; ".join(m for msgs in exc.message_dict.values() for m in msgs)
    else:
        error = "; ".join(f"{f}: {e}" for f, errs in form.errors.items() for e in errs)
    if error is None:
        return redirect(reverse("console:product_edit", args=[product.pk]) + "#pictures")
    return render(
        request,
        "console/product_edit.html",
        _edit_context(request, product, image_error=error),
        status=422,
    )


@merchant_required
def tokens(request: HttpRequest) -> HttpResponse:
    allowed = account_services.role_scopes(request.user)
    form = TokenForm(request.POST or None, allowed=allowed)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = account_services.create_token(
                request.user, form.cleaned_data["name"], form.cleaned_data["scopes"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            form = TokenForm(allowed=allowed)
    rows = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "console/tokens.html",
        {
            "form": form,
            "tokens": rows,
            "secret": secret,
            "notice": _("Copy this token now: it will not be shown again."),
        },
        status=422 if request.method == "POST" and secret is None else 200,
    )


@merchant_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    owned_or_404(ApiToken, request.user, pk=pk)
    account_services.revoke_token(request.user, pk)
    return redirect("console:tokens")
