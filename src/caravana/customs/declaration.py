"""A parcel's customs declaration computed from plain data (no Django): the CN 23 values and
what electronic advance data repeats of them. ``build`` checks what customs would refuse
(a bad HS code, national digits that do not extend it, a commercial item without an invoice
number, a USCC with a wrong check character) and names the field.

Values: each item's value is quantity × unit value, rounded once to the currency's minor unit;
the total value (CN 23 box 6) is the goods; the customs value adds freight and insurance
(CIF, customs.md "Terms"). Weights: net = the items, gross = the parcel as declared or weighed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from caravana.codes import cn23, hs
from caravana.money import round_money

#: Digits of the full national tariff code that starts with the HS subheading (read 2026-12-03):
#: BR and AR the Mercosur NCM, 8 (6 of the HS + item + subitem: tdn.totvs.com citing
#: aprendendoaexportar.gov.br; editalconcursosbrasil.com.br); MX the TIGIE fracción, 8, plus the
#: 2-digit NICO (LIGIE art. 2 fr. II, Regla Complementaria 10a; cene.mx, lofac.com.mx); CL the
#: Arancel Aduanero, 8 (its chapters print codes as 0101.2100); CO the Arancel de Aduanas, 10
#: (Decreto 1531/2008 lists subpartidas such as 2504100000); PE the subpartida nacional, 10
#: (Arancel de Aduanas, El Peruano, e.g. 7208 10 20 00). AR may add the SIM opening, 3 digits
#: and a check letter, optional (agoracomex.com "posición arancelaria"; pcram.net/downloads/
#: estructura.html lays it out as 3 digits + 1 control character): how the letter is computed
#: was not found (unconfirmed), so it is not checked.
NATIONAL_DIGITS: dict[str, int] = {"BR": 8, "AR": 8, "MX": 10, "CL": 8, "CO": 10, "PE": 10}
#: Countries whose national code may carry a suffix after its digits: the pattern of that
#: suffix (AR: the SIM opening, three digits and a check letter).
NATIONAL_SUFFIX: dict[str, re.Pattern[str]] = {"AR": re.compile(r"\d{3}[A-Z]")}
_SEPARATORS = re.compile(r"[\s.\-/]+")


class DeclarationError(ValueError):
    """Bad input: `errors` maps each field ("items[0].hs_code") to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ItemIn:
    description_en: str
    description_local: str
    hs_code: str
    quantity: int
    unit_value: Decimal
    unit_weight_g: int
    origin_country: str = "CN"
    national_code: str = ""  # the full national code where the merchant gave it


@dataclass(frozen=True, slots=True)
class DeclarationIn:
    destination: str  # ISO country of the addressee
    language: str  # the destination's language (markets.language)
    currency: str
    items: Sequence[ItemIn]
    invoice_number: str
    sender_name: str
    sender_address: str
    sender_uscc: str
    buyer_document_type: str = ""
    buyer_document_number: str = ""
    freight: Decimal = Decimal(0)
    insurance: Decimal = Decimal(0)
    gross_weight_g: int = 0
    category: str = cn23.SALE_OF_GOODS


