"""Stable codes of the promotions app's errors (see caravana.errors)."""

from enum import StrEnum


class PromotionsErrorCode(StrEnum):
    COUPON_UNKNOWN = "coupon_unknown"
    COUPON_NOT_STARTED = "coupon_not_started"
    COUPON_EXPIRED = "coupon_expired"
    COUPON_WRONG_COUNTRY = "coupon_wrong_country"
    COUPON_MIN_BASKET = "coupon_min_basket"
    COUPON_USED_UP = "coupon_used_up"
    COUPON_BUYER_LIMIT = "coupon_buyer_limit"
    COUPON_NOT_APPLICABLE = "coupon_not_applicable"
    DEAL_ENDED = "deal_ended"
    INVALID = "invalid"
    CODE_TAKEN = "code_taken"
