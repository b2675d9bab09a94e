"""Promised date and estimated arrival: pure functions, no database.

Promise: the day the label was created plus the lane's transit target (the network's own deadline
for the parcel, seeded as the top of the service level's range; the buyer's dates, counted from the
order, are network.promise's), as a date in the destination's zone.

Estimate, a deliberately simple stage model: each milestone stands for a share of the journey
(PROGRESS below: hub intake 8 %, departure 25 %, arrival at the gateway 35 %, out of customs
65 %, out for delivery 95 %). The expected journey is the middle of the service level's range
(Standard 10–18 days → 14). The estimate is the time of the latest milestone plus the share
still to go of the expected journey, plus HOLD_PENALTY while the parcel is held; never earlier
than today. The shares follow the airlift described in logistics.md (a week or more waiting for
a flight and for import customs, days in the air and on the last mile); they are a model to be
fitted to observed stage durations once there are enough of them, not a measurement.
"""

from __future__ import annotations

import datetime as dt

from caravana.tracking import upu

PROGRESS = {
    "EMA": 0.0,
    "EMB": 0.08,
    "EXA": 0.12,
    "EXB": 0.12,
    "EXC": 0.15,
    "EXD": 0.15,
    "EMC": 0.25,
    "EMJ": 0.30,
    "EMK": 0.32,
    "EMD": 0.35,
    "EDA": 0.35,
    "EDB": 0.40,
    "EME": 0.45,
    "EDC": 0.55,
    "EMF": 0.65,
    "EDD": 0.72,
    "EDE": 0.78,
    "EMG": 0.85,
    "EDF": 0.85,
    "EDG": 0.95,
    "EDH": 0.95,
    "EMH": 0.95,
    "EMI": 1.0,
}
HOLD_PENALTY = dt.timedelta(days=2)
FINAL = {upu.DELIVERED, upu.RETURN_TO_SENDER, upu.CANCELLED, upu.RETURNED_TO_SENDER, upu.SEIZED,
         upu.DISPOSED, upu.ABANDONED}  # fmt: skip


def promised_date(created_at: dt.datetime, transit_target_days: int, tz: dt.tzinfo) -> dt.date:
    """The date the buyer was promised, in the destination's zone."""
    return (created_at.astimezone(tz) + dt.timedelta(days=transit_target_days)).date()


def progress(code: str | None, status: str) -> float:
    """How far along the journey a parcel is (0–1) after its latest event."""
    if status == upu.DELIVERED:
        return 1.0
    return PROGRESS.get((code or "").upper(), 0.1 if status != upu.PENDING else 0.0)


def estimate(
    *,
    code: str | None,
    status: str,
    last_event_at: dt.datetime | None,
    created_at: dt.datetime,
    transit_min_days: int,
    transit_max_days: int,
    now: dt.datetime,
) -> dt.datetime | None:
    """Estimated arrival (UTC), or None when the parcel will not arrive (returned, cancelled).
    A delivered parcel's estimate is its delivery time."""
    if status == upu.DELIVERED:
        return last_event_at
    if status in FINAL:
        return None
    expected = dt.timedelta(days=(transit_min_days + transit_max_days) / 2)
    start = last_event_at or created_at
    eta = start + expected * (1.0 - progress(code, status))
    if status == upu.ON_HOLD:
        eta += HOLD_PENALTY
    return max(eta, now)
