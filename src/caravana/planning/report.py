"""Turn a plan's JSON into what the planner page shows: fill bars per flight, what flies by
belly, what waits and why. Pure: no Django."""

from __future__ import annotations

import datetime as dt
from typing import Any


def _t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def why_waiting(c: dict[str, Any], problem: dict[str, Any]) -> str:
    """The first reason that holds, most specific first."""
    legs = [*problem["flights"], *problem["belly"]]
    lane = [
        leg
        for leg in legs
        if leg["origin"] == c["origin"] and leg["destination"] == c["destination"]
    ]
    if not lane:
        return "no_leg"
    ready = _t(c["ready_at"])
    if not any(_t(leg["departs_at"]) >= ready for leg in lane):
        return "not_ready"
    if c.get("dangerous_goods") and not any(
        leg.get("dangerous_goods_ok", "payload_kg" in leg) for leg in lane
    ):
        return "dangerous_goods"
    return "cheaper_to_wait"


def summarise(problem: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    kpi_by_leg = {k["id"]: k for k in result.get("kpis", {}).get("flights", [])}
    operated = set(result.get("flights_operated", []))
    flights = []
    for f in problem["flights"]:
        k = kpi_by_leg.get(f["id"], {})
        flights.append(
            {
                "id": f["id"],
                "origin": f["origin"],
                "destination": f["destination"],
                "departs_at": _t(f["departs_at"]),
                "optional": f.get("optional", False),
                "operated": f["id"] in operated,
                "weight_kg": k.get("weight_kg", 0.0),
                "volume_m3": k.get("volume_m3", 0.0),
                "fill_weight": round(100 * k.get("fill_weight", 0.0), 1),
                "fill_volume": round(100 * k.get("fill_volume", 0.0), 1),
                "consignments": k.get("consignments", 0),
                "fixed_cost_usd": f.get("fixed_cost_usd", 0),
            }
        )
    belly = [
        {**b, "departs_at": _t(b["departs_at"]), **kpi_by_leg.get(b["id"], {})}
        for b in problem["belly"]
        if b["id"] in kpi_by_leg
    ]
    by_id = {c["id"]: c for c in problem["consignments"]}
    waiting = [
        {**by_id[cid], "reason": why_waiting(by_id[cid], problem)}
        for cid, target in result.get("assignments", {}).items()
        if target is None
    ]
    baseline = result.get("baseline", {})
    # runs saved before the committed-only baseline was added have none: the page leaves it out
    committed_only = result.get("baseline_committed_only", {})
    return {
        "flights": flights,
        "belly": belly,
        "waiting": waiting,
        "status": result.get("status"),
        "cost": result.get("cost_usd"),
        "bound": result.get("lower_bound_usd"),
        "gap": round(100 * (result.get("gap") or 0.0), 2),
        "fifo_cost": baseline.get("cost_usd"),
        "saving": baseline.get("saving_usd"),
        "saving_share": round(100 * (baseline.get("saving_share") or 0.0), 1),
        "fifo_optional_charters": sum(
            1 for f in flights if f["optional"] and f["id"] in baseline.get("flights_operated", [])
        ),
        "committed_only_cost": committed_only.get("cost_usd"),
        "committed_only_saving": committed_only.get("saving_usd"),
        "committed_only_saving_share": round(100 * (committed_only.get("saving_share") or 0.0), 1),
        "on_time": result.get("kpis", {}).get("on_time", {}),
        "cost_per_kg": result.get("kpis", {}).get("cost_per_kg_usd"),
    }
