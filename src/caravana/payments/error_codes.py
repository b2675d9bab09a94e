"""Stable codes of the payments app's errors: payment methods, installments, the ledger and
the providers (see caravana.errors)."""

from enum import StrEnum


class PaymentsErrorCode(StrEnum):
    INVALID_CARD_NUMBER = "invalid_card_number"
    #: A raw card number (or expiry, or CVV) sent to Caravana: only a provider's token is taken.
    RAW_CARD_REFUSED = "raw_card_refused"
    #: A card payment with neither a card token nor a saved card.
    CARD_REQUIRED = "card_required"
    SAVED_CARD_NOT_FOUND = "saved_card_not_found"
    #: A method the buyer's country does not offer, or no method at all.
    METHOD_NOT_OFFERED = "method_not_offered"
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"
    #: A method's own field (PSE's bank, a wallet's phone or approval code) is missing or wrong.
    INVALID_METHOD_DETAILS = "invalid_method_details"
    INSTALLMENTS_CARD_ONLY = "installments_card_only"
    INVALID_INSTALLMENTS = "invalid_installments"
    NO_PROVIDER = "no_provider"
    ALREADY_PAID = "already_paid"
    NOT_AWAITING_PAYMENT = "not_awaiting_payment"
    NOT_HELD = "not_held"
    OPERATOR_ONLY = "operator_only"
    INVALID_AMOUNT = "invalid_amount"
    NOTHING_TO_REFUND = "nothing_to_refund"
    WITHIN_DELIVERY_WINDOW = "within_delivery_window"
    DISPUTE_DECIDED = "dispute_decided"
    NOTE_REQUIRED = "note_required"
    #: The ledger refused a transaction (unbalanced, unrounded, or an account going negative).
    LEDGER_REFUSED = "ledger_refused"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    PROVIDER_REFUSED = "provider_refused"
    BAD_SIGNATURE = "bad_signature"
    DUPLICATE_EVENT = "duplicate_event"
    ORDER_NOT_FOUND = "order_not_found"
    #: A refund above what is left to refund of the order (or held for it).
    REFUND_TOO_LARGE = "refund_too_large"
    NO_EXCHANGE_RATE = "no_exchange_rate"
    SANDBOX_OFF = "sandbox_off"
    NOT_SANDBOX = "not_sandbox"
    INVALID_OUTCOME = "invalid_outcome"
