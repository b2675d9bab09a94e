"""Show catalogue prices in the buyer's currency: converted at the dated FX rate, rounded once
to the currency's minor unit and written the buyer's way."""

from __future__ import annotations

from decimal import Decimal

from caravana.markets import Market
from caravana.money import Money
from caravana.pricing import fx


class PriceBook:
    """Converts many prices for one page with at most one FX lookup per currency pair."""

    def __init__(self, country: Market, language: str) -> None:
        self.country = country
        self.locale = country.format_locale(language)
        self._rates: dict[str, Decimal | None] = {}

    def rate(self, currency: str) -> Decimal | None:
        if currency not in self._rates:
            try:
                self._rates[currency] = fx.rate(currency, self.country.currency)
            except fx.MissingRate:
                self._rates[currency] = None
        return self._rates[currency]

    def convert(self, amount: Decimal | None, currency: str) -> Money | None:
        rate = self.rate(currency)
        if amount is None or rate is None:
            return None
        return Money(amount * rate, self.country.currency).rounded()

    def show(self, amount: Decimal | None, currency: str) -> str:
        money = self.convert(amount, currency)
        return money.format(self.locale) if money else ""

    def listing_rates(self) -> tuple[tuple[str, Decimal], ...]:
        return tuple((c, r) for c in ("CNY", "USD") if (r := self.rate(c)) is not None)
