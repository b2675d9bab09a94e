"""Stable codes of the tracking app's errors: a parcel lookup and a carrier's event batch
(see caravana.errors)."""

from enum import StrEnum


class TrackingErrorCode(StrEnum):
    INVALID_S10 = "invalid_s10"
    UNKNOWN_PARCEL = "unknown_parcel"
    EMPTY_BATCH = "empty_batch"
    BATCH_TOO_LARGE = "batch_too_large"
    OTHER_CARRIERS_PARCEL = "other_carriers_parcel"
    UNKNOWN_EVENT_CODE = "unknown_event_code"
    REASON_REQUIRED = "reason_required"
    INVALID_TIME = "invalid_time"
    INVALID_TIMEZONE = "invalid_timezone"
    OUT_OF_RANGE = "out_of_range"
    SOURCE_REQUIRED = "source_required"
    INVALID_EVENT_ID = "invalid_event_id"
    STATUS_REQUIRED = "status_required"
