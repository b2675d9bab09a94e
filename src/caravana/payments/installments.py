"""Card installments by each country's rules (payments.md): which counts a buyer may choose and
how an amount is split. The rules (counts, minimum installment) are the market's
(caravana.markets); this applies them. Pure Python, no Django.

Rounding: each installment is the amount divided by the count, rounded down to the currency's
minor unit, and the remainder goes to the first installment, so the installments add up to the
amount exactly. Source: reference/payments.md, "Card installments": "Rounding remainder goes to
the first installment: 100.00 / 3 → 33.34 + 33.33 + 33.33".
>>> split(Decimal("100.00"), "BRL", 3)
[Decimal('33.34'), Decimal('33.33'), Decimal('33.33')]

Most rules charge no interest: the installments add up to the price. payments-latam.md, §2:
parcelado sem juros in Brazil and meses sin intereses in Mexico are borne by the merchant; in
Argentina the buyer's capped-rate Cuota Simple ended on 30 Jun 2025 and interest is "often
absorbed by merchant"; Chile's Webpay NC cuotas are interest-free to the buyer. A rule may give
a monthly rate for some counts (InstallmentRule.interest: the provider's, which the buyer pays
the provider; Colombia's cuotas): those installments are the price amortised at that rate
(French system: equal installments, P·r / (1 − (1 + r)^−n)), rounded as above, and the Option
is shown with what it costs in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from caravana.markets import market as markets
from caravana.money import minor_unit


def split(amount: Decimal, currency: str, count: int, rate: Decimal = Decimal(0)) -> list[Decimal]:
    """`count` installments in the currency's minor unit; they add up to `amount` exactly, or
    with a monthly `rate`, to `amount` amortised at that rate."""
    if count < 1:
        raise ValueError("installments: at least one")
    quantum = Decimal(1).scaleb(-minor_unit(currency))
    total = amount
    if rate and count > 1:
        payment = amount * rate / (1 - (1 + rate) ** -count)
        total = (payment * count).quantize(quantum)
    each = (total / count).quantize(quantum, rounding=ROUND_DOWN)
    first = total - each * (count - 1)
    return [first] + [each] * (count - 1)


def _rate(country: str, count: int) -> Decimal:
    found = markets.get(country)
    rule = found.installments if found else None
    return Decimal(rule.interest.get(count, 0)) if rule else Decimal(0)


def options(country: str, amount: Decimal, currency: str) -> list[int]:
    """The counts this amount may be paid in: 1, and each count whose smallest installment is
    at least the country's minimum."""
    found = markets.get(country)
    applies = found.installments if found and found.currency == currency else None
    if applies is None:
        return [1]
    return [
        n for n in applies.counts if n == 1 or split(amount, currency, n)[-1] >= applies.minimum
    ]


@dataclass(frozen=True)
class Option:
    """One count the buyer may choose, with its installments (the first takes the remainder)
    and what they add up to."""

    count: int
    amounts: tuple[Decimal, ...]
    price: Decimal  # the amount being paid in installments

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal(0))

    @property
    def each(self) -> Decimal:
        """The amount of every installment but (perhaps) the first."""
        return self.amounts[-1]

    @property
    def first(self) -> Decimal:
        return self.amounts[0]

    @property
    def interest_free(self) -> bool:
        return self.total == self.price


def choices(country: str, amount: Decimal, currency: str) -> list[Option]:
    """The options a buyer may pick for this amount, in order, each with its installments."""
    return [
        Option(n, tuple(split(amount, currency, n, _rate(country, n))), amount)
        for n in options(country, amount, currency)
    ]


def plan(country: str, amount: Decimal, currency: str, count: int) -> list[Decimal]:
    """The installments, or ValueError naming the rule that refuses `count`."""
    allowed = options(country, amount, currency)
    if count not in allowed:
        found = markets.get(country)
        applies = found.installments if found else None
        if found is None or applies is None or count not in applies.counts:
            raise ValueError(f"installments: choose one of {', '.join(map(str, allowed))}")
        raise ValueError(
            f"installments: each must be at least {applies.minimum} {found.currency}; "
            f"choose one of {', '.join(map(str, allowed))}"
        )
    return split(amount, currency, count, _rate(country, count))
