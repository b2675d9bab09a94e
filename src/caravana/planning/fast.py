"""The fast path: consignments aggregated into classes (same reachable legs, same legs on time,
service, DG, positions, density band), the class → leg flow LP solved with GLOP, the optional
charters chosen by re-solving it with them fixed (every combination when there are few, a local
search otherwise), and the flows rounded to consignments and repaired greedily. The class LP
relaxes the consignment problem, so its value is a lower bound."""

from __future__ import annotations

import math
import time
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.linear_solver import pywraplp

from .lane import EPS, LaneResult, lane_cost
from .problem import (
    SECONDS_PER_DAY,
    VOLUMETRIC_KG_PER_M3,
    Consignment,
    Leg,
    Penalties,
    can_carry,
    chargeable_kg,
    shipping_cost,
    unshipped_cost,
)

DENSITY_STEP = 1.2  # width of a density band in a class (bands meet at 166.67 kg/m³)
CUT_QUANTILES = (0.0, 0.2, 0.4, 0.6, 0.8)  # where density cuts touch a class's (kg, m³) hull
WEIGHT_STEP = 1.06  # width of a weight band for classes of ULDs (they use positions)
ENUMERATE_CHARTERS = 4  # a lane with at most this many optional charters tries every choice
EJECT_CANDIDATES = 8  # consignments per leg a waiting one may take the place of
EJECT_SCAN = 64  # consignments per leg looked at for them (volume or positions may not fit)
CUT_TOLERANCE = 1e-9  # of a density cut's slope: a coefficient below it is rounding noise, 0
# A class whose densities differ by less (relative) is one density, its densest (its m³ and
# chargeable kg then under by 0.01 % at most, so the LP still relaxes): split in two, its kg and
# m³ equations are near singular (of 100 random classes at each of 2e-9, 5e-9 and 1e-8 apart,
# GLOP found 51, 62 and 11 LPs infeasible; one at 1e-6 did not finish)
ONE_DENSITY = 1e-4
# Pieces of equal kg a class's members are cut into, by due time, to credit a kg flown on a leg
# in time with the lateness it saves: each piece at its earliest-due member's (decision 0049)
LATE_PIECES = 8


@dataclass(slots=True)
class _Class:
    members: list[int]
    service: str
    first_leg: int
    due: float  # latest due time (epoch seconds) in the class: a leg landing at or after it is
    # late for every member, one landing before it in time for every member (same key)
    dangerous_goods: bool
    positions: int
    kg: float = 0.0
    m3: float = 0.0
    charged: float = 0.0  # chargeable kg of the members, what leaving them all behind is priced on
    left_kg_days: float = 0.0  # Σ kg × days late had the members all been left (decision 0049)
    # (kg, days late if left) of pieces of the members by due time, earliest first: what a kg
    # flown on a leg in time may save, at most
    saved: list[tuple[float, float]] = field(default_factory=list)
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


def _classes(
    cons: Sequence[Consignment], legs: Sequence[Leg], penalties: Penalties
) -> list[_Class]:
    """Group consignments the flow model treats alike: same legs reachable (by ready time), same
    legs on time (by due time), service, DG, positions, density band (and weight band for ULDs).
    The penalties say when cargo left behind lands, which each class's pieces count."""
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
        k.charged += chargeable_kg(c)
        k.rho_min = min(k.rho_min, rho)
        k.rho_max = max(k.rho_max, rho)
        k.w_max = max(k.w_max, c.weight_kg)
        k.v_max = max(k.v_max, c.volume_m3)
        k.w_min = min(k.w_min, c.weight_kg)
        k.v_min = min(k.v_min, c.volume_m3)
        k.due = max(k.due, c.due_at.timestamp())
    classes = list(groups.values())
    for k in classes:
        k.saved, k.left_kg_days = _late_pieces([cons[i] for i in k.members], penalties, k.kg)
        k.members.sort(key=lambda i: -_density(cons[i]))  # densest first
        if len(k.members) > 2 and k.rho_max < math.inf:
            k.cuts = _density_cuts([cons[i] for i in k.members])
    return classes


