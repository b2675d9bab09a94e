"""``{% money amount currency %}``: an amount written the buyer's way, by babel through
Money.format (R$ 1.234,56 in Brazil, $1,234.56 in Mexico, $ 1.235 in Chile), so a template
never prints a bare number or its own currency layout."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from caravana import markets
from caravana.money import Money

register = template.Library()


@register.simple_tag(takes_context=True)
def money(context: template.Context, amount: Any, currency: str) -> str:
    """The page's ``money_locale`` when it sets one (an order page: its destination's), else
    the buyer's country and language. Empty for no amount."""
    if amount is None or amount == "" or not currency:
        return ""
    locale = context.get("money_locale")
    if not locale:
        request = context.get("request")
        country = getattr(request, "country", None) or markets.default()
        locale = country.format_locale(get_language() or "en")
    return Money(amount, currency).format(locale)
