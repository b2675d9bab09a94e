"""Stable codes of the waybills app's errors (see caravana.errors)."""

from enum import StrEnum


class WaybillErrorCode(StrEnum):
    STOCK_EXHAUSTED = "awb_stock_exhausted"
    NO_AIRLINE = "no_airline_for_flight"
    INVALID_STOCK = "invalid_awb_stock"
