"""The landed price a buyer sees on a product page: the engine's quote for one unit, delivered
to the buyer's country by the standard service. The state only matters in Brazil (ICMS); until
the buyer gives an address we price for the most populous state and say so."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from caravana.catalog import landed
from caravana.catalog.landed import DEFAULT_SERVICE, default_state
from caravana.catalog.models import Product
from caravana.markets import Market
from caravana.pricing.charge_names import charge_name
from caravana.pricing.engine import Quote

__all__ = ["DEFAULT_SERVICE", "charge_label", "default_state", "product_quote"]


def product_quote(product: Product, variants: list, country: Market) -> tuple[Any, Quote] | None:
    """The variant a card prices this product by and its quote (catalog.landed.cheapest):
    the product page shows exactly this figure. None when nothing can be delivered there."""
    return landed.cheapest(variants, product.hs_code, country.code)


def charge_label(charge, quote) -> str:
    """Goods and shipping are ours to name in the buyer's language; duties and taxes are named
    by pricing.charge_names, in the buyer's language with their legal names kept (II, ICMS,
    IVA, IGV), which is what buyers see on their customs papers."""
    if charge.kind == "goods":
        return _("Product")
    if charge.kind == "shipping":
        return _("Shipping (%(service)s)") % {"service": _service_name(quote.request.service_level)}
    if charge.kind == "insurance":
        return _("Insurance")
    return charge_name(quote.request.country, charge.code, charge.label, charge.rate)


def _service_name(code: str) -> str:
    names = {"premium": _("premium"), "standard": _("standard"), "economy": _("economy")}
    return names.get(code, code)
