"""Stable codes of the customs desk's errors (see caravana.errors)."""

from enum import StrEnum


class ClearanceErrorCode(StrEnum):
    GATEWAY_STAFF_ONLY = "gateway_staff_only"
    NOT_PRESENTED = "not_presented"
    FLIGHT_NOT_ARRIVED = "flight_not_arrived"
    UNKNOWN_OUTCOME = "unknown_outcome"
    HOLD_REASON_REQUIRED = "hold_reason_required"
    NOT_ALLOWED_AFTER = "decision_not_allowed"
    EARLIER_ROW_REFUSED = "earlier_row_refused"
    BAD_FILE = "bad_clearance_file"
    DEADLINE_PASSED = "request_deadline_passed"
    REQUEST_CLOSED = "request_closed"
