"""Stable codes of the catalog's errors (see caravana.errors)."""

from enum import StrEnum


class CatalogErrorCode(StrEnum):
    INVALID_HS_CODE = "invalid_hs_code"
    INVALID_USCC = "invalid_uscc"
    USCC_TAKEN = "uscc_taken"
    TITLE_REQUIRED = "title_required"
    INVALID_OPTIONS = "invalid_options"
    INVALID_OPTION_TRANSLATIONS = "invalid_option_translations"
    INVALID_SIZE = "invalid_size"
    TOO_HEAVY = "too_heavy"
    SKU_TAKEN = "sku_taken"
    OTHER_MERCHANTS_WAREHOUSE = "other_merchants_warehouse"
    INVALID_QUANTITY = "invalid_quantity"
    STOCK_RESERVED = "stock_reserved"
    HAS_ORDERS = "has_orders"
    UNDELIVERABLE_VARIANT = "undeliverable_variant"
    IMAGE_TOO_LARGE = "image_too_large"
    INVALID_IMAGE = "invalid_image"
    UNKNOWN_VARIANT = "unknown_variant"
    INVALID_POSITION = "invalid_position"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_STORE = "unknown_store"
    UNKNOWN_WAREHOUSE = "unknown_warehouse"
    INVALID_SORT = "invalid_sort"
