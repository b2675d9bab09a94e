"""Why a load plan cannot be made, as a code and its figures: the kernel uses no Django, so
no gettext; the caller (fulfillment.services.load_plans) words it in the reader's language.
The English wording here is for logs, tests and a caller that translates nothing."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Problem(StrEnum):
    FIXED_NOT_ON_DECK = "fixed_not_on_deck"  # uld, position, deck, aircraft
    POSITION_TWICE = "position_twice"  # position
    TOO_MANY_ULDS = "too_many_ulds"  # n, deck, aircraft, positions
    ULD_TOO_HEAVY = "uld_too_heavy"  # uld, kg, deck, aircraft, max_kg
    FIXED_TOO_HEAVY = "fixed_too_heavy"  # uld, kg, position, max_kg
    OVER_MAX_ZFW = "over_max_zfw"  # zfw_kg, aircraft, max_kg
    ULD_TWICE = "uld_twice"
    CG_OUT_OF_LIMITS = "cg_out_of_limits"  # fwd, aft, zfw_kg
    WEIGHT_LIMITS = "weight_limits"  # zones: ((name, max kg), ...)
    NO_SOLUTION_IN_TIME = "no_solution_in_time"
    BAG_TOO_BIG = "bag_too_big"  # bag, kg, m3, uld, net_kg, usable_m3


ENGLISH = {
    Problem.FIXED_NOT_ON_DECK: "ULD {uld} is loaded at {position}, not a {deck}-deck position "
    "of the {aircraft}",
    Problem.POSITION_TWICE: "two ULDs are loaded at {position}",
    Problem.TOO_MANY_ULDS: "{n} ULDs for the {deck} deck; the {aircraft} has {positions} "
    "{deck}-deck positions",
    Problem.ULD_TOO_HEAVY: "ULD {uld} weighs {kg} kg; no {deck}-deck position of the "
    "{aircraft} takes more than {max_kg} kg",
    Problem.FIXED_TOO_HEAVY: "ULD {uld} weighs {kg} kg; it is loaded at {position}, which "
    "takes at most {max_kg} kg",
    Problem.OVER_MAX_ZFW: "zero-fuel weight {zfw_kg} kg is over the {aircraft}'s {max_kg} kg",
    Problem.ULD_TWICE: "a ULD is listed twice",
    Problem.CG_OUT_OF_LIMITS: "the centre of gravity cannot be kept within {fwd:.1f}–{aft:.1f}% "
    "MAC at {zfw_kg} kg zero-fuel weight",
    Problem.WEIGHT_LIMITS: "the position and zone weight limits cannot all be met (zones: "
    "{zone_list})",
    Problem.NO_SOLUTION_IN_TIME: "no placement found within the solver's time budget",
    Problem.BAG_TOO_BIG: "bag {bag} ({kg:.1f} kg, {m3:.2f} m³) does not fit a {uld} "
    "({net_kg:.0f} kg, {usable_m3:.2f} m³ usable)",
}


def zone_list(zones: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{name} {kg} kg" for name, kg in zones)


class KernelError(ValueError):
    """A problem and its figures (``problem``, ``params``); str() is the English wording."""

    def __init__(self, problem: Problem, **params: Any) -> None:
        self.problem = problem
        self.params = params
        extra = {"zone_list": zone_list(params["zones"])} if "zones" in params else {}
        super().__init__(ENGLISH[problem].format(**params, **extra))


def require_counts(record: object, *names: str) -> None:
    """Each named field of `record` a whole number at least 0, else ValueError naming it: the
    services build these records from database columns that cannot be otherwise, but a
    caller of the kernel could pass -5 or NaN, which the packing and the CP-SAT model would
    take as room that is not there."""
    for name in names:
        value = getattr(record, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(
                f"{type(record).__name__}.{name}: must be a whole number at least 0, not {value!r}"
            )
