"""Stable codes of the planning app's errors (see caravana.errors)."""

from enum import StrEnum


class PlanningErrorCode(StrEnum):
    INVALID_WINDOW = "invalid_window"
    WINDOW_TOO_LONG = "window_too_long"
    PLAN_SUPERSEDED = "plan_superseded"
    PLAN_SIMULATED = "plan_simulated"
    INVALID_PROBLEM = "invalid_problem"
    UNKNOWN_METHOD = "unknown_method"
