"""Stable codes of the reviews app's errors (see caravana.errors)."""

from enum import StrEnum


class ReviewsErrorCode(StrEnum):
    NOT_DELIVERED = "not_delivered"
    ALREADY_REVIEWED = "already_reviewed"
    INVALID_STARS = "invalid_stars"
    TOO_MANY_PHOTOS = "too_many_photos"
    ALREADY_ANSWERED = "already_answered"
    ALREADY_VOTED = "already_voted"
    REVIEW_NOT_FOUND = "review_not_found"
    REASON_REQUIRED = "reason_required"