def _late_pieces(
    members: Sequence[Consignment], penalties: Penalties, kg: float
) -> tuple[list[tuple[float, float]], float]:
    """A class's members by due time in pieces of at most kg / LATE_PIECES (a heavier member
    alone; two pieces side by side hold more, so at most 2 · LATE_PIECES + 1), each with the
    days its earliest-due member would be late left behind (0-day pieces dropped), and the
    members' kg × days late were they all left (the class's part of the LP's constant). Flying
    W kg on legs in time saves at most the lateness of the W kg due earliest: credited piece by
    piece, the most first, each piece at its most, so the LP still relaxes the problem."""
    lane = (members[0].origin, members[0].destination) if members else None
    lands = penalties.left_lands_at.get(lane) if lane else None
    if lands is None:
        return [], 0.0
    end = lands.timestamp()
    pieces: list[tuple[float, float]] = []
    piece, first, kg_days = 0.0, 0.0, 0.0
    for c in sorted(members, key=lambda c: c.due_at):
        kg_days += c.weight_kg * max(0.0, end - c.due_at.timestamp()) / SECONDS_PER_DAY
        if piece > 0.0 and piece + c.weight_kg > kg / LATE_PIECES:
            # closed before a member that would overfill it: a heavy member joining a light
            # one's piece would be credited with the light one's lateness
            pieces.append((piece, max(0.0, end - first) / SECONDS_PER_DAY))
            piece = 0.0
        if piece == 0.0:
            first = c.due_at.timestamp()
        piece += c.weight_kg
    if piece > 0.0:
        pieces.append((piece, max(0.0, end - first) / SECONDS_PER_DAY))
    return [(w, days) for w, days in pieces if days > 0.0], kg_days


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


def _per_kg(leg: Leg, k: _Class, rho: float, penalties: Penalties, left: float) -> float:
    """Cost per kg of class `k` on `leg` at density `rho`, less the unshipped penalty it avoids,
    which is priced at density `left`.

    Lateness: on a leg landing after every member's due time (the class's members are all late
    or all on time on each leg of the lane), flying saves each kg the days from the leg's arrival
    to when cargo left behind lands (the lane's last arrival, at or after it), exactly. On a leg
    in time it costs no lateness, and what it saves is credited apart, by the class's pieces
    (`_Class.saved`, decision 0049).

    Belly and the penalty are per chargeable kg, convex in volume per kg: while a belly kg costs
    less than one left behind, the split of a class's flow between its densest and lightest
    ends (`left` = `rho`) prices any subset of it at no more than it costs, so the relaxation
    stays a bound. A class of one density ships at its densest and avoids the penalty of its
    lightest (`left` = rho_min): both understate what its members cost."""
    arrives = leg.arrives_at.timestamp()
    lands = penalties.left_lands_at.get((leg.origin, leg.destination))
    if lands is None:
        late_days = max(0.0, arrives - k.due) / SECONDS_PER_DAY
    elif arrives >= k.due:  # late for all: saves the days from here until left cargo lands
        # (a lane's legs land by its L; the max only guards a leg from elsewhere)
        late_days = (arrives - max(lands.timestamp(), k.due)) / SECONDS_PER_DAY
    else:
        late_days = 0.0
    cost = penalties.late_per_kg_day_usd[k.service] * late_days
    cost -= penalties.unshipped_per_kg_usd * max(1.0, VOLUMETRIC_KG_PER_M3 / left)
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
    rest too (an equality), so the model relaxes the consignment problem; a class of (nearly) one
    density ships at its densest, understating its m³ and chargeable kg, still a relaxation.
    Costs are linear in kg within a density band because the bands never straddle 166.67 kg/m³.
    The lateness a class's kg flown in time saves is credited by its pieces (`_late_pieces`),
    most first, up to the kg so flown (decision 0049).
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
            [cls.rho_max]
            if cls.rho_max <= cls.rho_min * (1 + ONE_DENSITY)
            else [cls.rho_min, cls.rho_max]
        )
        lefts = [cls.rho_min] if len(rhos) == 1 else rhos
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
        rate = penalties.late_per_kg_day_usd[cls.service]
        saving = None  # credit for lateness saved on legs in time ≤ the kg flown on them
        if cls.saved and rate > 0:
            saving = solver.Constraint(-inf, 0.0)
            for e, (kg, days) in enumerate(cls.saved):
                piece = solver.NumVar(0, kg, f"s{k}_{e}")
                saving.SetCoefficient(piece, 1.0)
                objective.SetCoefficient(piece, -rate * days)
        most = rate * cls.saved[0][1] if saving is not None else 0.0
        for j in range(cls.first_leg, len(legs)):
            leg = legs[j]
            if not _fits(leg, cls):
                continue
            costs = [
                _per_kg(leg, cls, rho, penalties, lft) for rho, lft in zip(rhos, lefts, strict=True)
            ]
            in_time = leg.arrives_at.timestamp() < cls.due
            if min(costs) - (most if in_time else 0.0) >= 0:  # `most`: 0 without pieces
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
                if in_time and saving is not None:
                    saving.SetCoefficient(var, -1.0)
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
    constant = sum(
        cls.charged * penalties.unshipped_per_kg_usd
        + cls.left_kg_days * penalties.late_per_kg_day_usd[cls.service]
        for cls in classes
    )
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
    load = _Loading(legs, operated_idx, penalties)
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
            _repair(cons, load, uld_pool, assigned)
            uld_pool = []
        flows_k = sorted(targets.get(k, []), key=lambda t: -t[1] / max(t[2], EPS))
        members = cls.members  # densest first
        pos = 0
        for j, kg, m3 in flows_k:
            got = 0.0
            volume = by_volume[j]
            target = m3 if volume else kg
            while pos < len(members):
                c = cons[members[pos]]
                size = c.volume_m3 if volume else c.weight_kg
                if got + size / 2 > target:
                    break
                if not load.fits(j, c):
                    break
                load.put(j, c)
                assigned[members[pos]] = j
                got += size
                pos += 1
        (uld_pool if cls.positions else pool).extend(members[pos:])
    _repair(cons, load, uld_pool + pool, assigned)
    _eject(cons, load, assigned)
    _improve(cons, load, assigned)
    return {
        c.id: (legs[j].id if j is not None else None) for c, j in zip(cons, assigned, strict=True)
    }


