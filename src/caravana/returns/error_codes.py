"""Stable codes of the returns app's errors (see caravana.errors)."""

from enum import StrEnum


class ReturnsErrorCode(StrEnum):
    #: No such order, return or returns point for this user.
    NOT_FOUND = "returns_not_found"
    #: The order was not delivered, or its return window is over.
    OUTSIDE_WINDOW = "returns_outside_window"
    #: A reason, line, quantity or condition that is not one offered.
    INVALID_CHOICE = "returns_invalid_choice"
    #: The order already has a return waiting.
    ALREADY_OPEN = "returns_already_open"
    #: This user may not approve, reject or scan this return.
    NOT_ALLOWED = "returns_not_allowed"
    #: The return is not in a state that allows this step.
    WRONG_STATE = "returns_wrong_state"
    #: The ledger refused the refund (an account would go negative).
    LEDGER_REFUSED = "returns_ledger_refused"
    #: Fewer units of local stock are left than asked for.
    OUT_OF_STOCK = "returns_out_of_stock"
