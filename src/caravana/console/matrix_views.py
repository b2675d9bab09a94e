"""The merchant console's variant matrix page: one product's variants' prices and stock in one
grid, saved by one post through catalog.services.set_variant_grid (all cells or none), which
also creates a variant for each empty cell the merchant filled."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from caravana.access.objects import owned_or_404
from caravana.access.pages import merchant_required
from caravana.catalog import services
from caravana.catalog.models import Product, Stock, Warehouse
from caravana.console import variant_matrix


@merchant_required
def matrix(request: HttpRequest, pk: int) -> HttpResponse:
    product = owned_or_404(
        Product.objects.select_related("store", "category"), request.merchant, pk=pk
    )
    warehouse = Warehouse.objects.filter(merchant=request.merchant).order_by("id").first()
    variants = list(product.variants.order_by("id"))
    stocks = {
        s.variant_id: s for s in Stock.objects.filter(variant__product=product, warehouse=warehouse)
    }
    grid = variant_matrix.build(variants, stocks)
    other: list[str] = []
    if request.method == "POST":
        changes = variant_matrix.read(grid, request.POST)
        new = variant_matrix.read_new(grid, request.POST)
        if changes is not None and new is not None and warehouse is not None:
            try:
                n = services.set_variant_grid(product, warehouse, changes, new)
            except ValidationError as exc:
                other = variant_matrix.place_errors(grid, exc.error_dict)
            else:
                messages.success(
                    request, _("Saved: %(n)d cells changed.") % {"n": n} if n else _("No change.")
                )
                return redirect("console:variant_matrix", pk=product.pk)
    failed = bool(grid.errors or other)
    return render(
        request,
        "console/variant_matrix.html",
        {
            "product": product,
            "title": product.title(request.LANGUAGE_CODE),
            "category": product.category.name(request.LANGUAGE_CODE),
            "grid": grid,
            "row_label": variant_matrix.option_label(grid.row_name or ""),
            "column_label": variant_matrix.option_label(grid.column_name or ""),
            "warehouse": warehouse,
            "other_errors": other,
        },
        status=422 if failed else 200,
    )
