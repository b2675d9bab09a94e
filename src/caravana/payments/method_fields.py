"""Which checkout fields belong to which payment method. A card takes the provider's token (or
a saved card, and whether to save it) and the count of installments; Pix, boleto, OXXO and
SPEI take none (their code, voucher or CLABE is issued after the order is placed).
Pure data, no Django.

The checkout shows a method's fields under its choice and drops every other method's fields
before validating: a buyer who entered a card, then chose Pix, is not refused for it. Raw card
fields belong to no method: they are refused whichever is chosen (payments.cards)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIELDS: dict[str, tuple[str, ...]] = {
    "card": (
        "card_token",
        "saved_card",
        "save_card",
        "card_payment_method_id",
        "card_issuer_id",
        "installments",
    ),  # fmt: skip
}
#: Every field some method owns.
METHOD_FIELDS: frozenset[str] = frozenset(f for names in FIELDS.values() for f in names)


def fields_for(method: str) -> tuple[str, ...]:
    return FIELDS.get(method, ())


def only_chosen(method: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` without the fields of the methods not chosen."""
    own = set(fields_for(method))
    return {k: v for k, v in data.items() if k not in METHOD_FIELDS or k in own}
