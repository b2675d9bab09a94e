"""The mark that a merchant's reputation refresh is already due (reviews.receivers schedules
it, reviews.tasks clears it when the refresh starts), kept in the shared cache."""

from __future__ import annotations

from django.core.cache import cache


def _key(merchant_id: int) -> str:
    return f"reviews:reputation-due:{merchant_id}"


def mark(merchant_id: int, seconds: int) -> bool:
    """Mark a refresh due; False if one already was (the mark expires after `seconds`)."""
    return bool(cache.add(_key(merchant_id), 1, seconds))


def clear(merchant_id: int) -> None:
    cache.delete(_key(merchant_id))