class _Loading:
    """The lane's legs as rounding and its passes fill them: the room each has left (kg, m³,
    positions), how many consignments each carries, and a consignment's cheapest leg with room,
    where an operated charter still empty costs its fixed price (paid once it carries one)."""

    def __init__(self, legs: Sequence[Leg], operated_idx: set[int], penalties: Penalties) -> None:
        self.legs, self.penalties = legs, penalties
        self.room = [[leg.kg, leg.m3, float(leg.positions)] for leg in legs]
        self.aboard = [0] * len(legs)
        self.usable = [j for j, leg in enumerate(legs) if not leg.optional or j in operated_idx]
        self.departs = [legs[j].departs_at for j in self.usable]

    def fits(self, j: int, c: Consignment, freed: Consignment | None = None) -> bool:
        """`c` fits on leg `j` (once `freed` is off it)."""
        left = self.room[j]
        kg, m3, pos = (freed.weight_kg, freed.volume_m3, freed.positions) if freed else (0, 0, 0)
        return (
            c.weight_kg <= left[0] + kg + EPS
            and c.volume_m3 <= left[1] + m3 + EPS
            and c.positions <= left[2] + pos
        )

    def put(self, j: int, c: Consignment, times: int = 1) -> None:
        """`c` put on leg `j` (times 1) or taken off it (times −1)."""
        left = self.room[j]
        left[0] -= times * c.weight_kg
        left[1] -= times * c.volume_m3
        left[2] -= times * c.positions
        self.aboard[j] += times

    def cheapest(self, c: Consignment, below: float, skip: int = -1) -> tuple[int | None, float]:
        """`c`'s cheapest leg with room (not `skip`) if it costs less than `below`, and its cost
        (`below` when there is none)."""
        best = None
        for j in self.usable[bisect_left(self.departs, c.ready_at) :]:
            leg = self.legs[j]
            if j == skip or not self.fits(j, c) or not can_carry(leg, c):
                continue
            cost = shipping_cost(leg, c, self.penalties)
            if leg.optional and not self.aboard[j]:
                cost += leg.fixed_cost_usd
            if cost < below:
                best, below = j, cost
        return best, below


