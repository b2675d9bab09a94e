"""The buyer countries we sell to: currency, default language and the locale used to format
money and dates. Names come from CLDR through babel so they are right in every language."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import cache

from babel import Locale

from caravana.markets import TIME_ZONES


@dataclass(frozen=True)
class BuyerCountry:
    code: str
    currency: str
    language: str  # Django language code of the default UI language
    locale: str  # CLDR locale for formatting
    #: IANA zone buyers' times are shown in (caravana.markets.TIME_ZONES says which and why).
    time_zone: str = "UTC"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def name(self, language: str) -> str:
        return _locale(language).territories.get(self.code, self.code)


COUNTRIES: dict[str, BuyerCountry] = {
    c.code: c
    for c in (
        BuyerCountry("BR", "BRL", "pt-br", "pt_BR", TIME_ZONES["BR"]),
        BuyerCountry("MX", "MXN", "es", "es_MX", TIME_ZONES["MX"]),
        BuyerCountry("CL", "CLP", "es", "es_CL", TIME_ZONES["CL"]),
        BuyerCountry("CO", "COP", "es", "es_CO", TIME_ZONES["CO"]),
        BuyerCountry("PE", "PEN", "es", "es_PE", TIME_ZONES["PE"]),
        BuyerCountry("AR", "ARS", "es", "es_AR", TIME_ZONES["AR"]),
    )
}
DEFAULT = COUNTRIES["MX"]
BUYER_LANGUAGES = ("es", "pt-br", "en")


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language.replace("-", "_"), sep="_") if language else Locale("en")


def get(code: str | None) -> BuyerCountry | None:
    return COUNTRIES.get((code or "").upper())


def format_locale(country: BuyerCountry, language: str) -> str:
    """Money is written the buyer's way: pt-BR in Brazil, es-XX in Spanish, en-XX in English."""
    if language.startswith("en"):
        return f"en_{country.code}" if _has_locale(f"en_{country.code}") else "en"
    return country.locale


@cache
def _has_locale(name: str) -> bool:
    try:
        Locale.parse(name)
    except Exception:
        return False
    return True
