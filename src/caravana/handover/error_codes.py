"""Stable codes of the handover's errors (see caravana.errors)."""

from enum import StrEnum


class HandoverErrorCode(StrEnum):
    HANDOVER_STAFF_ONLY = "handover_staff_only"
    INVALID_RANGE = "invalid_carrier_range"
    RANGE_EXHAUSTED = "carrier_range_exhausted"
    UNKNOWN_CARRIER = "unknown_carrier"
    UNKNOWN_CODE = "unknown_scan"
    WRONG_CARRIER = "wrong_carrier"
    WRONG_GATEWAY = "wrong_gateway"
    NOT_RELEASED = "not_released_by_customs"
    ON_OTHER_MANIFEST = "on_other_manifest"
    MANIFEST_CLOSED = "manifest_closed"
    MANIFEST_EMPTY = "manifest_empty"
    ADAPTER_FAILED = "carrier_adapter_failed"
    BAG_CHANGED = "bag_changed_during_scan"
