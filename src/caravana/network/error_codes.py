"""Stable codes of the network app's errors (see caravana.errors)."""

from enum import StrEnum


class NetworkErrorCode(StrEnum):
    NAIVE_TIME = "naive_time"
    UNKNOWN_AIRPORT = "unknown_airport"
    SAME_AIRPORT = "same_airport"
    ARRIVAL_BEFORE_DEPARTURE = "arrival_before_departure"
    INVALID_FLIGHT_STATE = "invalid_flight_state"
    ULDS_LOADED = "ulds_loaded"
    INVALID_TRANSIT_DAYS = "invalid_transit_days"
    INVALID_POSTAL_RANGE = "invalid_postal_range"
