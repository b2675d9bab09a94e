"""Vocabularies for the seed catalogue: categories, what their products are called in Spanish,
Brazilian Portuguese, English and Simplified Chinese, and the distributions their prices, weights
and sizes are drawn from. The words themselves are data files beside this module (data/*.json,
shipped as package data); this module reads them once and gives them their types.

Every phrase is a 4-tuple in the order of LANGS: (es, pt-BR, en, zh-Hans). Titles are written
the way cross-border listings are ("Fone de ouvido bluetooth TWS com microfone"): kind first,
then selling points, so the same template reads naturally in the three Latin-script languages.
The numbers are illustrative, chosen to look like the trade (a silicone case costs a few yuan,
earphones a hundred), not statistics of any marketplace. No power banks: they are standalone
lithium batteries, which the network refuses (catalog.sellable), so nobody may list them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from importlib import resources
from typing import Any

# Field suffixes, in the order every phrase tuple uses.
LANGS: tuple[str, ...] = ("es", "pt_br", "en", "zh_hans")

Phrase = tuple[str, str, str, str]


@dataclass(frozen=True)
class Top:
    slug: str
    names: Phrase


@dataclass(frozen=True)
class Leaf:
    slug: str
    parent: str
    names: Phrase
    hs_codes: tuple[str, ...]
    battery: str  # none / in_equipment / standalone (catalog.models.BatteryType)
    kinds: tuple[Phrase, ...]  # what the product is; starts the title
    features: tuple[Phrase, ...]  # selling points appended to the title
    uses: tuple[Phrase, ...]  # a sentence for the description
    materials: tuple[Phrase, ...]
    price_cny: float  # median price in CNY (log-normal)
    price_sigma: float
    weight_g: float  # median shipping weight in grams (log-normal)
    weight_sigma: float
    dims_cm: tuple[float, float, float]  # typical packed length, width, height
    options: str  # "colour", "colour+size", "colour+model", "shade"
    weight: int  # relative share of the catalogue
    sku: str  # SKU prefix


@dataclass(frozen=True)
class City:
    name: str
    zh: str
    region: str  # administrative division code used in the USCC
    industries: tuple[str, ...]
    area_code: str


def _tuples(value: Any) -> Any:
    """JSON arrays as tuples, all the way down: phrases and word lists are immutable."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return {key: _tuples(value) for key, value in json.loads(text).items()}


def _build(cls: type, row: dict[str, Any]) -> Any:
    """A dataclass from a JSON object with exactly its fields (a typo fails loudly)."""
    names = {f.name for f in fields(cls)}
    if set(row) != names:
        raise ValueError(f"{cls.__name__}: fields {sorted(set(row) ^ names)} do not match")
    return cls(**{key: _tuples(value) for key, value in row.items()})


_categories = _load("categories.json")
TOPS: tuple[Top, ...] = tuple(_build(Top, row) for row in _categories["tops"])
LEAVES: tuple[Leaf, ...] = tuple(_build(Leaf, row) for row in _categories["leaves"])

_words = _load("product_words.json")
PHONE_MODELS: tuple[str, ...] = _words["phone_models"]
COLOURS: tuple[Phrase, ...] = _words["colours"]
SIZES: tuple[str, ...] = _words["sizes"]
SHADES: tuple[str, ...] = _words["shades"]
BRANDS: tuple[str, ...] = _words["brands"]
FEATURES_LABEL: Phrase = _words["features_label"]
MATERIAL_LABEL: Phrase = _words["material_label"]
COLOURS_LABEL: Phrase = _words["colours_label"]
FOR_MODEL: Phrase = _words["for_model"]
SHIPS_FROM: Phrase = _words["ships_from"]
EXTRAS: tuple[Phrase, ...] = _words["extras"]

_names = _load("merchant_names.json")
CITIES: tuple[City, ...] = tuple(_build(City, row) for row in _names["cities"])
# Pinyin syllables for trade names ("Huaqiang", "Xinda", ...).
SYLLABLES: tuple[str, ...] = _names["syllables"]
SURNAMES: tuple[str, ...] = _names["surnames"]
GIVEN: tuple[str, ...] = _names["given"]
STORE_WORDS: tuple[str, ...] = _names["store_words"]

_fx = _load("fx_rates.json")
FX_SOURCE: str = _fx["source"]


def fx_seed_rates() -> dict[tuple[str, str], float]:
    """Illustrative late-2026 rates for the seed, one unit of base in quote currency
    (data/fx_rates.json). Replace with ECB / central-bank imports in production; these only
    make prices plausible."""
    usd: dict[str, float] = _fx["per_usd"]
    eur_usd: float = _fx["eur_usd"]
    out: dict[tuple[str, str], float] = {}
    for quote, per_usd in usd.items():
        if quote != "USD":
            out[("USD", quote)] = per_usd
        out[("EUR", quote)] = per_usd * eur_usd
        if quote != "CNY":
            out[("CNY", quote)] = per_usd / usd["CNY"]
    return out
