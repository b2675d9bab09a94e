"""The service levels as every app reads them, and the delivery promise for a country: the one
door to "what is the buyer promised" (network.promise has the arithmetic and says why).

The table is a handful of rows read whole and kept per process, so a page or a checkout costs no
query for it most of the time. How a process learns that a level changed:

* A save or delete through the ORM in this process (the admin, seed, services) sends Django's
  post_save/post_delete: the next read goes to the database. Inside the writing transaction every
  read does (it sees its own uncommitted rows) and what it read is trusted by nobody afterwards,
  so a rolled-back edit is never promised.
* Another process's edit (another worker, a shell, a raw UPDATE) is read at most
  PROMISE_CHECK_SECONDS (2 s by default; 0: every time) after it.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from caravana import markets
from caravana.network.models import ServiceLevel
from caravana.network.promise import Window, window

#: Merchant handling before a parcel reaches a hub, in days, unless PROMISE_HANDLING_DAYS says
#: otherwise (network.promise says where the figure comes from).
HANDLING_DAYS = 2
_WROTE = "_caravana_wrote_service_levels"
_cache: dict[str, Any] = {"levels": None, "checked": None}


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    transit_min_days: int
    transit_max_days: int


class NotOffered(LookupError):
    """No service level with this code exists (an operator deleted it, or never created it)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"no service level {code!r}")
        self.code = code


def invalidate(**_kwargs: Any) -> None:
    """Read the table again on the next call."""
    _cache["checked"] = None


def _written(using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    conn = connections[using]
    if conn.in_atomic_block:
        setattr(conn.atomic_blocks[0], _WROTE, True)
    invalidate()
    transaction.on_commit(invalidate, using=using)


post_save.connect(_written, sender=ServiceLevel, dispatch_uid="network.levels.save")
post_delete.connect(_written, sender=ServiceLevel, dispatch_uid="network.levels.delete")


def _writing() -> bool:
    blocks = connection.atomic_blocks if connection.in_atomic_block else ()
    return bool(blocks) and getattr(blocks[0], _WROTE, False)


def offered() -> dict[str, Level]:
    """Every service level by code, in the admin's order (position, code)."""
    now = time.monotonic()
    checked, levels = _cache["checked"], _cache["levels"]
    ttl = float(getattr(settings, "PROMISE_CHECK_SECONDS", 2.0))
    writing = _writing()
    if levels is not None and checked is not None and not writing and now - checked < ttl:
        return levels
    levels = {
        code: Level(code, name, lo, hi)
        for code, name, lo, hi in ServiceLevel.objects.order_by("position", "code").values_list(
            "code", "name", "transit_min_days", "transit_max_days"
        )
    }
    _cache.update(levels=levels, checked=None if writing else now)
    return levels


def zone(country: str) -> zoneinfo.ZoneInfo:
    """The zone a buyer's "today" is counted in; UTC for a country we do not sell to."""
    market = markets.get(country)
    return market.zone if market else zoneinfo.ZoneInfo("UTC")


def promise(country: str, level: str, at: dt.datetime | None = None) -> Window:
    """Earliest and latest delivery dates for an order to `country` by `level` placed at `at`
    (now by default). Raises NotOffered when no such level exists."""
    found = offered().get(level)
    if found is None:
        raise NotOffered(level)
    return window(
        at or timezone.now(),
        zone(country),
        found.transit_min_days,
        found.transit_max_days,
        int(getattr(settings, "PROMISE_HANDLING_DAYS", HANDLING_DAYS)),
    )