@dataclass(frozen=True, slots=True)
class Item:
    description_en: str
    description_local: str
    hs_code: str
    national_code: str
    quantity: int
    net_weight_g: int
    value: Decimal
    origin_country: str

    @property
    def tariff_code(self) -> str:
        """What the form's box 7 shows: the national code when given, else the HS subheading."""
        return self.national_code or self.hs_code

    def to_dict(self) -> dict[str, object]:
        return {
            "description_en": self.description_en,
            "description_local": self.description_local,
            "hs_code": self.hs_code,
            "national_code": self.national_code,
            "quantity": self.quantity,
            "net_weight_g": self.net_weight_g,
            "value": str(self.value),
            "origin_country": self.origin_country,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Item:
        return cls(
            description_en=str(d["description_en"]),
            description_local=str(d["description_local"]),
            hs_code=str(d["hs_code"]),
            national_code=str(d.get("national_code") or ""),
            quantity=int(str(d["quantity"])),
            net_weight_g=int(str(d["net_weight_g"])),
            value=Decimal(str(d["value"])),
            origin_country=str(d["origin_country"]),
        )


@dataclass(frozen=True, slots=True)
class Declaration:
    destination: str
    language: str
    category: str
    invoice_number: str
    currency: str
    items: tuple[Item, ...]
    goods_value: Decimal
    freight: Decimal
    insurance: Decimal
    customs_value: Decimal
    net_weight_g: int
    gross_weight_g: int
    buyer_document_type: str
    buyer_document_number: str
    sender_name: str
    sender_address: str
    sender_uscc: str
    warnings: tuple[str, ...] = field(default=())


@lru_cache(maxsize=4096)
def _uscc(number: str) -> str:
    """The compact USCC or StdnumError (a flight has few senders: checked once each)."""
    return uscc.validate(number)


@lru_cache(maxsize=16384)
def _hs(number: str) -> tuple[str, bool]:
    code = hs.compact(number)
    return code, hs.is_valid(code)


def national_code(destination: str, hs_code: str, given: str) -> str:
    """The merchant's national code for `destination` if it extends `hs_code` to the
    country's length (with the country's suffix, if any, after it), "" when none was given;
    ValueError otherwise. Dots, spaces, dashes and slashes between groups are dropped."""
    if not given.strip():
        return ""
    code = _SEPARATORS.sub("", given).upper()
    want = NATIONAL_DIGITS.get(destination)
    if want is None:
        raise ValueError(f"no national tariff is known for {destination}")
    digits, suffix = code[:want], code[want:]
    suffix_ok = not suffix or bool(
        destination in NATIONAL_SUFFIX and NATIONAL_SUFFIX[destination].fullmatch(suffix)
    )
    extends = digits.isdigit() and len(digits) == want and digits.startswith(hs_code)
    if not (extends and suffix_ok):
        raise ValueError(f"{destination} codes have {want} digits and start with {hs_code}")
    return code


def build(data: DeclarationIn) -> Declaration:
    """The declaration's values, or DeclarationError naming every bad field."""
    errors: dict[str, str] = {}
    warnings: list[str] = []
    if data.category not in {c for c, _label in cn23.CATEGORIES}:
        errors["category"] = f"{data.category!r} is not a CN 23 category"
    if data.category in cn23.COMMERCIAL and not data.invoice_number.strip():
        errors["invoice_number"] = "a commercial item needs its invoice number (CN 23 box 14)"
    try:
        sender_uscc = _uscc(data.sender_uscc)
    except StdnumError:
        errors["sender_uscc"] = f"{data.sender_uscc!r} is not a valid unified social credit code"
        sender_uscc = data.sender_uscc
    if not data.sender_name.strip():
        errors["sender_name"] = "the sender's legal name is required"
    if not data.items:
        errors["items"] = "at least one item"
    items: list[Item] = []
    for i, it in enumerate(data.items):
        p = f"items[{i}]."
        code, valid = _hs(it.hs_code)
        if not valid:
            errors[p + "hs_code"] = f"{it.hs_code!r} is not an HS six-digit subheading"
        try:
            national = national_code(data.destination, code, it.national_code)
        except ValueError as exc:
            errors[p + "national_code"] = str(exc)
            national = ""
        if it.quantity < 1:
            errors[p + "quantity"] = "at least 1"
        if it.unit_value < 0:
            errors[p + "unit_value"] = "not below zero"
        if not it.description_en.strip():
            errors[p + "description_en"] = "describe the item"
        local = it.description_local.strip() or it.description_en.strip()
        if not it.description_local.strip():
            warnings.append(f"{p}description_local: no {data.language} title, English used")
        items.append(
            Item(
                description_en=it.description_en.strip()[:200],
                description_local=local[:200],
                hs_code=code,
                national_code=national,
                quantity=it.quantity,
                net_weight_g=it.unit_weight_g * it.quantity,
                value=round_money(it.unit_value * it.quantity, data.currency),
                origin_country=(it.origin_country or "CN").upper()[:2],
            )
        )
    if errors:
        raise DeclarationError(errors)
    goods = sum((it.value for it in items), round_money(Decimal(0), data.currency))
    freight = round_money(data.freight, data.currency)
    insurance = round_money(data.insurance, data.currency)
    net = sum(it.net_weight_g for it in items)
    return Declaration(
        destination=data.destination,
        language=data.language,
        category=data.category,
        invoice_number=data.invoice_number.strip(),
        currency=data.currency,
        items=tuple(items),
        goods_value=goods,
        freight=freight,
        insurance=insurance,
        customs_value=goods + freight + insurance,
        net_weight_g=net,
        gross_weight_g=max(data.gross_weight_g, net),
        buyer_document_type=data.buyer_document_type,
        buyer_document_number=data.buyer_document_number,
        sender_name=data.sender_name.strip(),
        sender_address=data.sender_address.strip(),
        sender_uscc=sender_uscc,
        warnings=tuple(warnings),
    )
