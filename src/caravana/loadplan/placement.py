"""ULDs onto an aircraft's positions with OR-Tools CP-SAT.

Constraints: a ULD goes on a position of its deck (pallets main, containers lower) whose
maximum it does not exceed; one ULD a position; every zone (a pallet pair, a hold, the
fuselage ahead of or behind the wing) within its cumulative limit; and the zero-fuel centre of
gravity, (OEW moment + Σ ULD gross × arm) / (OEW + Σ gross), within the type's envelope at that
weight. Since every ULD is placed, the weight is known before solving and the CG limits are
linear bounds on the moment.

Objective: the CG near a target just inside the aft limit (an aft CG trims with less tail
download, which burns less fuel), then heavy ULDs near that CG (less bending, and the plan's
heavy units stay near the wing). ULDs already loaded keep their positions.

Deterministic: one search worker and a deterministic time budget, so the same input gives the
same plan on any machine."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

from .aircraft import TARGET_MARGIN_PCT, Aircraft
from .problems import KernelError, Problem, require_counts

CG_WEIGHT = 3  # the CG term outweighs the heavy-near-centre term when both can move
EFFORT = 0.5  # deterministic time budget of one solve (CP-SAT work units; ~2-4 s wall here)


class LoadPlanInfeasible(KernelError):
    """No placement meets every limit; its problem names the limit that cannot be met."""


@dataclass(frozen=True)
class UldLoad:
    identifier: str
    deck: str
    gross_kg: int
    dg: bool = False
    fixed: str = ""  # the position it is already loaded at, kept as it is

    def __post_init__(self) -> None:
        require_counts(self, "gross_kg")


@dataclass(frozen=True)
class Placement:
    positions: dict[str, str]  # ULD identifier → position
    zfw_kg: int
    cg_pct: float
    fwd_pct: float
    aft_pct: float
    target_pct: float
    optimal: bool


def _dm(m: float) -> int:
    """Metres to whole decimetres: precise enough to rank plans, with small coefficients."""
    return round(m * 10)


def _cm(m: float) -> int:
    """Metres to whole centimetres: the balance data's precision (two decimals), so the CG limits
    hold on exact moments. Decimetres, as first written, moved a 747-8F's empty-weight arm 38.05 m
    to 38.0 (9,850 kg·m) and let a plan end at 31.96 % MAC past an aft limit of 31.56."""
    return round(m * 100)


def _check(ac: Aircraft, ulds: Sequence[UldLoad], zfw: int) -> None:
    """The limits that can be named without solving, in the order a planner would look."""
    names = {p.name: p for p in ac.positions}
    seen: set[str] = set()
    for u in ulds:
        if u.fixed:
            p = names.get(u.fixed)
            if p is None or p.deck != u.deck:
                raise LoadPlanInfeasible(
                    Problem.FIXED_NOT_ON_DECK,
                    uld=u.identifier,
                    position=u.fixed,
                    deck=u.deck,
                    aircraft=ac.code,
                )
            if u.fixed in seen:
                raise LoadPlanInfeasible(Problem.POSITION_TWICE, position=u.fixed)
            seen.add(u.fixed)
            if u.gross_kg > p.max_kg:  # its own position's limit, not every zone's
                raise LoadPlanInfeasible(
                    Problem.FIXED_TOO_HEAVY,
                    uld=u.identifier,
                    kg=u.gross_kg,
                    position=u.fixed,
                    max_kg=p.max_kg,
                )
    for deck in sorted({u.deck for u in ulds}):
        on_deck = [p for p in ac.positions if p.deck == deck]
        wanted = [u for u in ulds if u.deck == deck]
        if len(wanted) > len(on_deck):
            raise LoadPlanInfeasible(
                Problem.TOO_MANY_ULDS,
                n=len(wanted),
                deck=deck,
                aircraft=ac.code,
                positions=len(on_deck),
            )
        heaviest = max(p.max_kg for p in on_deck)
        for u in wanted:
            if u.gross_kg > heaviest:
                raise LoadPlanInfeasible(
                    Problem.ULD_TOO_HEAVY,
                    uld=u.identifier,
                    kg=u.gross_kg,
                    deck=deck,
                    aircraft=ac.code,
                    max_kg=heaviest,
                )
    if zfw > ac.max_zfw_kg:
        raise LoadPlanInfeasible(
            Problem.OVER_MAX_ZFW, zfw_kg=zfw, aircraft=ac.code, max_kg=ac.max_zfw_kg
        )


def _solve(
    ac: Aircraft, ulds: Sequence[UldLoad], zfw: int, target_pct: float, with_cg: bool
) -> tuple[Any, dict[str, str], bool]:
    # OR-Tools is loaded when a plan is solved, not when the module is: the web process imports
    # this through the hub's loading step and must start without the solver
    # (tests/jobs/test_web_without_solver.py).
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for i, u in enumerate(ulds):
        for j, p in enumerate(ac.positions):
            if p.deck != u.deck or u.gross_kg > p.max_kg or (u.fixed and u.fixed != p.name):
                continue
            x[i, j] = model.new_bool_var(f"x{i}_{j}")
    for i in range(len(ulds)):
        model.add_exactly_one(v for (a, _), v in x.items() if a == i)
    for j in range(len(ac.positions)):
        model.add_at_most_one(v for (_, b), v in x.items() if b == j)
    index = {p.name: j for j, p in enumerate(ac.positions)}
    for z in ac.zones:
        members = {index[n] for n in z.positions}
        model.add(sum(ulds[i].gross_kg * v for (i, j), v in x.items() if j in members) <= z.max_kg)
    # The limits on exact moments (kg·cm: the arms have two decimals); the objective, which
    # only ranks feasible plans, in decimetres: its smaller coefficients let the search prove
    # its best within the budget as before
    exact = ac.oew_kg * _cm(ac.oew_arm_m) + sum(
        ulds[i].gross_kg * _cm(ac.positions[j].arm_m) * v for (i, j), v in x.items()
    )
    if with_cg:
        fwd, aft = ac.limits_at(zfw)
        model.add(exact >= math.ceil(zfw * ac.arm_at(fwd) * 100))
        model.add(exact <= math.floor(zfw * ac.arm_at(aft) * 100))
    moment = ac.oew_kg * _dm(ac.oew_arm_m) + sum(
        ulds[i].gross_kg * _dm(ac.positions[j].arm_m) * v for (i, j), v in x.items()
    )
    target = round(zfw * ac.arm_at(target_pct) * 10)
    centre = _dm(ac.arm_at(target_pct))
    bound = zfw * 1_000  # |moment − target| never exceeds weight × fuselage length
    dev = model.new_int_var(0, bound, "dev")
    model.add_abs_equality(dev, moment - target)
    spread = sum(
        ulds[i].gross_kg * abs(_dm(ac.positions[j].arm_m) - centre) * v for (i, j), v in x.items()
    )
    model.minimize(CG_WEIGHT * dev + spread)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = EFFORT
    # a guard only (the deterministic budget decides): a wall-clock limit that bites would make
    # the plan depend on the machine's load
    solver.parameters.max_time_in_seconds = 60.0
    # CP-SAT 9.15's presolve ran past a minute on a 28-ULD 747 model (the moment row's large
    # coefficients); without it the same model is solved to optimality in a few seconds.
    solver.parameters.cp_model_presolve = False
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, {}, False
    chosen = {
        ulds[i].identifier: ac.positions[j].name for (i, j), v in x.items() if solver.value(v)
    }
    return status, chosen, status == cp_model.OPTIMAL


def place_ulds(
    ac: Aircraft, ulds: Sequence[UldLoad], *, target_margin_pct: float = TARGET_MARGIN_PCT
) -> Placement:
    """Positions for every ULD, or LoadPlanInfeasible naming the limit that cannot be met."""
    from ortools.sat.python import cp_model

    if len({u.identifier for u in ulds}) != len(ulds):
        raise LoadPlanInfeasible(Problem.ULD_TWICE)
    zfw = ac.oew_kg + sum(u.gross_kg for u in ulds)
    _check(ac, ulds, zfw)
    fwd, aft = ac.limits_at(zfw)
    target = max(fwd, aft - target_margin_pct)
    if not ulds:  # nothing to place: the empty aircraft's own CG, no solver
        return Placement({}, zfw, round(ac.pct_mac(ac.oew_arm_m), 2), round(fwd, 2),
                         round(aft, 2), round(target, 2), optimal=True)  # fmt: skip
    status, chosen, optimal = _solve(ac, ulds, zfw, target, with_cg=True)
    if not chosen:
        if status == cp_model.INFEASIBLE:
            status, loose, _ = _solve(ac, ulds, zfw, target, with_cg=False)
            if loose:
                raise LoadPlanInfeasible(Problem.CG_OUT_OF_LIMITS, fwd=fwd, aft=aft, zfw_kg=zfw)
            if status == cp_model.INFEASIBLE:
                raise LoadPlanInfeasible(
                    Problem.WEIGHT_LIMITS, zones=tuple((z.name, z.max_kg) for z in ac.zones)
                )
        raise LoadPlanInfeasible(Problem.NO_SOLUTION_IN_TIME)
    arms = {p.name: p.arm_m for p in ac.positions}
    moment = ac.oew_kg * ac.oew_arm_m + sum(u.gross_kg * arms[chosen[u.identifier]] for u in ulds)
    return Placement(
        positions=chosen,
        zfw_kg=zfw,
        cg_pct=round(ac.pct_mac(moment / zfw), 2),
        fwd_pct=round(fwd, 2),
        aft_pct=round(aft, 2),
        target_pct=round(target, 2),
        optimal=optimal,
    )
