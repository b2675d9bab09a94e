"""Cards as Caravana sees them: provider tokens, never numbers. A card payment names either a
single-use token made in the buyer's browser by the provider's script (`card_token`) or one of
the buyer's saved cards (`saved_card`); any raw card field sent to our server is refused by
name, on every path (checkout page, pay-again page, both APIs). Saved cards are the provider's
reusable tokens with what a buyer needs to recognise them (brand, last four, expiry).

PCI DSS: a shop whose pages load the provider's script or hosted fields and whose servers never
receive card data keeps the smallest scope (SAQ A / A-EP); see docs/payments.md, "Cards"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from caravana.errors import field_error
from caravana.payments.error_codes import PaymentsErrorCode
from caravana.payments.models import SavedCard
from caravana.payments.references import new_reference

#: Fields that would carry card data: refused wherever they arrive, even empty of digits.
RAW_CARD_FIELDS = (
    "card_number", "number", "pan", "card_expiry", "expiry", "exp_month", "exp_year",
    "card_cvc", "cvc", "cvv", "security_code",
)  # fmt: skip


def refuse_raw_card(data: Mapping[str, Any]) -> None:
    """A ValidationError naming the first raw card field present with a value."""
    for name in RAW_CARD_FIELDS:
        if data.get(name) not in (None, ""):
            raise field_error(
                name,
                _(
                    "Card details are not accepted by Caravana: your card is entered in the "
                    "payment provider's fields and only its token is sent."
                ),
                PaymentsErrorCode.RAW_CARD_REFUSED,
            )


def card_request(
    buyer: Any, data: Mapping[str, Any], provider: str, return_url: str = ""
) -> dict[str, Any]:
    """What the provider is given for a card: the token (or the saved card's provider token as
    `card_id`), whether to save it, and where a challenge returns. ValidationError naming
    `saved_card` for a card that is not this buyer's (or another provider's). Whether a card
    was given at all is issuing.check_method's to say, with the other fields' errors."""
    refuse_raw_card(data)
    out: dict[str, Any] = {"return_url": return_url}
    for key in ("payment_method_id", "issuer_id"):  # Mercado Pago's browser SDK gives these
        if data.get(f"card_{key}"):
            out[key] = str(data[f"card_{key}"])[:40]
    saved = str(data.get("saved_card") or "").strip()
    if saved:
        card = (
            SavedCard.objects.filter(reference=saved, provider=provider, buyer_id=buyer.pk).first()
            if getattr(buyer, "pk", None)
            else None
        )
        if card is None:
            raise field_error(
                "saved_card", _("No such saved card."), PaymentsErrorCode.SAVED_CARD_NOT_FOUND
            )
        out.update(card_id=card.provider_token, saved_card=card.reference)
        return out
    token = str(data.get("card_token") or "").strip()
    if token:
        out.update(token=token[:200], save=_truthy(data.get("save_card")))
    return out


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "on", "true", "yes")


def save(buyer_id: int, provider: str, card: Mapping[str, Any]) -> SavedCard | None:
    """Keep the provider's reusable token for the buyer (inside the payment's transaction);
    the same token twice is one saved card."""
    token = str(card.get("card_id") or "")
    if not token:
        return None
    found = SavedCard.objects.filter(
        buyer_id=buyer_id, provider=provider, provider_token=token
    ).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return SavedCard.objects.create(
                reference=new_reference("CRD"), buyer_id=buyer_id, provider=provider,
                provider_token=token, brand=str(card.get("brand", ""))[:20],
                last4=str(card.get("last4", ""))[-4:], exp_month=int(card.get("exp_month") or 0),
                exp_year=int(card.get("exp_year") or 0),
            )  # fmt: skip
    except IntegrityError:  # saved at the same moment by a retry
        return SavedCard.objects.get(buyer_id=buyer_id, provider=provider, provider_token=token)


def saved_for(buyer: Any, provider: str | None = None) -> list[SavedCard]:
    """The buyer's own saved cards (at most 20), newest first; only one provider's when given."""
    qs = SavedCard.objects.filter(buyer_id=buyer.pk)
    if provider:
        qs = qs.filter(provider=provider)
    return list(qs[:20])


def delete(buyer: Any, reference: str) -> bool:
    """Forget one of the buyer's saved cards; another buyer's is never touched (False)."""
    deleted, _rows = SavedCard.objects.filter(buyer_id=buyer.pk, reference=reference).delete()
    return bool(deleted)
