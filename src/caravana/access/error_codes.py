"""Stable codes of access refusals: a token or session of the wrong kind of staff (see
caravana.errors). A refusal of another tenant's row is a plain 404 (``not_found``)."""

from enum import StrEnum


class AccessErrorCode(StrEnum):
    MERCHANT_STAFF_ONLY = "merchant_staff_only"
    HUB_STAFF_ONLY = "hub_staff_only"
    CARRIER_ONLY = "carrier_only"
    RETURNS_POINT_STAFF_ONLY = "returns_point_staff_only"
