"""What a batch of tracking events is made of, and what recording it returns: the values that
pass between ingestion, recording, the database statements and the Celery tasks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass
class EventIn:
    """An event ready to record. `code` is blank for an internal step, whose `status` must then
    be given; for a UPU code the status follows from the code unless given."""

    parcel_id: int
    identifier: str
    source: str
    event_id: str
    code: str
    occurred_at: dt.datetime
    status: str = ""
    location_code: str = ""
    location_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    tz: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    carrier_id: int | None = None


class StatusChange(NamedTuple):
    """A parcel's current event moved to a later one (JSON-friendly: it goes to Celery)."""

    parcel_id: int
    event_pk: int
    code: str
    old_status: str | None
    new_status: str


class Delivered(NamedTuple):
    """A parcel's first final delivery (EMI) recorded by a batch (JSON-friendly: it goes to
    Celery with the batch's status changes, tracking.tasks.after_batch)."""

    parcel_id: int
    event_pk: int
    identifier: str  # S10
    at: str  # the EMI's occurred_at, ISO 8601 in UTC


@dataclass
class BatchResult:
    received: int = 0
    created: int = 0
    changes: list[StatusChange] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)  # identifiers first delivered (EMI) now

    @property
    def duplicates(self) -> int:
        return self.received - self.created
