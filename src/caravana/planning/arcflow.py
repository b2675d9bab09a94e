"""Exact one-dimensional bin packing by the arc-flow model, with the bounds that prove it.

Pure Python and OR-Tools, no Django.  The solver hands a lane here when it is a pure packing
(identical optional charters, every consignment must fly, one dimension decides; see solver.py
and docs/planning.md, "Hard instances").

The model (J. M. Valério de Carvalho, "Exact solution of bin-packing problems using column
generation and branch-and-bound", Annals of Operations Research 86 (1999) 629-659), written from
its published description: nodes are the loads 0..C of a bin; an item arc (a, a + w) puts an item
of size w on at load a; loss arcs (a, b) between consecutive nodes leave room empty; every bin is
one unit of flow from 0 to C, with flow conservation at every other node and, per item size, its
demand of item arcs.  Its LP bound equals Gilmore and Gomory's.  The graph is kept small as
Valério de Carvalho proposes: item sizes are merged (one arc per size, demand = count) and a path
takes items in decreasing size order, at most `demand` of each size in a row, so one packing of a
bin has one path instead of one per ordering.

Here the number of bins is fixed rather than minimised: from the Martello-Toth L2 lower bound
(S. Martello, P. Toth, "Knapsack problems", Wiley 1990, ch. 8) up, SCIP (through pywraplp) is
asked whether that many bins suffice.  A fixed count fixes the total empty room, which prunes the
graph hard (see `build_graph`); an infeasible answer is a proof that raises the bound.  First-fit
decreasing is the incumbent; when it meets L2 no MIP runs.  Measured on this machine, minimising
over the full graph left one of five 120-item triplet instances unproven at 60 s and took 22 s on
another; the fixed count proves each in well under a second.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ortools.linear_solver import pywraplp

ENGINE = "SCIP"


@dataclass(slots=True)
class Packing:
    """Bins as lists of item indices, a proven lower bound on their number, and how it went."""

    bins: list[list[int]]
    lower_bound: int
    optimal: bool
    stats: dict[str, Any] = field(default_factory=dict)


def continuous_bound(sizes: Sequence[int], capacity: int) -> int:
    """L1: the total size in whole bins."""
    return math.ceil(sum(sizes) / capacity) if sizes else 0


def l2_bound(sizes: Sequence[int], capacity: int) -> int:
    """Martello and Toth's L2 bound: for each threshold K ≤ C/2, items above C − K take a bin each,
    items in (C/2, C − K] a bin each, and items in [K, C/2] fill what those leave, at best."""
    if not sizes:
        return 0
    best = continuous_bound(sizes, capacity)
    thresholds = {0} | {w for w in sizes if 2 * w <= capacity}
    for k in thresholds:
        big = [w for w in sizes if w > capacity - k]
        mid = [w for w in sizes if capacity - k >= w and 2 * w > capacity]
        small = sum(w for w in sizes if 2 * w <= capacity and w >= k)
        room = len(mid) * capacity - sum(mid)
        extra = max(0, math.ceil((small - room) / capacity))
        best = max(best, len(big) + len(mid) + extra)
    return best


def first_fit_decreasing(sizes: Sequence[int], capacity: int) -> list[list[int]]:
    """Each item, largest first, into the first bin with room (11/9 OPT + 6/9 at worst)."""
    bins: list[list[int]] = []
    loads: list[int] = []
    for i in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        for b, load in enumerate(loads):
            if load + sizes[i] <= capacity:
                bins[b].append(i)
                loads[b] += sizes[i]
                break
        else:
            bins.append([i])
            loads.append(sizes[i])
    return bins


@dataclass(slots=True)
class Graph:
    """The reduced arc-flow graph: arcs as (tail, head, size), size 0 for a loss arc."""

    capacity: int
    nodes: list[int]
    arcs: list[tuple[int, int, int]]


def build_graph(demand: dict[int, int], capacity: int, waste: int) -> Graph:
    """The graph for packings into bins that leave at most `waste` empty in total.

    Item arcs are laid in decreasing size order (Valério de Carvalho's symmetry reduction), each
    size at most its demand times in a row along a path.  A packing of one bin is then its items
    largest first from load 0, then loss arcs to C; that loss is at most `waste`, so loss arcs
    link only the consecutive loads ≥ C − waste, and an item arc stays only if its head can still
    reach C.  On a triplet instance at its bound the waste is 0 and the graph shrinks to exact
    fills (a few hundred arcs instead of about ten thousand).
    """
    reached = {0}
    items: set[tuple[int, int, int]] = set()
    for w in sorted(demand, reverse=True):
        heads: set[int] = set()
        for start in reached:
            tail = start
            for _ in range(demand[w]):
                head = tail + w
                if head > capacity:
                    break
                items.add((tail, head, w))
                heads.add(head)
                tail = head
        reached |= heads
    useful = {v for v in reached | {capacity} if capacity - v <= waste}
    for tail, head, _ in sorted(items, reverse=True):  # heads first: arcs point forward
        if head in useful:
            useful.add(tail)
    arcs = [(a, b, w) for a, b, w in items if a in useful and b in useful]
    region = sorted(v for v in useful if capacity - v <= waste)
    arcs += [(a, b, 0) for a, b in zip(region, region[1:], strict=False)]
    return Graph(capacity, sorted(useful), sorted(arcs))


def _decompose(graph: Graph, flow: dict[int, int], sizes: Sequence[int]) -> list[list[int]]:
    """Integer flow → paths from 0 to C → bins of actual items."""
    out: dict[int, list[int]] = defaultdict(list)
    for k, (a, _, _) in enumerate(graph.arcs):
        if flow.get(k, 0) > 0:
            out[a].append(k)
    left = dict(flow)
    pool: dict[int, list[int]] = defaultdict(list)
    for i in sorted(range(len(sizes)), key=lambda i: -i):
        pool[sizes[i]].append(i)
    zero = pool.pop(0, [])
    bins: list[list[int]] = []
    while out[0]:
        node, items = 0, []
        while node != graph.capacity:
            k = out[node][-1]
            left[k] -= 1
            if left[k] == 0:
                out[node].pop()
            _, node, w = graph.arcs[k]
            if w:
                items.append(pool[w].pop())
        if items:
            bins.append(items)
    if any(pool.values()):  # pragma: no cover - the demand rows forbid it
        raise RuntimeError("arc-flow solution leaves items unpacked")
    if zero and bins:  # size 0 rides anywhere
        bins[0].extend(zero)
    elif zero:
        bins.append(zero)
    return bins


def _fits_in(
    sizes: Sequence[int], capacity: int, bins: int, seconds: float
) -> list[list[int]] | Literal[False] | None:
    """Can the items go into `bins` bins?  A packing, False (proven not), or None (time ran out).

    The arc-flow model with the number of bins fixed: flow `bins` out of 0, conservation at every
    other load, each size's arcs exactly its demand (an extra item arc could be loss instead).
    """
    demand = dict(Counter(w for w in sizes if w > 0))
    waste = bins * capacity - sum(sizes)
    if waste < 0:
        return False
    graph = build_graph(demand, capacity, waste)
    solver = pywraplp.Solver.CreateSolver(ENGINE)
    if solver is None:  # pragma: no cover - every OR-Tools wheel ships SCIP
        raise RuntimeError(f"OR-Tools has no {ENGINE} solver")
    solver.SetTimeLimit(max(1, int(seconds * 1000)))
    x = [
        solver.IntVar(0.0, float(demand[w] if w else bins), f"f{k}")
        for k, (_, _, w) in enumerate(graph.arcs)
    ]
    rows = {v: solver.Constraint(0.0, 0.0) for v in graph.nodes if v not in (0, capacity)}
    rows[0] = solver.Constraint(float(bins), float(bins))  # out of 0
    by_size = {w: solver.Constraint(float(n), float(n)) for w, n in demand.items()}
    for k, (a, b, w) in enumerate(graph.arcs):
        rows[a].SetCoefficient(x[k], 1.0)
        if b != capacity:
            rows[b].SetCoefficient(x[k], -1.0)
        if w:
            by_size[w].SetCoefficient(x[k], 1.0)
    if any(w not in {arc[2] for arc in graph.arcs} for w in demand):
        return False  # a size no bin of this waste can take
    status = solver.Solve()
    if status == pywraplp.Solver.INFEASIBLE:
        return False
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    flow = {k: round(var.solution_value()) for k, var in enumerate(x)}
    return _decompose(graph, flow, sizes)


def pack(sizes: Sequence[int], capacity: int, seconds: float) -> Packing:
    """Pack integer `sizes` into the fewest bins of integer `capacity`, proving it if time allows.

    From the L2 bound up: is there a packing into that many bins?  A "no" from the MIP raises the
    proven bound by one; the first "yes" is optimal.  Returns the best packing found (FFD's if
    time runs out) and the best proven lower bound; `optimal` when they meet.
    """
    start = time.perf_counter()
    if any(w > capacity or w < 0 for w in sizes):
        raise ValueError("every size must be between 0 and the capacity")
    best = first_fit_decreasing(sizes, capacity)
    l2 = l2_bound(sizes, capacity)
    lower = max(l2, 1 if sizes else 0)  # items of size 0 need a bin too
    stats: dict[str, Any] = {"items": len(sizes), "ffd_bins": len(best), "l2_bound": l2}
    tried = []
    while lower < len(best):
        left = seconds - (time.perf_counter() - start)
        if left <= 0.05:
            break
        answer = _fits_in(sizes, capacity, lower, left)
        tried.append(lower)
        if answer is None:
            break
        if answer is False:
            lower += 1
        else:
            best = answer
            break
    stats |= {
        "bins_tried": tried,
        "seconds": round(time.perf_counter() - start, 3),
        "proof": "ffd = L2" if not tried else "arc-flow",
    }
    optimal = len(best) <= lower
    if not optimal:
        stats["proof"] = "none"
    return Packing(best, min(lower, len(best)), optimal, stats)
