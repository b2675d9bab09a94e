"""Money as Decimal plus an ISO 4217 code.

Pure Python (no Django) so the pricing engine and the ledger share one rounding rule: each
component is rounded once, half-up, to its currency's minor unit as babel's CLDR data knows it
(CLP and PYG have none, most have two).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision


@lru_cache(maxsize=64)
def minor_unit(currency: str) -> int:
    """Digits after the decimal point that the currency is paid in (CLDR)."""
    return get_currency_precision(currency)


@lru_cache(maxsize=64)
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


@lru_cache(maxsize=64)
def _babel_locale(locale: str) -> Locale:
    """babel parses a locale name on every call it is given one as text; a listing formats
    a price per card."""
    return Locale.parse(locale.replace("-", "_"))


@lru_cache(maxsize=8192)
def _formatted(amount: Decimal, currency: str, locale: str) -> str:
    """The same amounts are written again and again (a listing's prices on every view of it):
    kept by value. Equal Decimals (1.5, 1.50) are written alike, in the currency's digits."""
    return format_currency(amount, currency, locale=_babel_locale(locale))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def to_decimal(value: object, field: str = "amount") -> Decimal:
    """Parse a user-supplied amount; floats are refused because they cannot hold cents exactly."""
    if isinstance(value, float):
        raise ValueError(f"{field}: give money as a string or Decimal, not a float")
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{field}: {value!r} is not a number") from exc
    if not result.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return result


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", to_decimal(self.amount))
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"currency: {self.currency!r} is not an ISO 4217 code")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def rounded(self) -> Money:
        return Money(round_money(self.amount, self.currency), self.currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply money by a Decimal or int, not a float")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def convert(self, rate: Decimal, currency: str) -> Money:
        """Convert at `rate` units of `currency` per unit of ours; unrounded."""
        return Money(self.amount * rate, currency)

    def format(self, locale: str = "en") -> str:
        amount = self.amount
        # A negative that rounds to nothing (-0, -0.001) is written as zero, not "-R$ 0,00";
        # the cache also holds -0 and 0 as one key, so they must be written alike.
        if amount.is_signed() and not round_money(amount, self.currency):
            amount = Decimal(0)
        return _formatted(amount, self.currency, locale)

    def __str__(self) -> str:
        return f"{round_money(self.amount, self.currency)} {self.currency}"
