"""Machine-readable codes of carrier-event errors (caravana.api.errors lists every app's)."""

from enum import StrEnum


class CarrierEventsErrorCode(StrEnum):
    INVALID_SIGNATURE = "invalid_signature"
    MISSING_CREDENTIALS = "missing_credentials"
    INVALID_CREDENTIALS = "invalid_credentials"
    INVALID_PAYLOAD = "invalid_payload"
    TOO_MANY_EVENTS = "too_many_events"
    CSV_HEADER = "csv_header"
    CSV_ROW = "csv_row"
