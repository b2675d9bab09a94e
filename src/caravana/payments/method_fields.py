"""Which checkout fields belong to which payment method. A card takes the provider's token (or
a saved card, and whether to save it) and the count of installments; PSE the buyer's bank;
Nequi and Yape the wallet's phone (Yape also the app's approval code); the others take none
(their code, voucher or CLABE is issued after the order is placed). Pure data, no Django.

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
    "pse": ("pse_bank",),  # the buyer's bank, from the provider's list
    "nequi": ("wallet_phone",),  # the push goes to this phone
    "yape": ("wallet_phone", "wallet_code"),  # phone and the app's approval code
}
#: Every field some method owns.
METHOD_FIELDS: frozenset[str] = frozenset(f for names in FIELDS.values() for f in names)


def fields_for(method: str) -> tuple[str, ...]:
    return FIELDS.get(method, ())


def only_chosen(method: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` without the fields of the methods not chosen."""
    own = set(fields_for(method))
    return {k: v for k, v in data.items() if k not in METHOD_FIELDS or k in own}
