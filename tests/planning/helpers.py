"""Builders for small planning problems in the JSON schema, and a checker every test plan goes
through (the independent validator plus cost ≥ bound)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from caravana.planning.problem import Plan, Problem
from caravana.planning.validate import assert_valid

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
PENALTIES = {
    "late_per_kg_day_usd": {"premium": 1.0, "standard": 0.5, "economy": 0.1},
    "unshipped_per_kg_usd": 10.0,
}


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def consignment(cid: str, kg: float, m3: float, **kw: Any) -> dict[str, Any]:
    item = {
        "id": cid,
        "origin": "SZX",
        "destination": "GRU",
        "service": "standard",
        "weight_kg": kg,
        "volume_m3": m3,
        "ready_at": at(0),
        "due_at": at(72),
        "dangerous_goods": False,
        "positions": 0,
    }
    item.update(kw)
    return item


def flight(fid: str, departs: float, arrives: float, **kw: Any) -> dict[str, Any]:
    item = {
        "id": fid,
        "origin": "SZX",
        "destination": "GRU",
        "departs_at": at(departs),
        "arrives_at": at(arrives),
        "payload_kg": 1000.0,
        "volume_m3": 10.0,
        "positions": 0,
        "fixed_cost_usd": 5000.0,
        "optional": False,
    }
    item.update(kw)
    return item


def belly(bid: str, departs: float, arrives: float, **kw: Any) -> dict[str, Any]:
    item = {
        "id": bid,
        "origin": "SZX",
        "destination": "GRU",
        "departs_at": at(departs),
        "arrives_at": at(arrives),
        "capacity_kg": 400.0,
        "capacity_m3": 4.0,
        "price_per_kg_usd": 3.0,
    }
    item.update(kw)
    return item


def problem(consignments, flights, bellies=()) -> dict[str, Any]:  # noqa: ANN001
    return {
        "consignments": list(consignments),
        "flights": list(flights),
        "belly": list(bellies),
        "penalties": PENALTIES,
    }


def checked(prob: Problem, plan: Plan) -> Plan:
    """Every plan a test makes goes through the independent validator."""
    out = plan.to_json()
    assert_valid(prob, out)
    assert plan.lower_bound_usd <= plan.cost_usd + 1e-6
    return plan
