"""The sandbox provider's card vault: what its browser script (static sandbox/cards.js) posts
the card to, in the sandbox's own URL space, as a real provider's hosted fields post to the
provider and never to the shop. It checks the number, expiry and CVV, keeps brand, last four,
expiry and the test outcome in its own books (SandboxCard), and answers a single-use token.
Caravana's checkout only ever sees that token.

Test numbers (any future expiry, any 3-digit CVV, 4 digits for American Express), chosen from
Stripe's published test cards so that the same numbers mean the same thing there
(https://docs.stripe.com/testing, "Cards by brand", "Declined payments", "3D Secure"):

| number              | outcome                                              |
|---------------------|------------------------------------------------------|
| 4242 4242 4242 4242 | Visa, approved                                       |
| 4111 1111 1111 1111 | Visa, approved                                       |
| 5555 5555 5555 4444 | Mastercard, approved                                 |
| 3782 822463 10005   | American Express, approved                           |
| 4000 0000 0000 0002 | declined (so is any number ending 0002)              |
| 4000 0027 6000 3184 | asks for a 3-D Secure style challenge (approve/fail) |
| any other Luhn-valid| approved                                             |

Test tokens for server-side tests and API clients, in the manner of Stripe's tok_visa (the
same page, "Test code"): tok_visa, tok_mastercard, tok_declined, tok_challenge."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from stdnum import luhn

APPROVE, DECLINE, CHALLENGE = "approve", "decline", "challenge"
CHALLENGE_NUMBER = "4000002760003184"

#: token → the test number it stands for.
TEST_TOKENS = {
    "tok_visa": "4242424242424242",
    "tok_mastercard": "5555555555554444",
    "tok_declined": "4000000000000002",
    "tok_challenge": CHALLENGE_NUMBER,
}


def outcome_of(number: str) -> str:
    """What the sandbox's bank does with this test number."""
    if number == CHALLENGE_NUMBER:
        return CHALLENGE
    if number.endswith("0002"):
        return DECLINE
    return APPROVE


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "card"


@dataclass(frozen=True)
class CardEntry:
    """What the buyer typed into the sandbox's fields, checked."""

    number: str
    exp_month: int
    exp_year: int


def check(number: str, expiry: str, cvc: str, today: dt.date) -> CardEntry:
    """The typed card, or a ValidationError naming each wrong field (card_number, card_expiry,
    card_cvc) at once. Expiry is MM/YY or MM/YYYY; it is valid to the end of its month."""
    errors: dict[str, str] = {}
    digits = "".join(ch for ch in number if ch.isdigit())
    if not 12 <= len(digits) <= 19 or not luhn.is_valid(digits):
        errors["card_number"] = _("This is not a valid card number.")
    month = year = 0
    parts = [p.strip() for p in expiry.replace("-", "/").split("/")]
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        month, year = int(parts[0]), int(parts[1])
        year += 2000 if year < 100 else 0
    if not 1 <= month <= 12:
        errors["card_expiry"] = _("Give the expiry date as MM/YY.")
    elif (year, month) < (today.year, today.month):
        errors["card_expiry"] = _("This card has expired.")
    want = 4 if brand_of(digits) == "amex" else 3
    if not (cvc.isdigit() and len(cvc) == want):
        errors["card_cvc"] = _("Give the %(n)s-digit security code.") % {"n": want}
    if errors:
        raise ValidationError(errors)
    return CardEntry(digits, month, year)


def tokenize(entry: CardEntry) -> Any:
    """Keep the card in the sandbox's books and give its single-use token."""
    from caravana.payments.models import SandboxCard

    return SandboxCard.objects.create(
        token="tok_" + secrets.token_hex(12), brand=brand_of(entry.number),
        last4=entry.number[-4:], exp_month=entry.exp_month, exp_year=entry.exp_year,
        outcome=outcome_of(entry.number),
    )  # fmt: skip


def _test_card(token: str) -> Any:
    from caravana.payments.models import SandboxCard

    number = TEST_TOKENS[token]
    year = dt.date.today().year + 3
    try:
        with transaction.atomic():
            return SandboxCard.objects.get_or_create(
                token=token,
                defaults={"brand": brand_of(number), "last4": number[-4:], "exp_month": 12,
                          "exp_year": year, "outcome": outcome_of(number)},
            )[0]  # fmt: skip
    except IntegrityError:  # made at the same moment by another worker
        return SandboxCard.objects.get(token=token)


class Unusable(Exception):
    """The token or card id is not one the sandbox can charge (unknown, or already used)."""


def resolve(token: str, card_id: str, reference: str) -> Any:
    """The card behind a single-use token (spent by this payment reference: a retry of the same
    payment may use it again) or a saved card's reusable id (not once it has expired)."""
    from caravana.payments.models import SandboxCard

    if card_id:
        card = SandboxCard.objects.filter(card_id=card_id).first()
        today = dt.date.today()
        if card is None or (card.exp_year, card.exp_month) < (today.year, today.month):
            raise Unusable("saved_card")
        return card
    if token in TEST_TOKENS:
        return _test_card(token)  # test tokens are reusable, as Stripe's are
    spent = SandboxCard.objects.filter(token=token, used_by__in=("", reference)).update(
        used_by=reference
    )
    if not spent:
        raise Unusable("card_token")
    return SandboxCard.objects.get(token=token)


def keep(card: Any) -> str:
    """The card's reusable id, made when first asked for (the buyer chose to save the card)."""
    from caravana.payments.models import SandboxCard

    if not card.card_id:
        SandboxCard.objects.filter(pk=card.pk, card_id__isnull=True).update(
            card_id="card_" + secrets.token_hex(12)
        )
        card.refresh_from_db(fields=["card_id"])
    return card.card_id
