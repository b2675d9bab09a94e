"""Stable codes of the shelves app's errors (the wishlist; see caravana.errors)."""

from enum import StrEnum


class ShelvesErrorCode(StrEnum):
    WISHLIST_FULL = "wishlist_full"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    COUNTRY = "wishlist_country"
