"""The landed price a buyer sees on a product page: the engine's quote for one unit, delivered
to the buyer's country by the standard service. The state only matters in Brazil (ICMS); until
the buyer gives an address we price for the most populous state and say so."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from caravana.catalog.models import Variant
from caravana.pricing import quoting
from caravana.pricing.charge_names import charge_name
from caravana.pricing.engine import Quote, QuoteError, QuoteLine, QuoteRequest
from caravana.storefront.countries import BuyerCountry

DEFAULT_STATE = {"BR": "SP"}
DEFAULT_SERVICE = "standard"


def line_for(variant: Variant, quantity: int = 1) -> QuoteLine:
    return QuoteLine(
        hs_code=variant.product.hs_code,
        unit_price=variant.price,
        currency=variant.currency,
        quantity=quantity,
        weight_g=variant.weight_g,
        length_cm=variant.length_cm,
        width_cm=variant.width_cm,
        height_cm=variant.height_cm,
    )


def quote_variant(
    variant: Variant,
    country: BuyerCountry,
    *,
    state: str | None = None,
    service: str = DEFAULT_SERVICE,
    on: dt.date | None = None,
) -> Quote | None:
    """None when the product cannot be priced here (no rule, no FX rate): the page then shows
    the goods price alone rather than a wrong total."""
    request = QuoteRequest(
        lines=(line_for(variant),),
        country=country.code,
        service_level=service,
        quote_date=on or dt.date.today(),
        state=state or DEFAULT_STATE.get(country.code),
    )
    try:
        return quoting.quote(request)
    except QuoteError:
        return None


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
