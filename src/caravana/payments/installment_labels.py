"""How an installment option is written for the buyer, in their language and the words their
country's shops use: Brazil's "3x de R$ 51,64 sem juros", Mexico's "3 MSI de $51.64" (meses sin
intereses), Argentina's "3 cuotas sin interés de $ 51,64". An option with interest says so and
gives what it costs in all ("com juros", total).

The country's market picks the convention (its installment_style, a message context: Brazil's
and Mexico's shops name installments their own way, others use the generic wording), the active
language the words; amounts
are written by `fmt` (the buyer's currency format, caravana.money)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import pgettext

from caravana import markets
from caravana.payments.installments import Option


def label(country: str, option: Option, fmt: Callable[[Decimal], str]) -> str:
    """The option as the buyer reads it in the installments list."""
    if option.count == 1:
        return pgettext("installments", "Pay in full: %(total)s") % {"total": fmt(option.total)}
    market = markets.get(country)
    kind = market.installment_style if market else ""
    values = {"count": option.count, "each": fmt(option.each), "total": fmt(option.total)}
    if option.interest_free:
        if kind == "BR":
            text = pgettext("installments BR", "%(count)sx of %(each)s interest-free") % values
        elif kind == "MX":
            text = pgettext("installments MX", "%(count)s MSI of %(each)s") % values
        else:
            text = pgettext("installments", "%(count)s interest-free installments of %(each)s")
            text %= values
    elif kind == "BR":
        text = pgettext("installments BR", "%(count)sx of %(each)s with interest (total %(total)s)")
        text %= values
    else:
        text = pgettext(
            "installments", "%(count)s installments of %(each)s with interest (total %(total)s)"
        )
        text %= values
    if option.first != option.each:
        text += " " + pgettext("installments", "(the first %(first)s)") % {
            "first": fmt(option.first)
        }
    return text


def labels(
    country: str, options: list[Option], fmt: Callable[[Decimal], str]
) -> list[tuple[int, str]]:
    """(count, label) for a select's options."""
    return [(o.count, label(country, o, fmt)) for o in options]
