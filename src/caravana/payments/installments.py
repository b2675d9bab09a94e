"""Card installments by each country's rules (payments.md): which counts a buyer may choose and
how an amount is split. Pure Python, no Django.

The remainder of the split goes to the first installment, as issuers do:
>>> split(Decimal("100.00"), "BRL", 3)
[Decimal('33.34'), Decimal('33.33'), Decimal('33.33')]
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from caravana.money import minor_unit


@dataclass(frozen=True)
class InstallmentRule:
    country: str
    currency: str
    counts: tuple[int, ...]
    minimum: Decimal  # per installment, when there is more than one


#: parcelamento (BR), meses sin intereses (MX), cuotas (AR). Paying at once (1) is always allowed.
RULES: dict[str, InstallmentRule] = {
    "BR": InstallmentRule("BR", "BRL", tuple(range(1, 13)), Decimal("5.00")),
    "MX": InstallmentRule("MX", "MXN", (1, 3, 6, 9, 12), Decimal("100.00")),
    "AR": InstallmentRule("AR", "ARS", tuple(range(1, 13)), Decimal("100.00")),
}


def split(amount: Decimal, currency: str, count: int) -> list[Decimal]:
    """`count` installments in the currency's minor unit; they add up to `amount` exactly."""
    if count < 1:
        raise ValueError("installments: at least one")
    quantum = Decimal(1).scaleb(-minor_unit(currency))
    each = (amount / count).quantize(quantum, rounding=ROUND_DOWN)
    first = amount - each * (count - 1)
    return [first] + [each] * (count - 1)


def options(country: str, amount: Decimal, currency: str) -> list[int]:
    """The counts this amount may be paid in: 1, and each count whose smallest installment is
    at least the country's minimum."""
    rule = RULES.get(country)
    if rule is None or rule.currency != currency:
        return [1]
    return [n for n in rule.counts if n == 1 or split(amount, currency, n)[-1] >= rule.minimum]


def plan(country: str, amount: Decimal, currency: str, count: int) -> list[Decimal]:
    """The installments, or ValueError naming the rule that refuses `count`."""
    allowed = options(country, amount, currency)
    if count not in allowed:
        rule = RULES.get(country)
        if rule is None or count not in rule.counts:
            raise ValueError(f"installments: choose one of {', '.join(map(str, allowed))}")
        raise ValueError(
            f"installments: each must be at least {rule.minimum} {rule.currency}; "
            f"choose one of {', '.join(map(str, allowed))}"
        )
    return split(amount, currency, count)
