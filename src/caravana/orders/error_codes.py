"""Stable codes of the orders app's errors: carts, checkout, the order's life, refunds and
disputes (see caravana.errors)."""

from enum import StrEnum


class OrdersErrorCode(StrEnum):
    INVALID_QUANTITY = "invalid_quantity"
    NOT_FOR_SALE = "not_for_sale"
    CART_FULL = "cart_full"
    OUT_OF_STOCK = "out_of_stock"
    NOT_IN_CART = "not_in_cart"
    CART_EMPTY = "cart_empty"
    SERVICE_LEVEL_REQUIRED = "service_level_required"
    SERVICE_LEVEL_UNAVAILABLE = "service_level_unavailable"
    RECIPIENT_REQUIRED = "recipient_required"
    INVALID_EMAIL = "invalid_email"
    LOGIN_REQUIRED = "login_required"
    INVALID_STATUS_CHANGE = "invalid_status_change"
    CHANGED_MEANWHILE = "changed_meanwhile"
    ORDER_NOT_FOUND = "order_not_found"
    NOT_CANCELLABLE = "not_cancellable"
    NOT_REFUNDABLE = "not_refundable"
    REFUND_TOO_LARGE = "refund_too_large"
    DISPUTE_OPEN = "dispute_open"
    DISPUTE_TOO_LATE = "dispute_too_late"
    INVALID_DISPUTE_REASON = "invalid_dispute_reason"
    MESSAGE_REQUIRED = "message_required"
    DISPUTE_NOT_FOUND = "dispute_not_found"
    DISPUTE_DECIDED = "dispute_decided"
    IDEMPOTENCY_KEY_TOO_LONG = "idempotency_key_too_long"
    #: The same Idempotency-Key sent again with a different body.
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    TOO_LONG = "too_long"
    #: The quote refuses a merchant's parcel (size, value, document type …).
    NOT_SHIPPABLE = "not_shippable"
    #: The buyer's ID has no shipments (or value) left this year under the regime (allowance).
    YEARLY_ALLOWANCE = "yearly_allowance"
    NOT_PAID = "not_paid"
    PARCEL_REQUIRED = "parcel_required"
