"""What the desk and the dashboard read: arrived flights and their manifests, a manifest's
cases, and per gateway and day the clearance figures (arrived, presented, cleared, held by
reason, released, returned, seized, disposed of, average clearance time). Days are the
gateway's local days."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncDate

from caravana import markets
from caravana.clearance import outcomes as o
from caravana.clearance.models import BuyerRequest, Case, Decision, Manifest
from caravana.duties import queries as duty_queries
from caravana.fulfillment.models import Parcel
from caravana.money import Money
from caravana.network.models import Flight, Gateway


def arrived_flights(gateway: Gateway, limit: int = 30) -> list[dict[str, Any]]:
    """The latest arrived flights to `gateway`, each with its manifest if presented."""
    flights = list(
        Flight.objects.filter(destination=gateway.iata, state=Flight.State.ARRIVED).order_by(
            "-actual_arrival", "-pk"
        )[:limit]
    )
    manifests = {
        m.flight_id: m for m in Manifest.objects.filter(gateway=gateway, flight__in=flights)
    }
    counts = dict(
        Parcel.objects.filter(gateway=gateway, bag__uld__flight__in=flights)
        .values("bag__uld__flight")
        .annotate(n=Count("pk"))
        .values_list("bag__uld__flight", "n")
    )
    return [
        {"flight": f, "manifest": manifests.get(f.pk), "parcels": counts.get(f.pk, 0)}
        for f in flights
    ]


def cases(manifest: Manifest, status: str = "") -> QuerySet[Case]:
    rows = Case.objects.filter(manifest=manifest).select_related("parcel").order_by("pk")
    if status in o.STATUSES:
        rows = rows.filter(status=status)
    return rows


def status_counts(manifest: Manifest) -> dict[str, int]:
    return dict(
        Case.objects.filter(manifest=manifest)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )


def answered_requests(gateway: Gateway, limit: int = 50) -> list[BuyerRequest]:
    """Buyers' answers the desk has not acted on yet (the case still held)."""
    return list(
        BuyerRequest.objects.filter(
            case__gateway=gateway, state=BuyerRequest.State.ANSWERED, case__status=o.HELD
        )
        .select_related("case__parcel")
        .order_by("answered_at")[:limit]
    )


@dataclass
class Day:
    day: dt.date
    arrived: int = 0
    presented: int = 0
    cleared: int = 0
    released: int = 0
    returned: int = 0
    seized: int = 0
    disposed: int = 0
    held: dict[str, int] = field(default_factory=dict)
    avg_hours: float | None = None

    @property
    def avg_time(self) -> str:
        """The average clearance time as people read it: 5 h 20 min, 42 min."""
        if self.avg_hours is None:
            return ""
        minutes = round(self.avg_hours * 60)
        return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"

    @property
    def held_total(self) -> int:
        return sum(self.held.values())


def daily(gateway: Gateway, start: dt.date, end: dt.date) -> list[Day]:
    """Per local day from `start` to `end` (inclusive) at `gateway`: a handful of grouped
    queries whatever the volume."""
    tz = zoneinfo.ZoneInfo(gateway.timezone)
    lo = dt.datetime.combine(start, dt.time(), tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
    days = {start + dt.timedelta(days=i): Day(start + dt.timedelta(days=i))
            for i in range((end - start).days + 1)}  # fmt: skip

    arrived = _per_day(Parcel.objects.filter(gateway=gateway),
                       "bag__uld__flight__actual_arrival", tz, lo, hi)  # fmt: skip
    presented = _per_day(Case.objects.filter(gateway=gateway), "presented_at", tz, lo, hi)
    for d, day in days.items():
        day.arrived, day.presented = arrived.get(d, 0), presented.get(d, 0)
    decisions = (
        Decision.objects.filter(gateway=gateway, decided_at__gte=lo, decided_at__lt=hi)
        .annotate(d=TruncDate("decided_at", tzinfo=tz))
        .values("d", "outcome", "reason")
        .annotate(n=Count("pk"))
        .values_list("d", "outcome", "reason", "n")
    )
    for d, outcome, reason, n in decisions:
        day = days.get(d)
        if day is None:
            continue
        if outcome == o.HELD:
            day.held[reason] = day.held.get(reason, 0) + n
        elif outcome in (o.CLEARED, o.RELEASED, o.RETURNED, o.SEIZED, o.DISPOSED):
            setattr(day, outcome, getattr(day, outcome) + n)
    times = (
        Case.objects.filter(gateway=gateway, released_at__gte=lo, released_at__lt=hi)
        .annotate(d=TruncDate("released_at", tzinfo=tz))
        .values("d")
        .annotate(avg=Avg("clearance_seconds"))
        .values_list("d", "avg")
    )
    for d, avg in times:
        if d in days and avg is not None:
            days[d].avg_hours = round(float(avg) / 3600, 2)
    return [days[d] for d in sorted(days)]


def _per_day(
    rows: QuerySet, column: str, tz: dt.tzinfo, lo: dt.datetime, hi: dt.datetime
) -> dict[dt.date, int]:
    """How many of `rows` have `column` in [lo, hi), per local day in `tz`: one grouped query."""
    return dict(
        rows.filter(**{f"{column}__gte": lo, f"{column}__lt": hi})
        .annotate(d=TruncDate(column, tzinfo=tz))
        .values("d")
        .annotate(n=Count("pk"))
        .values_list("d", "n")
    )


def duty_figures(gateway: Gateway, start: dt.date, end: dt.date) -> dict[dt.date, dict]:
    """Duties collected, assessed and remitted per day at `gateway` (start ≤ day ≤ end), read
    from the duty ledger (duties.queries.daily_figures, its days counted in the gateway's zone
    like the rest of the dashboard). Returns
    {day: {"collected": Money, "assessed": Money, "remitted": Money}}; empty when nothing was
    collected, assessed or remitted in the span, so the dashboard then hides its duty columns."""
    rows = duty_queries.daily_figures(
        gateway=gateway.iata,
        start=start,
        end=end + dt.timedelta(days=1),
        tz=zoneinfo.ZoneInfo(gateway.timezone),
    )
    if not any(r.collected or r.assessed or r.remitted for r in rows):
        return {}
    market = markets.get(gateway.country)
    if market is None:
        return {}
    cur = market.currency
    return {
        r.day: {
            "collected": Money(r.collected, cur),
            "assessed": Money(r.assessed, cur),
            "remitted": Money(r.remitted, cur),
        }
        for r in rows
    }