def _repair(
    cons: Sequence[Consignment], load: _Loading, pool: list[int], assigned: list[int | None]
) -> None:
    """Greedy: most urgent first, each waiting consignment to its cheapest leg with room. A
    consignment that opens an operated charter (its fixed price paid from then on) makes it
    free for the others: those turned away before are offered the legs again."""
    pool.sort(key=lambda i: (cons[i].due_at, -cons[i].weight_kg))
    opened = True
    while opened:
        opened = False
        for i in pool:
            if assigned[i] is not None:
                continue
            c = cons[i]
            best, _cost = load.cheapest(c, unshipped_cost(c, load.penalties) - EPS)
            if best is not None:
                opened |= load.legs[best].optional and not load.aboard[best]
                load.put(best, c)
                assigned[i] = best


def _search_charters(
    solver: Any, y: dict[int, Any], deadline: float
) -> tuple[set[int], float, bool, int, bool]:
    """Choose the optional charters over the class LP, starting from its rounded relaxation.

    With few optional charters every open/closed combination is solved (then the best is the
    class MIP's optimum, a bound); otherwise flip one charter at a time while it pays.  Each
    candidate is one LP with the charters' variables fixed, warm-started by GLOP. The search
    ends on its own (every combination tried, or no move pays); the deadline only guards a slow
    machine, and the last value says whether it cut the search short: the one thing that could
    make the same problem plan differently on another run.
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
    complete = cut = False
    if len(y) <= ENUMERATE_CHARTERS:
        subsets = [
            frozenset(j for b, j in enumerate(y) if mask >> b & 1) for mask in range(2 ** len(y))
        ]
        subsets.sort(key=lambda sub: sum(abs((j in sub) - frac[j]) for j in y))
        for sub in subsets:
            if sub not in seen and time.perf_counter() > deadline:
                cut = True  # a choice left untried (none is, when every one was solved)
                break
            if value(sub) < best_value:
                best, best_value = sub, value(sub)
        complete = len(seen) == 2 ** len(y) and not inexact
    else:  # local search: open or close one charter, or swap one for another
        improved = True
        while improved and not cut:
            improved = False
            moves = [best ^ {j} for j in sorted(y, key=lambda j: abs(frac[j] - 0.5))]
            moves += [best - {i} | {j} for i in best for j in y if j not in best]
            for candidate in moves:
                if candidate not in seen and time.perf_counter() > deadline:
                    cut = True  # a move left untried
                    break
                if value(candidate) < best_value - 1e-6:
                    best, best_value, improved = candidate, value(candidate), True
                    break
    if len(seen) > 1:
        seen.pop(best, None)
        value(best)  # leave the solver holding the chosen plan's flows
    return set(best), best_value, complete, len(seen), cut


def _eject(cons: Sequence[Consignment], load: _Loading, assigned: list[int | None]) -> None:
    """A consignment left waiting takes the place of one whose removal makes room on a leg, which
    moves to its cheapest leg with room (or waits), when that costs less in all.

    Rounding leaves room in pieces smaller than whole bags: on the standard week's SZX–GRU 38
    bags (471 kg) waited where the LP flew nearly all. Per leg the EJECT_CANDIDATES lightest
    consignments heavy enough to make room are tried, among at most EJECT_SCAN, so the pass
    stays cheap on a week. A swap that puts a lighter consignment in a heavier one's place
    leaves room behind: after any swap, what still waits goes through the repair again (every
    leg with room, the freed room included).
    """
    waiting = [i for i, j in enumerate(assigned) if j is None]
    if not waiting:
        return
    penalties, legs = load.penalties, load.legs
    on_leg: dict[int, list[tuple[float, int]]] = defaultdict(list)  # (kg, consignment), sorted
    for i, j in enumerate(assigned):
        if j is not None:
            on_leg[j].append((cons[i].weight_kg, i))
    for members in on_leg.values():
        members.sort()
    waiting.sort(key=lambda i: -unshipped_cost(cons[i], penalties))
    swapped = False
    for i in waiting:
        c = cons[i]
        stay = unshipped_cost(c, penalties)
        choice: tuple[float, int, int, int | None] | None = None  # gain, leg, ejected, its home
        for j in load.usable:
            if not can_carry(legs[j], c):
                continue
            members = on_leg[j]
            first = bisect_left(members, (c.weight_kg - load.room[j][0] - EPS, -1))
            tried = 0
            for _kg, o in members[first : first + EJECT_SCAN]:
                d = cons[o]
                if not load.fits(j, c, freed=d):
                    continue
                if tried == EJECT_CANDIDATES:
                    break
                tried += 1
                swap = stay + shipping_cost(legs[j], d, penalties)
                swap -= shipping_cost(legs[j], c, penalties)
                if swap <= EPS or (choice is not None and swap <= choice[0]):
                    continue  # moving the other consignment costs at least 0
                home, moved = load.cheapest(d, unshipped_cost(d, penalties), skip=j)
                if swap - moved > EPS and (choice is None or swap - moved > choice[0]):
                    choice = (swap - moved, j, o, home)
        if choice is None:
            continue
        _gain, j, o, home = choice
        d = cons[o]
        load.put(j, d, -1)
        load.put(j, c)
        on_leg[j].remove((d.weight_kg, o))
        insort(on_leg[j], (c.weight_kg, i))
        assigned[i], assigned[o] = j, home
        if home is not None:
            load.put(home, d)
            insort(on_leg[home], (d.weight_kg, o))
        swapped = True
    if swapped:
        _repair(cons, load, [i for i, j in enumerate(assigned) if j is None], assigned)


def _improve(cons: Sequence[Consignment], load: _Loading, assigned: list[int | None]) -> None:
    """Move consignments that pay something (belly freight, lateness) to a cheaper leg with room.

    Rounding leaves slack on charters; this fills it with what gains most per kg.  Only paying
    consignments are scanned, so the pass stays cheap on a week of bags.
    """
    paying = []
    for i, j in enumerate(assigned):
        if j is not None:
            cost = shipping_cost(load.legs[j], cons[i], load.penalties)
            if cost > EPS:
                paying.append((-cost / max(cons[i].weight_kg, EPS), i, j, cost))
    paying.sort()
    for _, i, here, cost in paying:
        c = cons[i]
        best, _moved = load.cheapest(c, cost - EPS, skip=here)
        if best is not None:
            load.put(here, c, -1)
            load.put(best, c)
            assigned[i] = best


def fast_lane(
    cons: Sequence[Consignment], legs: Sequence[Leg], penalties: Penalties, seconds: float
) -> LaneResult:
    deadline = time.perf_counter() + seconds
    classes = _classes(cons, legs, penalties)
    solver, flows, y, status, constant = _flow_model(classes, legs, penalties, seconds)
    if status != pywraplp.Solver.OPTIMAL:
        cut = time.perf_counter() >= deadline  # GLOP's time limit, not a failure of the model
        return LaneResult(
            {}, set(), math.inf, -math.inf, "fast-failed", False, {"cut_by_clock": cut}
        )
    bound = constant + solver.Objective().Value()  # the LP relaxation
    lp_start = time.perf_counter()
    operated_idx, best_value, complete, tried, cut = _search_charters(solver, y, deadline)
    search_seconds = time.perf_counter() - lp_start
    if complete:
        bound = max(bound, constant + best_value)  # every charter choice solved: the class MIP
    assignments = _round(cons, legs, classes, flows, operated_idx, penalties)
    by_id = {leg.id: leg for leg in legs}
    used = {by_id[i].id for i in assignments.values() if i is not None and by_id[i].optional}
    cost = lane_cost(cons, assignments, by_id, used, penalties)
    stats = {
        "classes": len(classes),
        "flow_pairs": len(flows),
        "charter_choices_tried": tried,
        "charter_choice_exact": complete,
        "charter_search_seconds": round(search_seconds, 2),
        "cut_by_clock": cut,
    }
    return LaneResult(assignments, used, cost, min(cost, bound), "fast", False, stats)
