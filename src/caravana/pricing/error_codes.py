"""Stable codes of the pricing app's errors: a quote request (pricing.engine.QuoteError), a
refusal inside a quote (its ``code``, e.g. value_cap) and the rule and FX files."""

from enum import StrEnum


class PricingErrorCode(StrEnum):
    INVALID_QUOTE_REQUEST = "invalid_quote_request"
    REQUIRED = "required"
    INVALID_HS_CODE = "invalid_hs_code"
    INVALID_PRICE = "invalid_price"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_MEASURE = "invalid_measure"
    INVALID_DATE = "invalid_date"
    UNKNOWN_COUNTRY = "unknown_country"
    UNKNOWN_STATE = "unknown_state"
    NO_RULES_IN_FORCE = "no_rules_in_force"
    INVALID_BUYER_ID_TYPE = "invalid_buyer_id_type"
    TOO_MANY_LINES = "too_many_lines"
    NOT_A_PARCEL = "not_a_parcel"
    NO_SERVICE = "no_service"
    # A quote's refusals (pricing.engine.Refusal): the regime will not ship the cart.
    VALUE_CAP = "value_cap"
    WEIGHT_CAP = "weight_cap"
    UNITS_CAP = "units_cap"
    BUYER_ID_TYPE = "buyer_id_type"
    FX_RATE_MISSING = "fx_rate_missing"
    INVALID_RULE = "invalid_rule"
    RULES_OVERLAP = "rules_overlap"
    LANE_TAKEN = "lane_taken"
    INVALID_FX_FILE = "invalid_fx_file"
