"""Stable codes of the duties app's errors (see caravana.errors)."""

from enum import StrEnum


class DutiesErrorCode(StrEnum):
    #: The parcel names no order of the marketplace, or its order was never paid.
    NO_ORDER = "duties_no_order"
    #: A tax the country's rules do not have, a negative or unreadable amount.
    INVALID_ASSESSMENT = "duties_invalid_assessment"
    #: Customs already assessed the parcel with other amounts.
    ALREADY_ASSESSED = "duties_already_assessed"
    #: The order's escrow was already released: its duties are no longer before customs.
    ALREADY_RELEASED = "duties_already_released"
    #: A remittance period that is empty, reversed or not after the last one paid.
    INVALID_PERIOD = "duties_invalid_period"
    #: The ledger refused the posting (an account would go negative).
    LEDGER_REFUSED = "duties_ledger_refused"
