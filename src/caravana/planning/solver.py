"""Flight allocation: which optional charters fly and which consignment goes on which flight.

Pure Python and OR-Tools, no Django.  The problem separates by lane (a leg has one origin and one
destination), so each lane is solved on its own and the results are summed.  Per lane:

* exact path: a MIP over consignment × leg binaries and optional-charter binaries, solved by
  SCIP through pywraplp (on the 120-consignment bench it proves optimality in seconds where
  CP-SAT behind the same interface ran past 20 s and HiGHS crashed on a hint); used while the
  lane's consignment × leg pairs fit the time limit;
* packing path: a lane that is pure bin packing (identical optional charters, everything must
  fly) goes to the arc-flow model of arcflow.py, which proves the fewest charters on the hard
  Falkenauer classes where the MIP below stalls;
* fast path: consignments are aggregated into classes (same reachable legs, same legs on time,
  service, DG, positions, density band), the class → leg flow LP is solved with GLOP, the
  optional charters are chosen by re-solving it with them fixed (every combination when there are
  few, a local search otherwise), and the flows are rounded to consignments and repaired
  greedily.  The class LP relaxes the consignment problem, so its value is a lower bound.

Every lane's plan is compared with the cheaper of the lane's two FIFO plans (the issue's FIFO,
which calls in optional charters, and the committed-only dispatcher, which does not) and the
cheaper one kept, so a plan never costs more than either baseline even when a time limit cuts a
solve short.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from ortools.linear_solver import pywraplp

from . import arcflow
from .fifo import METHOD, fifo_assignments
from .kpis import compute_kpis
from .problem import (
    SECONDS_PER_DAY,
    VOLUMETRIC_KG_PER_M3,
    Consignment,
    Leg,
    Penalties,
    Plan,
    Problem,
    can_carry,
    committed_cost,
    legs_of,
    plan_cost,
    problem_from_json,
    relative_gap,
    shipping_cost,
    unshipped_cost,
)
from .validate import assert_valid

EXACT_ENGINE = "SCIP"
OPTIMALITY_GAP = 1e-6  # "optimal" = proven within this relative gap (Gurobi's default is 1e-4)
EXACT_MAX_PAIRS = 12_000  # consignment × leg pairs a lane may have for the exact MIP
EXACT_PAIRS_PER_SECOND = 2_000  # below this budget the exact MIP rarely closes: go fast
DENSITY_STEP = 1.2  # width of a density band in a class (bands meet at 166.67 kg/m³)
CUT_QUANTILES = (0.0, 0.2, 0.4, 0.6, 0.8)  # where density cuts touch a class's (kg, m³) hull
WEIGHT_STEP = 1.06  # width of a weight band for classes of ULDs (they use positions)
ENUMERATE_CHARTERS = 4  # a lane with at most this many optional charters tries every choice
PARALLEL_MIN_CONSIGNMENTS = 20_000  # below this, starting processes costs more than it saves
TIME_SHARE = 0.8  # of the time limit for the lanes' solvers; the rest builds, rounds, reports
EPS = 1e-9
CUT_TOLERANCE = 1e-9  # of a density cut's slope: a coefficient below it is rounding noise, 0
# A class whose densities differ by less (relative) is one density, its lightest (its m³ then
# over by 0.01 % at most): split in two, its kg and m³ equations are near singular (in 500 random
# classes GLOP found the LP infeasible at 1e-8 apart and once did not finish at 1e-6)
ONE_DENSITY = 1e-4
PACKING_MAX_CAPACITY = 20_000  # arc-flow nodes: a leg's capacity in the packing's integer unit
PACKING_SCALES = (1, 10, 100, 1000)  # integer units tried: kg, 0.1 kg, ... (m³: 1, 0.1, ...)


@dataclass(slots=True)
class LaneResult:
    assignments: dict[str, str | None]
    operated: set[str]
    cost: float  # optional fixed + belly + lateness + unshipped of this lane
    bound: float
    method: str
    optimal: bool = False
    stats: dict[str, Any] = field(default_factory=dict)


def _lane_cost(
    cons: Sequence[Consignment],
    assignments: dict[str, str | None],
    legs: dict[str, Leg],
    operated: set[str],
    penalties: Penalties,
) -> float:
    cost = sum(legs[i].fixed_cost_usd for i in operated)
    for c in cons:
        leg_id = assignments.get(c.id)
        if leg_id is None:
            cost += unshipped_cost(c, penalties)
        else:
            cost += shipping_cost(legs[leg_id], c, penalties)
    return cost


def _mip_solver(name: str, seconds: float, relative_gap_limit: float) -> Any:
    solver = pywraplp.Solver.CreateSolver(name)
    if solver is None:  # pragma: no cover - every OR-Tools wheel ships SCIP
        raise RuntimeError(f"OR-Tools has no {name} solver")
    solver.SetTimeLimit(max(1, int(seconds * 1000)))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, relative_gap_limit)
    return solver, params


# ---------------------------------------------------------------------------------------------
# Exact path


def _exact_lane(
    cons: Sequence[Consignment],
    legs: Sequence[Leg],
    penalties: Penalties,
    seconds: float,
    hint: dict[str, str | None],
) -> LaneResult:
    """MIP: x[c,l] binary, y[l] binary for optional charters; x ≤ y tightens the LP bound."""
    solver, params = _mip_solver(EXACT_ENGINE, seconds, OPTIMALITY_GAP)
    base = sum(unshipped_cost(c, penalties) for c in cons)
    y = {j: solver.BoolVar(f"y{j}") for j, leg in enumerate(legs) if leg.optional}
    rows_kg = {}
    rows_m3 = {}
    rows_pos = {}
    for j, leg in enumerate(legs):
        scale = (-1.0, y[j]) if j in y else (0.0, None)
        rows_kg[j] = solver.Constraint(-solver.infinity(), 0.0 if scale[1] else leg.kg)
        rows_m3[j] = solver.Constraint(-solver.infinity(), 0.0 if scale[1] else leg.m3)
        rows_pos[j] = solver.Constraint(-solver.infinity(), 0.0 if scale[1] else leg.positions)
        if scale[1] is not None:
            rows_kg[j].SetCoefficient(y[j], -leg.kg)
            rows_m3[j].SetCoefficient(y[j], -leg.m3)
            rows_pos[j].SetCoefficient(y[j], -leg.positions)
    objective = solver.Objective()
    for j, var in y.items():
        objective.SetCoefficient(var, legs[j].fixed_cost_usd)
    x: dict[tuple[int, int], Any] = {}
    hint_vars, hint_values = [], []
    index = {leg.id: j for j, leg in enumerate(legs)}
    for i, c in enumerate(cons):
        penalty = unshipped_cost(c, penalties)
        once = solver.Constraint(-solver.infinity(), 1.0)
        for j, leg in enumerate(legs):
            if not can_carry(leg, c):
                continue
            reduced = shipping_cost(leg, c, penalties) - penalty
            if reduced >= 0:  # waiting is as cheap and frees room: never worse
                continue
            var = solver.BoolVar(f"x{i}_{j}")
            x[i, j] = var
            once.SetCoefficient(var, 1.0)
            rows_kg[j].SetCoefficient(var, c.weight_kg)
            rows_m3[j].SetCoefficient(var, c.volume_m3)
            if c.positions:
                rows_pos[j].SetCoefficient(var, c.positions)
            if j in y:
                link = solver.Constraint(-solver.infinity(), 0.0)
                link.SetCoefficient(var, 1.0)
                link.SetCoefficient(y[j], -1.0)
            objective.SetCoefficient(var, reduced)
            hint_vars.append(var)
            hint_values.append(1.0 if index.get(hint.get(c.id) or "") == j else 0.0)
    objective.SetOffset(base)  # so SCIP's relative gap is taken on the lane's cost
    objective.SetMinimization()
    if hint_vars:
        hinted = {index[leg] for leg in hint.values() if leg in index}
        opened = [1.0 if j in hinted else 0.0 for j in y]
        solver.SetHint(hint_vars + list(y.values()), hint_values + opened)
    status = solver.Solve(params)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return LaneResult(dict(hint), set(), math.inf, -math.inf, "exact-failed")
    assignments: dict[str, str | None] = {c.id: None for c in cons}
    for (i, j), var in x.items():
        if var.solution_value() > 0.5:
            assignments[cons[i].id] = legs[j].id
    operated = {legs[j].id for j, var in y.items() if var.solution_value() > 0.5}
    by_id = {leg.id: leg for leg in legs}
    cost = _lane_cost(cons, assignments, by_id, operated, penalties)
    bound = min(cost, objective.BestBound())
    optimal = status == pywraplp.Solver.OPTIMAL and relative_gap(cost, bound) <= OPTIMALITY_GAP
    return LaneResult(
        assignments,
        operated,
        cost,
        bound,
        "exact",
        optimal,
        {"pairs": len(x), "binaries": len(x) + len(y)},
    )


# ---------------------------------------------------------------------------------------------
# Packing path: a lane that is pure bin packing goes to the arc-flow model (arcflow.py)


def _integral(values: Sequence[float], capacity: float) -> tuple[list[int], int] | None:
    """`values` and `capacity` as integers in the first unit where the values are whole, if the
    capacity then stays small enough for an arc-flow graph."""
    for scale in PACKING_SCALES:
        cap = math.floor(capacity * scale + 1e-6)
        if cap > PACKING_MAX_CAPACITY:
            return None
        ints = [round(v * scale) for v in values]
        if all(abs(i - v * scale) <= 1e-6 for i, v in zip(ints, values, strict=True)):
            return ints, cap
    return None


def _packing_lane(
    cons: Sequence[Consignment], legs: Sequence[Leg], penalties: Penalties, seconds: float
) -> LaneResult | None:
    """The lane as one-dimensional bin packing, or None when it is not one.

    It is one when every leg is an optional charter of the same capacity and price, every
    consignment can take every leg at the same cost, and leaving any consignment costs more than
    a charter (then every optimal plan ships all: dropping items saves at most one charter each).
    Of kg, m³ and positions, a dimension whose lane total fits one leg never binds; the packing is
    solved on the binding one with the largest total relative to capacity, then checked on the
    others and repaired (first fit) where they overflow.  The bound is the charters the packed
    dimension needs (and L2 on each other binding one): exact for one binding dimension, a valid
    lower bound for several, so a repaired plan is called optimal only if it meets it.
    """
    if not cons or not legs:
        return None
    first = legs[0]
    shape = (first.kind, first.optional, first.kg, first.m3, first.positions, first.fixed_cost_usd)
    if shape[:2] != ("charter", True) or first.fixed_cost_usd <= 0:
        return None
    if any(
        (leg.kind, leg.optional, leg.kg, leg.m3, leg.positions, leg.fixed_cost_usd) != shape
        for leg in legs
    ):
        return None
    ship = []
    for c in cons:
        costs = {shipping_cost(leg, c, penalties) for leg in legs if can_carry(leg, c)}
        if len(costs) != 1 or sum(can_carry(leg, c) for leg in legs) != len(legs):
            return None
        cost = costs.pop()
        if unshipped_cost(c, penalties) - cost <= first.fixed_cost_usd + EPS:
            return None
        ship.append(cost)
    dims = [
        ([c.weight_kg for c in cons], first.kg),
        ([c.volume_m3 for c in cons], first.m3),
        ([float(c.positions) for c in cons], float(first.positions)),
    ]
    binding = [d for d in dims if sum(d[0]) > d[1] + EPS] or [dims[0]]
    binding.sort(key=lambda d: -sum(d[0]) / max(d[1], EPS))
    ints = _integral(*binding[0])
    if ints is None:
        return None
    packing = arcflow.pack(ints[0], ints[1], seconds)
    lower = packing.lower_bound
    for values, cap in binding[1:]:  # a bound on another dimension, in a unit that rounds down
        other = _integral(values, cap)
        if other is not None:
            lower = max(lower, arcflow.l2_bound(*other))
    bins = _repair_packing(packing.bins, binding)
    if lower > len(legs) or len(bins) > len(legs):
        return None  # not enough charters to ship everything: not a pure packing
    assignments: dict[str, str | None] = {c.id: None for c in cons}
    for leg, items in zip(legs, bins, strict=False):
        for i in items:
            assignments[cons[i].id] = leg.id
    operated = {leg.id for leg, _ in zip(legs, bins, strict=False)}
    cost = first.fixed_cost_usd * len(bins) + sum(ship)
    bound = first.fixed_cost_usd * lower + sum(ship)
    stats = {f"packing_{k}": v for k, v in packing.stats.items()}
    return LaneResult(assignments, operated, cost, bound, "arcflow", len(bins) <= lower, stats)


def _repair_packing(
    bins: list[list[int]], others: Sequence[tuple[list[float], float]]
) -> list[list[int]]:
    """Move items out of bins that overflow a dimension other than the packed one (the first),
    first fit into any bin with room on every dimension (or a new one)."""
    if len(others) < 2:
        return bins

    def load(items: list[int]) -> list[float]:
        return [sum(values[i] for i in items) for values, _ in others]

    out: list[list[int]] = []
    spill: list[int] = []
    for items in bins:
        kept: list[int] = []
        for i in sorted(items, key=lambda i: -max(v[i] / max(c, EPS) for v, c in others)):
            if all(u + v[i] <= c + EPS for u, (v, c) in zip(load(kept), others, strict=True)):
                kept.append(i)
            else:
                spill.append(i)
        out.append(kept)
    sizes = list(zip(*(values for values, _ in others), strict=True))
    for i in spill:  # every dimension, the packed one included, through the first-fit rule
        for items in out:
            if all(
                u + s <= c + EPS for u, s, (_, c) in zip(load(items), sizes[i], others, strict=True)
            ):
                items.append(i)
                break
        else:
            out.append([i])
    return [items for items in out if items]


# ---------------------------------------------------------------------------------------------
# Fast path: classes, flow MIP, rounding, repair


@dataclass(slots=True)
class _Class:
    members: list[int]
    service: str
    first_leg: int
    due: float  # latest due time (epoch seconds) in the class: lateness is never overestimated
    dangerous_goods: bool
    positions: int
    kg: float = 0.0
    m3: float = 0.0
    rho_min: float = math.inf  # kg per m³
    rho_max: float = 0.0
    w_max: float = 0.0
    v_max: float = 0.0
    w_min: float = math.inf
    v_min: float = math.inf
    cuts: list[tuple[float, float, float]] = field(default_factory=list)


def _band(value: float, anchor: float, step: float) -> int:
    ratio = value / anchor
    if ratio <= 0:  # also a denormal that underflows
        return -(10**6)
    if math.isinf(ratio):
        return 10**6
    return math.floor(math.log(ratio) / math.log(step))


def _density(c: Consignment) -> float:
    return c.weight_kg / c.volume_m3 if c.volume_m3 > 0 else math.inf


def _classes(cons: Sequence[Consignment], legs: Sequence[Leg]) -> list[_Class]:
    """Group consignments the flow model treats alike: same legs reachable (by ready time), same
    legs on time (by due time), service, DG, positions, density band (and weight band for ULDs)."""
    departs = [leg.departs_at for leg in legs]
    arrivals = sorted(leg.arrives_at for leg in legs)
    # density bands keep belly freight linear; DG that no belly takes needs none (cuts suffice)
    belly_dg = any(leg.kind == "belly" and leg.dangerous_goods_ok for leg in legs)
    groups: dict[tuple[Any, ...], _Class] = {}
    for i, c in enumerate(cons):
        rho = _density(c)
        if c.weight_kg <= 1e-6 or rho <= 1e-9:
            continue  # next to nothing to gain by flying it: it waits at no (or no real) cost
        first = bisect_left(departs, c.ready_at)
        on_time = bisect_left(arrivals, c.due_at)
        w_band = _band(c.weight_kg, 1000.0, WEIGHT_STEP) if c.positions else 0
        key = (
            c.service,
            first,
            on_time,
            c.dangerous_goods,
            c.positions,
            0
            if c.dangerous_goods and not belly_dg
            else _band(rho, VOLUMETRIC_KG_PER_M3, DENSITY_STEP),
            w_band,
        )
        k = groups.get(key)
        if k is None:
            k = groups[key] = _Class([], c.service, first, 0.0, c.dangerous_goods, c.positions)
        k.members.append(i)
        k.kg += c.weight_kg
        k.m3 += c.volume_m3
        k.rho_min = min(k.rho_min, rho)
        k.rho_max = max(k.rho_max, rho)
        k.w_max = max(k.w_max, c.weight_kg)
        k.v_max = max(k.v_max, c.volume_m3)
        k.w_min = min(k.w_min, c.weight_kg)
        k.v_min = min(k.v_min, c.volume_m3)
        k.due = max(k.due, c.due_at.timestamp())
    classes = list(groups.values())
    for k in classes:
        k.members.sort(key=lambda i: -_density(cons[i]))  # densest first
        if len(k.members) > 2 and k.rho_max < math.inf:
            k.cuts = _density_cuts([cons[i] for i in k.members])
    return classes


def _density_cuts(members: Sequence[Consignment]) -> list[tuple[float, float, float]]:
    """Supporting lines (a, s, sense) of the set of (kg, m³) a subset of `members` can ship.

    Shipping W kg takes at least the volume of the densest W kg (a convex piecewise-linear curve
    through the running sums, densest first) and at most that of the lightest W kg: each cut
    V ≥ a + s·W (sense +1) or V ≤ a + s·W (sense −1) extends one piece of those curves, so it holds
    for every subset and the relaxation stays valid while losing the density freedom the two-ends
    split alone would allow.
    """
    cuts = []
    n = len(members)
    picks = sorted({round(n * q) for q in CUT_QUANTILES} - {n})
    for order, sense in ((members, 1.0), (members[::-1], -1.0)):
        kg = m3 = 0.0
        prefix = {}
        for index, c in enumerate(order):
            prefix[index] = (kg, m3)
            kg += c.weight_kg
            m3 += c.volume_m3
        for index in picks:
            w0, v0 = prefix[index]
            slope = order[index].volume_m3 / order[index].weight_kg
            cuts.append((v0 - slope * w0, slope, sense))
    return cuts


def _per_kg(leg: Leg, k: _Class, rho: float, penalties: Penalties) -> float:
    """Cost per kg of class `k` on `leg` at density `rho`, less the unshipped penalty it avoids."""
    late_days = max(0.0, (leg.arrives_at.timestamp() - k.due) / SECONDS_PER_DAY)
    cost = penalties.late_per_kg_day_usd[k.service] * late_days - penalties.unshipped_per_kg_usd
    if leg.kind == "belly":
        cost += leg.price_per_kg_usd * max(1.0, VOLUMETRIC_KG_PER_M3 / rho)
    return cost


def _fits(leg: Leg, k: _Class) -> bool:
    return (
        (leg.dangerous_goods_ok or not k.dangerous_goods)
        and k.positions <= leg.positions
        and k.w_min <= leg.kg  # some member fits: the LP must not rule out what could fly
        and k.v_min <= leg.m3
    )


def _flow_model(
    classes: Sequence[_Class],
    legs: Sequence[Leg],
    penalties: Penalties,
    seconds: float,
) -> tuple[Any, dict[tuple[int, int], list[tuple[Any, float]]], dict[int, Any], int, float]:
    """The class → leg flow LP, optional charters open between 0 and 1 (GLOP, warm-startable).

    Per class, the kg sent to a leg is split into two components at the class's lowest and highest
    density; any subset of its members has a kg/m³ mix expressible that way, and the unshipped
    rest too (an equality), so the model relaxes the consignment problem.  Costs are linear in kg
    within a density band because the bands never straddle 166.67 kg/m³.
    """
    solver = pywraplp.Solver.CreateSolver("GLOP")
    solver.SetTimeLimit(max(1, int(seconds * 1000)))
    inf = solver.infinity()
    y = {}
    for j, leg in enumerate(legs):
        if leg.optional:
            y[j] = solver.NumVar(0, 1, f"y{j}")
    cap_kg, cap_m3, cap_pos = {}, {}, {}
    for j, leg in enumerate(legs):
        hi = 0.0 if j in y else 1.0
        cap_kg[j] = solver.Constraint(-inf, hi * leg.kg)
        cap_m3[j] = solver.Constraint(-inf, hi * leg.m3)
        cap_pos[j] = solver.Constraint(-inf, hi * leg.positions)
        if j in y:
            cap_kg[j].SetCoefficient(y[j], -leg.kg)
            cap_m3[j].SetCoefficient(y[j], -leg.m3)
            cap_pos[j].SetCoefficient(y[j], -leg.positions)
    objective = solver.Objective()
    for j, var in y.items():
        objective.SetCoefficient(var, legs[j].fixed_cost_usd)
    flows: dict[tuple[int, int], list[tuple[Any, float]]] = {}
    for k, cls in enumerate(classes):
        rhos = (
            [cls.rho_min]
            if cls.rho_max <= cls.rho_min * (1 + ONE_DENSITY)
            else [cls.rho_min, cls.rho_max]
        )
        total_kg = solver.Constraint(cls.kg, cls.kg)
        total_m3 = solver.Constraint(cls.m3, cls.m3) if len(rhos) == 2 else None
        rests = []
        for e, rho in enumerate(rhos):  # what waits, split the same way
            rest = solver.NumVar(0, inf, f"u{k}_{e}")
            rests.append((rest, rho))
            total_kg.SetCoefficient(rest, 1.0)
            if total_m3 is not None:
                total_m3.SetCoefficient(rest, 1.0 / rho)
        for a, slope, sense in cls.cuts if total_m3 is not None else ():
            # shipped = class − waiting: sense·(V − a − s·W) ≥ 0 written on the waiting parts;
            # the whole class meets every cut, so the bound is ≤ 0 (rounding may leave +1e-16)
            row = solver.Constraint(min(0.0, sense * (a + slope * cls.kg - cls.m3)), inf)
            for rest, rho in rests:
                if abs(slope - 1.0 / rho) > CUT_TOLERANCE * slope:
                    row.SetCoefficient(rest, sense * (slope - 1.0 / rho))
                # else 0: a cut through a bag as dense as the class's end; floating point left
                # ±1e-19, and a row such as 1e-19·u ≥ 1e-16 made 1,000 kg wait, or the LP
                # infeasible (GLOP: ABNORMAL)
        count = solver.Constraint(-inf, len(cls.members)) if cls.positions else None
        for j in range(cls.first_leg, len(legs)):
            leg = legs[j]
            if not _fits(leg, cls):
                continue
            costs = [_per_kg(leg, cls, rho, penalties) for rho in rhos]
            if min(costs) >= 0:
                continue
            pair: list[tuple[Any, float]] = []
            for rho, cost in zip(rhos, costs, strict=True):
                var = solver.NumVar(0, inf, f"f{k}_{j}_{len(pair)}")
                pair.append((var, rho))
                total_kg.SetCoefficient(var, 1.0)
                if total_m3 is not None:
                    total_m3.SetCoefficient(var, 1.0 / rho)
                cap_kg[j].SetCoefficient(var, 1.0)
                cap_m3[j].SetCoefficient(var, 1.0 / rho)
                objective.SetCoefficient(var, cost)
            flows[k, j] = pair
            if j in y:  # kg on an optional charter only if it flies (a strong cut)
                link = solver.Constraint(-inf, 0.0)
                for var, _ in pair:
                    link.SetCoefficient(var, 1.0)
                link.SetCoefficient(y[j], -min(cls.kg, leg.kg))
            if count is not None:  # positions: members aboard ≥ kg / heaviest, ≥ m³ / bulkiest
                n = solver.NumVar(0, inf, f"n{k}_{j}")
                count.SetCoefficient(n, 1.0)
                cap_pos[j].SetCoefficient(n, cls.positions)
                for divisor, per in ((cls.w_max, None), (cls.v_max, "m3")):
                    row = solver.Constraint(-inf, 0.0)
                    row.SetCoefficient(n, -divisor)
                    for var, rho in pair:
                        row.SetCoefficient(var, 1.0 if per is None else 1.0 / rho)
    objective.SetMinimization()
    constant = sum(cls.kg for cls in classes) * penalties.unshipped_per_kg_usd
    status = solver.Solve()
    return solver, flows, y, status, constant


def _round(
    cons: Sequence[Consignment],
    legs: Sequence[Leg],
    classes: Sequence[_Class],
    flows: dict[tuple[int, int], list[tuple[Any, float]]],
    operated_idx: set[int],
    penalties: Penalties,
) -> dict[str, str | None]:
    """Flows to consignments, then repair what is left.

    Each class hands its densest members to its densest flows.  A flow is matched in the resource
    that binds on its leg in the LP (m³ on a leg full by volume, else kg): matching kg on a
    volume-bound leg would overfill it with lighter bags and push denser ones out.
    """
    room = [[leg.kg, leg.m3, leg.positions] for leg in legs]
    assigned: list[int | None] = [None] * len(cons)
    targets: dict[int, list[tuple[int, float, float]]] = defaultdict(list)
    leg_kg = [0.0] * len(legs)
    leg_m3 = [0.0] * len(legs)
    for (k, j), pair in flows.items():
        kg = sum(var.solution_value() for var, _ in pair)
        if kg > 1e-6:
            m3 = sum(var.solution_value() / rho for var, rho in pair)
            targets[k].append((j, kg, m3))
            leg_kg[j] += kg
            leg_m3[j] += m3
    by_volume = [
        leg_m3[j] * leg.kg >= leg_kg[j] * leg.m3 if leg.m3 > 0 else False
        for j, leg in enumerate(legs)
    ]
    pool: list[int] = []
    # big items first (built ULDs): bags fill whatever room they leave, not the reverse
    order = sorted(range(len(classes)), key=lambda k: (-classes[k].positions, -classes[k].v_max))
    uld_pool: list[int] = []
    for k in order:
        cls = classes[k]
        if not cls.positions and uld_pool:  # ULDs left over go now, before bags take the room
            _repair(cons, legs, uld_pool, assigned, room, operated_idx, penalties)
            uld_pool = []
        flows_k = sorted(targets.get(k, []), key=lambda t: -t[1] / max(t[2], EPS))
        members = cls.members  # densest first
        pos = 0
        for j, kg, m3 in flows_k:
            left, got = room[j], 0.0
            volume = by_volume[j]
            target = m3 if volume else kg
            while pos < len(members):
                c = cons[members[pos]]
                size = c.volume_m3 if volume else c.weight_kg
                if got + size / 2 > target:
                    break
                if (
                    c.weight_kg > left[0] + EPS
                    or c.volume_m3 > left[1] + EPS
                    or c.positions > left[2]
                ):
                    break
                left[0] -= c.weight_kg
                left[1] -= c.volume_m3
                left[2] -= c.positions
                assigned[members[pos]] = j
                got += size
                pos += 1
        (uld_pool if cls.positions else pool).extend(members[pos:])
    _repair(cons, legs, uld_pool + pool, assigned, room, operated_idx, penalties)
    _improve(cons, legs, assigned, room, operated_idx, penalties)
    return {
        c.id: (legs[j].id if j is not None else None) for c, j in zip(cons, assigned, strict=True)
    }


def _repair(
    cons: Sequence[Consignment],
    legs: Sequence[Leg],
    pool: list[int],
    assigned: list[int | None],
    room: list[list[float]],
    operated_idx: set[int],
    penalties: Penalties,
) -> None:
    """Greedy: most urgent first, each waiting consignment to its cheapest leg with room."""
    usable = [j for j, leg in enumerate(legs) if not leg.optional or j in operated_idx]
    departs = [legs[j].departs_at for j in usable]
    pool.sort(key=lambda i: (cons[i].due_at, -cons[i].weight_kg))
    for i in pool:
        c = cons[i]
        best, best_cost = None, unshipped_cost(c, penalties) - EPS
        for j in usable[bisect_left(departs, c.ready_at) :]:
            left, leg = room[j], legs[j]
            if c.weight_kg > left[0] + EPS or c.volume_m3 > left[1] + EPS or c.positions > left[2]:
                continue
            if not can_carry(leg, c):
                continue
            cost = shipping_cost(leg, c, penalties)
            if cost < best_cost:
                best, best_cost = j, cost
        if best is not None:
            room[best][0] -= c.weight_kg
            room[best][1] -= c.volume_m3
            room[best][2] -= c.positions
            assigned[i] = best


def _search_charters(
    solver: Any, y: dict[int, Any], deadline: float
) -> tuple[set[int], float, bool, int]:
    """Choose the optional charters over the class LP, starting from its rounded relaxation.

    With few optional charters every open/closed combination is solved (then the best is the
    class MIP's optimum, a bound); otherwise flip one charter at a time while it pays.  Each
    candidate is one LP with the charters' variables fixed, warm-started by GLOP.
    """
    frac = {j: var.solution_value() for j, var in y.items()}
    seen: dict[frozenset[int], float] = {}
    inexact: set[frozenset[int]] = set()  # not solved to optimality: no bound from these

    def value(open_set: frozenset[int]) -> float:
        if open_set not in seen:
            for j, var in y.items():
                var.SetBounds(*((1.0, 1.0) if j in open_set else (0.0, 0.0)))
            status = solver.Solve()
            ok = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
            seen[open_set] = solver.Objective().Value() if ok else math.inf
            if status != pywraplp.Solver.OPTIMAL:  # all waiting is always feasible: a failure
                inexact.add(open_set)
        return seen[open_set]

    best = frozenset(j for j, v in frac.items() if v >= 0.5)
    best_value = value(best)
    complete = False
    if len(y) <= ENUMERATE_CHARTERS:
        subsets = [
            frozenset(j for b, j in enumerate(y) if mask >> b & 1) for mask in range(2 ** len(y))
        ]
        subsets.sort(key=lambda sub: sum(abs((j in sub) - frac[j]) for j in y))
        for sub in subsets:
            if time.perf_counter() > deadline:
                break
            if value(sub) < best_value:
                best, best_value = sub, value(sub)
        complete = len(seen) == 2 ** len(y) and not inexact
    else:  # local search: open or close one charter, or swap one for another
        improved = True
        while improved and time.perf_counter() < deadline:
            improved = False
            moves = [best ^ {j} for j in sorted(y, key=lambda j: abs(frac[j] - 0.5))]
            moves += [best - {i} | {j} for i in best for j in y if j not in best]
            for candidate in moves:
                if time.perf_counter() > deadline:
                    break
                if value(candidate) < best_value - 1e-6:
                    best, best_value, improved = candidate, value(candidate), True
                    break
    if len(seen) > 1:
        seen.pop(best, None)
        value(best)  # leave the solver holding the chosen plan's flows
    return set(best), best_value, complete, len(seen)


def _improve(
    cons: Sequence[Consignment],
    legs: Sequence[Leg],
    assigned: list[int | None],
    room: list[list[float]],
    operated_idx: set[int],
    penalties: Penalties,
) -> None:
    """Move consignments that pay something (belly freight, lateness) to a cheaper leg with room.

    Rounding leaves slack on charters; this fills it with what gains most per kg.  Only paying
    consignments are scanned, so the pass stays cheap on a week of bags.
    """
    usable = [j for j, leg in enumerate(legs) if not leg.optional or j in operated_idx]
    departs = [legs[j].departs_at for j in usable]
    paying = []
    for i, j in enumerate(assigned):
        if j is not None:
            cost = shipping_cost(legs[j], cons[i], penalties)
            if cost > EPS:
                paying.append((-cost / max(cons[i].weight_kg, EPS), i, j, cost))
    paying.sort()
    for _, i, here, cost in paying:
        c = cons[i]
        best, best_cost = None, cost - EPS
        for j in usable[bisect_left(departs, c.ready_at) :]:
            left = room[j]
            if c.weight_kg > left[0] + EPS or c.volume_m3 > left[1] + EPS or c.positions > left[2]:
                continue
            if j != here and can_carry(legs[j], c):
                moved = shipping_cost(legs[j], c, penalties)
                if moved < best_cost:
                    best, best_cost = j, moved
        if best is not None:
            for leg_index, sign in ((here, 1.0), (best, -1.0)):
                room[leg_index][0] += sign * c.weight_kg
                room[leg_index][1] += sign * c.volume_m3
                room[leg_index][2] += sign * c.positions
            assigned[i] = best


def _fast_lane(
    cons: Sequence[Consignment], legs: Sequence[Leg], penalties: Penalties, seconds: float
) -> LaneResult:
    deadline = time.perf_counter() + seconds
    classes = _classes(cons, legs)
    solver, flows, y, status, constant = _flow_model(classes, legs, penalties, seconds)
    if status != pywraplp.Solver.OPTIMAL:
        return LaneResult({}, set(), math.inf, -math.inf, "fast-failed")
    bound = constant + solver.Objective().Value()  # the LP relaxation
    lp_start = time.perf_counter()
    operated_idx, best_value, complete, tried = _search_charters(solver, y, deadline)
    search_seconds = time.perf_counter() - lp_start
    if complete:
        bound = max(bound, constant + best_value)  # every charter choice solved: the class MIP
    assignments = _round(cons, legs, classes, flows, operated_idx, penalties)
    by_id = {leg.id: leg for leg in legs}
    used = {by_id[i].id for i in assignments.values() if i is not None and by_id[i].optional}
    cost = _lane_cost(cons, assignments, by_id, used, penalties)
    stats = {
        "classes": len(classes),
        "flow_pairs": len(flows),
        "charter_choices_tried": tried,
        "charter_choice_exact": complete,
        "charter_search_seconds": round(search_seconds, 2),
    }
    return LaneResult(assignments, used, cost, min(cost, bound), "fast", False, stats)


# ---------------------------------------------------------------------------------------------
# The whole problem


def _choose(pairs: int, seconds: float, method: str) -> str:
    if method != "auto":
        return method
    if pairs <= EXACT_MAX_PAIRS and pairs <= seconds * EXACT_PAIRS_PER_SECOND:
        return "exact"
    return "fast"


def _solve_lane(
    cons: Sequence[Consignment],
    legs: Sequence[Leg],
    penalties: Penalties,
    seconds: float,
    chosen: str,
    fifo_lane: dict[str, str | None],
    fifo_cost: float,
    fifo_operated: frozenset[str] = frozenset(),
    fifo_method: str = "fifo",
) -> LaneResult:
    """One lane by the chosen path, falling back to its (better) FIFO plan if that is cheaper.

    A lane that is pure bin packing goes to the arc-flow model first; when that proves its plan
    optimal the general paths are skipped, else the cheaper plan and the higher bound are kept.
    """
    start = time.perf_counter()
    packed = _packing_lane(cons, legs, penalties, seconds)
    if packed is not None and packed.optimal:
        result = packed
    else:
        result = _general_lane(cons, legs, penalties, seconds - (time.perf_counter() - start),
                               chosen, fifo_lane, fifo_cost)  # fmt: skip
        if packed is not None:
            bound = max(packed.bound, result.bound)
            result = min(packed, result, key=lambda r: r.cost)
            result.bound = min(bound, result.cost)
    if result.cost > fifo_cost + EPS:  # never worse than the baseline
        bound = result.bound if math.isfinite(result.bound) else 0.0
        result = LaneResult(
            fifo_lane, set(fifo_operated), fifo_cost, bound, fifo_method, False, result.stats
        )
    return result


def _general_lane(
    cons: Sequence[Consignment],
    legs: Sequence[Leg],
    penalties: Penalties,
    seconds: float,
    chosen: str,
    fifo_lane: dict[str, str | None],
    fifo_cost: float,
) -> LaneResult:
    """The exact MIP (hinted by the fast plan) or the fast path alone."""
    seconds = max(0.2, seconds)
    if chosen == "exact":
        # a good first incumbent lets SCIP prune from the start: the fast plan when it beats FIFO
        start = time.perf_counter()
        quick = _fast_lane(cons, legs, penalties, seconds / 4)
        hint = quick.assignments if quick.cost < fifo_cost else fifo_lane
        left = max(0.1, seconds - (time.perf_counter() - start))
        return _exact_lane(cons, legs, penalties, left, hint)
    return _fast_lane(cons, legs, penalties, seconds)


# _solve_lane's arguments, one lane's job
_Job = tuple[
    Sequence[Consignment],
    Sequence[Leg],
    Penalties,
    float,
    str,
    dict[str, str | None],
    float,
    frozenset[str],
    str,
]


def _run_jobs(jobs: list[_Job], workers: int) -> list[LaneResult]:
    """Lanes in parallel processes when worth it; in-process when not, or when not allowed
    (a daemonic worker, such as Celery's prefork pool, may not start children)."""
    if workers > 1 and len(jobs) > 1:
        try:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
                return list(pool.map(_solve_lane, *zip(*jobs, strict=True)))
        except (AssertionError, OSError, RuntimeError, BrokenProcessPool):
            pass
    return [_solve_lane(*job) for job in jobs]


def solve(
    problem: Problem, time_limit: float = 30.0, method: str = "auto", workers: int = 1
) -> Plan:
    """Plan the problem within about `time_limit` seconds.

    `method` is auto, exact or fast (auto picks per lane by size and time).  `workers` > 1 solves
    lanes side by side in spawned processes once the problem has PARALLEL_MIN_CONSIGNMENTS
    consignments; it is opt-in because spawning re-imports the caller's main module, which must
    then be guarded by `if __name__ == "__main__"`.
    """
    if method not in ("auto", "exact", "fast"):
        raise ValueError(f"method must be auto, exact or fast, not {method!r}")
    start = time.perf_counter()
    penalties = problem.penalties
    all_legs = legs_of(problem)
    lane_legs: dict[tuple[str, str], list[Leg]] = defaultdict(list)
    for leg in all_legs:
        lane_legs[leg.lane].append(leg)
    lane_cons: dict[tuple[str, str], list[Consignment]] = defaultdict(list)
    for c in problem.consignments:
        lane_cons[(c.origin, c.destination)].append(c)
    # both baselines; each lane falls back on the cheaper of the two (literal FIFO first on a tie)
    fifos = [(METHOD[flag], *fifo_assignments(problem, flag)) for flag in (True, False)]
    by_id = {leg.id: leg for leg in all_legs}
    if len(problem.consignments) < PARALLEL_MIN_CONSIGNMENTS or multiprocessing.parent_process():
        workers = 1

    sizes = {lane: len(cons) * len(lane_legs.get(lane, [])) for lane, cons in lane_cons.items()}
    total_size = sum(sizes.values()) or 1
    budget = max(0.5, time_limit - (time.perf_counter() - start)) * TIME_SHARE
    lanes = sorted(lane_cons, key=lambda ln: -sizes[ln])  # biggest first: balances the workers
    results: dict[tuple[str, str], LaneResult] = {}
    fifo_costs: dict[tuple[str, str], dict[str, float]] = {}
    jobs: list[_Job] = []
    job_lanes = []
    for lane in lanes:
        cons, legs = lane_cons[lane], lane_legs.get(lane, [])
        options = []
        for fifo_method, fifo, fifo_used in fifos:
            lane_plan = {c.id: fifo[c.id] for c in cons}
            used = frozenset(leg.id for leg in legs if leg.id in fifo_used)
            cost = _lane_cost(cons, lane_plan, by_id, set(used), penalties)
            options.append((cost, fifo_method, lane_plan, used))
        fifo_costs[lane] = {m: cost for cost, m, _, _ in options}
        fifo_cost, fifo_method, fifo_lane, fifo_flown = min(options, key=lambda o: o[0])
        if not legs:
            results[lane] = LaneResult(fifo_lane, set(), fifo_cost, fifo_cost, "none", True)
            continue
        share = sizes[lane] / total_size * max(1, min(workers, len(lane_cons)))
        seconds = max(0.2, budget * min(1.0, share))
        chosen = _choose(sizes[lane], seconds, method)
        jobs.append(
            (cons, legs, penalties, seconds, chosen, fifo_lane, fifo_cost, fifo_flown, fifo_method)
        )
        job_lanes.append(lane)
    results.update(zip(job_lanes, _run_jobs(jobs, workers), strict=True))

    assignments: dict[str, str | None] = {}
    operated: set[str] = set()
    bound = 0.0
    methods, all_optimal, lanes_out = set(), True, {}
    for lane in lanes:
        result = results[lane]
        assignments.update(result.assignments)
        operated |= result.operated
        bound += min(result.bound, result.cost)
        methods.add(result.method)
        all_optimal &= result.optimal
        lanes_out["-".join(lane)] = {
            "method": result.method,
            "cost_usd": round(result.cost, 2),
            "lower_bound_usd": round(result.bound, 2),
            "fifo_cost_usd": round(fifo_costs[lane][METHOD[True]], 2),
            "fifo_committed_only_cost_usd": round(fifo_costs[lane][METHOD[False]], 2),
            **result.stats,
        }
    committed = committed_cost(problem)
    breakdown = plan_cost(problem, assignments, operated)
    flights_operated = [f.id for f in problem.flights if not f.optional or f.id in operated]
    plan = Plan(
        status="optimal" if all_optimal else "feasible",
        cost_usd=breakdown["total"],
        lower_bound_usd=min(breakdown["total"], committed + bound),
        flights_operated=flights_operated,
        assignments=assignments,
        method="+".join(sorted(methods)),
        cost_breakdown=breakdown,
    )
    plan.kpis = compute_kpis(problem, assignments, flights_operated, plan.cost_usd)
    plan.kpis["lanes"] = lanes_out
    plan.kpis["workers"] = workers
    plan.solve_seconds = time.perf_counter() - start
    return plan


def _baseline(problem: Problem, plan: Plan, optional_charters: bool) -> dict[str, Any]:
    """A FIFO baseline in the output schema, validated, with the plan's saving over it."""
    from .fifo import fifo_plan

    baseline = fifo_plan(problem, optional_charters)
    base_out = baseline.to_json()
    assert_valid(problem, base_out)
    saving = 1 - plan.cost_usd / baseline.cost_usd if baseline.cost_usd > 0 else 0.0
    return {
        "method": baseline.method,
        "cost_usd": base_out["cost_usd"],
        "cost_breakdown": base_out["cost_breakdown"],
        "flights_operated": base_out["flights_operated"],
        "assignments": base_out["assignments"],
        "kpis": base_out["kpis"],
        "saving_usd": round(baseline.cost_usd - plan.cost_usd, 2),
        "saving_share": round(saving, 6),
    }


def run_plan(
    problem_json: dict[str, Any], time_limit: float = 30.0, method: str = "auto", workers: int = 1
) -> dict[str, Any]:
    """JSON problem in, JSON plan out, validated, with two baselines: the issue's FIFO under
    "baseline" and the committed-only dispatcher under "baseline_committed_only".

    Raises `ProblemError` for an invalid problem; the plan is checked by the independent validator
    before it is returned, so a solver bug fails loudly rather than shipping a broken plan.
    """
    problem = problem_from_json(problem_json)
    plan = solve(problem, time_limit, method, workers)
    out = plan.to_json()
    assert_valid(problem, out)
    out["baseline"] = _baseline(problem, plan, optional_charters=True)
    out["baseline_committed_only"] = _baseline(problem, plan, optional_charters=False)
    return out
