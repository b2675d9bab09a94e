"""The twin's planning cycles booked as a live site books a plan (`simulate --flights` and the
demo's history, whose legs are flights of the database; decision 0043): at each cycle the
horizon's charters become flights (twin.flights.charter) and its belly legs belly offers, to the
lane's gateway, the one the hub sorts its bags to (decision 0045), the model's plan is
expressed over the bags of its consignments, priced and validated as the planner's output is
(planning.priced), kept as the cycle's plan run and committed through the planner's own commit
(planning.services.book_twin_cycle): each bag gets its planned flight or belly label and a
booking, each booked flight its master and house air waybills.

The model decides, so that both modes keep the same KPIs: a bag goes where the model sends its
consignment, and carries its share of the consignment's kg and m³ as the model planned them, in
proportion to the weight and volume the hub measured (the parcels' cubes are rounded to whole
centimetres, so the hub's m³ differ from the model's by a fraction of a per cent; the model's
figures keep a plan that fills a belly offer to its m³ within it). The run's status and bound
are the bag-level problem's own (planning.solver.lower_bound): the model's solve over whole
consignments bounds that problem, not this one, where a consignment's bags may go apart; it is
kept beside them under "model". The horizon's legs are written
even where they depart after the run's last moment (the demo history's midnight): they are the
network's coming flights, booked, and stay scheduled.

Django-side, like services.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from caravana import clock
from caravana.fulfillment.models import Bag
from caravana.network.models import Flight, building_hubs
from caravana.planning import priced
from caravana.planning import services as planning_services
from caravana.planning.models import BellyOffer, PlanRun
from caravana.planning.problem import Problem, penalties_to_json

from . import flights

#: Bags read a query at a time (an IN list SQLite and PostgreSQL both take).
CHUNK = 2_000
#: A plan is called optimal when its cost is within this share of its problem's proved bound.
OPTIMAL_TOLERANCE = 1e-6


@transaction.atomic
def book(
    net: Any, problem: Problem, result: dict[str, Any], at: dt.datetime,
    start: dt.datetime, end: dt.datetime,
) -> PlanRun:  # fmt: skip
    """Keep and commit the cycle planned at `at` (the model's `problem` and the planner's
    `result` for it) over this database's bags and flights; its plan run. One transaction: a
    refusal leaves no flight, offer or run of the cycle behind."""
    from caravana.planning.solver import lower_bound  # loads OR-Tools (decision 0007)

    log = net.flying
    model = {c.id: c for c in problem.consignments}
    bags, totals = _bags({cid: net.bags_of.get(int(cid), ()) for cid in model})
    charters = {f.id: f for f in problem.flights}
    bellies = {b.id: b for b in problem.belly}
    legs = {
        leg_id: _leg(log, leg_id, charters, bellies) for leg_id in sorted({*charters, *bellies})
    }
    consignments, assignments = [], {}
    for cid, rows in bags.items():
        c, target = model[cid], result["assignments"].get(cid)
        flights.refuse_other_gateways(
            f"its consignment {cid}'s lane", c.destination,
            [(f"bag-{pk}", g) for pk, _g, _v, _dg, g in rows],
        )  # fmt: skip
        kg, m3 = (max(1, total) for total in totals[cid])
        for pk, grams, cm3, dg, gateway in rows:
            bag_id = f"bag-{pk}"
            consignments.append({
                "id": bag_id, "origin": c.origin, "destination": gateway,
                "service": c.service, "weight_kg": c.weight_kg * grams / kg,
                "volume_m3": c.volume_m3 * cm3 / m3, "ready_at": c.ready_at.isoformat(),
                "due_at": c.due_at.isoformat(), "dangerous_goods": dg, "positions": 0,
            })  # fmt: skip
            assignments[bag_id] = legs.get(target) if target is not None else None
    operated = set(result["flights_operated"])
    hubs = building_hubs()
    data = {
        "consignments": consignments,
        "flights": [
            planning_services.flight_json(f, hubs)
            for f in Flight.objects.filter(
                pk__in=[int(v[7:]) for v in legs.values() if v.startswith("flight-")]
            ).select_related("aircraft_type").order_by("pk")
        ],
        "belly": [
            planning_services.belly_json(b)
            for b in BellyOffer.objects.filter(
                pk__in=[int(v[6:]) for v in legs.values() if v.startswith("belly-")]
            ).order_by("pk")
        ],
        "penalties": penalties_to_json(problem.penalties),
    }  # fmt: skip
    booked = priced.price(
        data,
        assignments,
        [v for leg_id, v in legs.items() if leg_id in operated],
        status="feasible",
        lower_bound_usd=lower_bound(data, net.params.planner_seconds),
        method=result["method"],
        solve_seconds=result["solve_seconds"],
    )
    # optimal only where this problem's own bound proves it (within the solver's tolerance)
    if booked["cost_usd"] - booked["lower_bound_usd"] <= OPTIMAL_TOLERANCE * booked["cost_usd"]:
        booked["status"] = "optimal"
    booked["model"] = {k: result[k] for k in ("status", "cost_usd", "lower_bound_usd")}
    with clock.at(at):
        return planning_services.book_twin_cycle(net.planner, start, end, data, booked)


def _leg(log: flights.Log, leg_id: str, charters: dict[str, Any], bellies: dict[str, Any]) -> str:
    """The database's id of a model leg (its flight or offer, made once)."""
    if leg_id in charters:
        return f"flight-{flights.charter(log, charters[leg_id])}"
    b = bellies[leg_id]
    pk, _ = flights.belly_offer(
        log, b.id, b.origin, b.destination, b.departs_at, b.arrives_at,
        b.capacity_kg, b.capacity_m3, b.price_per_kg_usd,
    )  # fmt: skip
    return f"belly-{pk}"


def _bags(
    bags_of: dict[str, Iterable[str]],
) -> tuple[dict[str, list[tuple[int, int, int, bool, str]]], dict[str, tuple[int, int]]]:
    """Each consignment's closed bags not yet built into a ULD, (pk, g, cm³, dangerous,
    gateway), and the g and cm³ of all its bags (those too: a bag still open at the run's last
    moment keeps its share of the consignment)."""
    owner = {bag: cid for cid, idents in bags_of.items() for bag in idents}
    idents = sorted(owner)
    out: dict[str, list[tuple[int, int, int, bool, str]]] = {}
    totals: dict[str, tuple[int, int]] = {}
    for i in range(0, len(idents), CHUNK):
        for ident, pk, grams, cm3, dg, gateway, state, uld in (
            Bag.objects.filter(identifier__in=idents[i : i + CHUNK])
            .order_by("pk")
            .values_list(
                "identifier", "pk", "weight_g", "volume_cm3", "dangerous_goods",
                "gateway__iata", "state", "uld_id",
            )
        ):  # fmt: skip
            cid = owner[ident]
            g, v = totals.get(cid, (0, 0))
            totals[cid] = (g + grams, v + cm3)
            if state == Bag.State.CLOSED and uld is None:
                out.setdefault(cid, []).append((pk, grams, cm3, dg, gateway))
    return out, totals
