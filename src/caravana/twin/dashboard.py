"""What the operators' network dashboard reads from a kept run's JSON (twin.SimulationRun):
tables packed with their column order, parcels waiting per lane and why. Pure: rows in, rows
out."""

from __future__ import annotations

from typing import Any

from .kpis import REASONS, STAGES

#: The stages before the flight, where a parcel waits at the origin.
WAITING_STAGES = STAGES[1:5]


def waiting_by_lane(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per lane, the mean parcels at each stage before the flight and per reason they wait,
    over the window's 00:00 UTC snapshots (kpis.waiting_rows); a snapshot is a count, so a mean
    is what sums fairly over days."""
    lanes: dict[str, dict[str, Any]] = {}
    for row in rows:
        lane = lanes.setdefault(
            row["lane"],
            {"lane": row["lane"], "country": row["country"], "days": 0,
             "stages": dict.fromkeys(WAITING_STAGES, 0.0),
             "reasons": dict.fromkeys(REASONS, 0.0)},
        )  # fmt: skip
        lane["days"] += 1
        for stage in WAITING_STAGES:
            lane["stages"][stage] += row.get(stage, 0)
        for reason in REASONS:
            lane["reasons"][reason] += row.get("waiting: " + reason, 0)
    for lane in lanes.values():
        n = max(lane["days"], 1)
        lane["stages"] = {k: round(v / n, 1) for k, v in lane["stages"].items()}
        lane["reasons"] = {k: round(v / n, 1) for k, v in lane["reasons"].items()}
    return list(lanes.values())


def pack(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rows as columns and values: PostgreSQL's jsonb sorts an object's keys, and a CSV's
    columns keep the order kpis.py wrote them in (and are stored once, not on every row)."""
    columns = list(rows[0]) if rows else []
    return {"columns": columns, "rows": [[row.get(c) for c in columns] for row in rows]}


def unpack(table: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """`pack`'s rows back as dicts, their keys in the packed order."""
    columns = table.get("columns", [])
    return [dict(zip(columns, values, strict=True)) for values in table.get("rows", [])]
