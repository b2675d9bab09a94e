"""The real mode's units of work (caravana.twin.work) as Celery tasks, one hub or one lane
each: eager in process when no broker is set (settings: CELERY_TASK_ALWAYS_EAGER), spread over
the workers of a shared PostgreSQL when one is, with no change to the twin's code."""

from __future__ import annotations

from typing import Any

from caravana.celery import app
from caravana.twin import work


@app.task
def create(
    merchant_pk: int, rows: list[dict[str, Any]], shop: dict[str, Any] | None = None
) -> list[list[Any]]:
    return work.create(merchant_pk, rows, shop)


@app.task
def hub_stage(hub: str, stage: str, scans: list[list[Any]]) -> dict[str, str]:
    return work.hub_stage(hub, stage, scans)


@app.task
def record(rows: list[dict[str, Any]]) -> int:
    return work.record(rows)
