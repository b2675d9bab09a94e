"""The time services read as "now": the wall clock, or a moment a caller sets for a block.

The network twin's real mode (caravana.twin.services) drives the hub services through a
simulated day; they must stamp what they write (a parcel's receipt, a bag's closing, the EMA /
EMB events) with the simulated time, not the wall clock. A context variable, so a moment set in
one thread or task never leaks into another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_moment: ContextVar[dt.datetime | None] = ContextVar("caravana_clock", default=None)


def now() -> dt.datetime:
    """The moment set by `at`, else the wall clock (timezone.now())."""
    return _moment.get() or timezone.now()


@contextmanager
def at(moment: dt.datetime) -> Iterator[None]:
    """Run the block with `now()` answering `moment` (an aware datetime)."""
    if moment.utcoffset() is None:
        raise ValueError("the clock's moment needs its UTC offset")
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)
