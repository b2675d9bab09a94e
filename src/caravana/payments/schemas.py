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
