"""Stable codes of failed-delivery errors (see caravana.errors)."""

from enum import StrEnum


class RedeliveryErrorCode(StrEnum):
    UNKNOWN_CHOICE = "unknown_delivery_choice"
    ALREADY_CHOSEN = "delivery_choice_already_made"
    ATTEMPT_CLOSED = "failed_attempt_closed"
    INVALID_DATE = "invalid_redelivery_date"
    PICKUP_POINT_REQUIRED = "pickup_point_required"
