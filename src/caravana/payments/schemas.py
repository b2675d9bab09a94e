import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class PaymentOut(Schema):
    reference: str
    group: str = Field(..., alias="group.reference")
    method: str
    status: str
    amount: Decimal
    currency: str
    installments: int
    installment_amounts: list[str]
    card_brand: str
    card_last4: str
    artefact: dict
    decline_reason: str
    expires_at: dt.datetime | None
    captured_at: dt.datetime | None


class RefundOut(Schema):
    reference: str
    order: str = Field(..., alias="order.number")
    amount: Decimal
    currency: str
    reason: str
    created_at: dt.datetime


#: A card in a request: the provider's token or a saved card; raw card fields are declared only
#: so that one sent is refused by name (422, code raw_card_refused) rather than ignored.
REFUSED = (
    "never sent: refused with 422 (raw_card_refused); the provider's browser script tokenizes "
    "the card"
)


class CardFieldsIn(Schema):
    card_token: str | None = Field(
        None, description="single-use token made in the buyer's browser by the provider's script"
    )
    card_payment_method_id: str | None = Field(
        None, description="Mercado Pago: the payment_method_id MercadoPago.js gives with the token"
    )
    card_issuer_id: str | None = Field(
        None, description="Mercado Pago: the issuer_id MercadoPago.js gives with the token"
    )
    saved_card: str | None = Field(None, description="one of the buyer's saved cards (CRD…)")
    save_card: bool = Field(False, description="keep the card as the provider's reusable token")
    card_number: str | None = Field(None, description=REFUSED)
    card_expiry: str | None = Field(None, description=REFUSED)
    card_cvc: str | None = Field(None, description=REFUSED)


class SavedCardOut(Schema):
    reference: str
    provider: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    created_at: dt.datetime
