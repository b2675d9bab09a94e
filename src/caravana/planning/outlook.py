"""The planner's charter outlook: weekly demand per lane from the order history, its forecast,
and the charters to commit and hold as options for the coming weeks (issue 17 item 5).

Reads paid orders and the network's lanes (the only Django part); the forecast (forecast.py) and
the choice (charters.py) are pure. A lane is an origin hub and a gateway, as the network routes
an order's country and service level from that country's origin hub (planning/trips.py ORIGINS,
network.lanes): Brazil's economy orders fly SZX–VCP, its others SZX–GRU. Kg are orders × the
mean parcel weight, 0.5 kg (the twin's parcel model, params.py: lognormal median 0.3 kg, mean
0.5): an order is one parcel from one merchant. A lane's result is cached for a day, keyed by its
history: fitting a seasonal model takes seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from caravana.network import lanes as network_lanes
from caravana.network.routing import ROUTES
from caravana.orders.models import Order, OrderKind
from caravana.planning import charters, forecast, forecast_chart, services, trips
from caravana.planning.problem import Penalties, ProblemError, penalties_of

logger = logging.getLogger(__name__)

MEAN_PARCEL_KG = 0.5
HISTORY_WEEKS = 156
HORIZON_WEEKS = 8
SCENARIOS = 500
#: A charter is advised only for a week that starts this many days or more after today (whole
#: days: from today's date, so at least 52 hours at 20:00 UTC): a week already under way flies
#: what was booked, and one operator's charters cancel free only more than 72 h before
#: departure (network-twin.md §4 [70], airpoweraviation.gr/flight-changes; no published booking
#: lead time found: an assumption that the same notice binds a booking). What the weeks before
#: the first advised one leave behind is not carried into it: their bookings are not known here.
LEAD_DAYS = 3


@dataclass
class WeekAdvice:
    week: dt.date
    mean_kg: float
    lower_kg: float
    upper_kg: float
    recommended: charters.Choice
    mean: charters.Choice
    peak: charters.Choice


@dataclass(frozen=True)
class LaneKey:
    """A lane: the country whose orders it carries, its origin hub and its gateway."""

    country: str
    origin: str
    gateway: str

    @property
    def ident(self) -> str:
        """For the page's ids and the cache: BR-SZX-VCP (a country's own, even where a
        re-pointed lane sends two countries' orders through one origin and gateway)."""
        return f"{self.country}-{self.origin}-{self.gateway}"

    @property
    def route(self) -> str:
        return trips.route(self.origin, self.gateway)

    def __str__(self) -> str:
        return f"{self.route} ({self.country})"


@dataclass
class LaneOutlook:
    country: str
    ident: str  # LaneKey.ident, for the page's ids
    route: str
    model: str
    history_weeks: int
    level: float
    weeks: list[WeekAdvice]
    chart: str
    carried_usd_per_kg: float  # a kg a week late, at its levels' prices (site penalties)

    def total(self, policy: str) -> float:
        return sum(getattr(w, policy).expected_cost_usd for w in self.weeks)

    @property
    def level_pct(self) -> float:
        return self.level * 100

    @property
    def erratic(self) -> bool:
        """A week whose forecast mean lies outside its own interval: the history swings so much
        (a lane that leapt from a few orders to thousands) that rare, huge scenarios carry the
        mean, and booking for the mean and for the peak disagree."""
        return any(not w.lower_kg <= w.mean_kg <= w.upper_kg for w in self.weeks)

    @property
    def total_recommended(self) -> float:
        return self.total("recommended")

    @property
    def total_mean(self) -> float:
        return self.total("mean")

    @property
    def total_peak(self) -> float:
        return self.total("peak")

    @property
    def saving(self) -> float:
        """Expected saving of the recommendation against the better naive policy."""
        return min(self.total("mean"), self.total("peak")) - self.total("recommended")


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def site_penalties() -> Penalties:
    """The site planner's lateness prices (planning.services.penalty_settings), checked as the
    planner checks them: a week's wait on the forecast page costs what the planner charges for
    it. Settings the planner would refuse (a service level missing, a price not a number) are
    logged and the defaults priced instead, rather than a lane's levels quietly left out."""
    try:
        return penalties_of(services.penalty_settings())
    except ProblemError as exc:
        logger.warning("charter outlook: PLANNING_PENALTIES refused (%s); defaults used", exc)
        return penalties_of(services.DEFAULT_PENALTIES)


def first_week(today: dt.date) -> dt.date:
    """The Monday of the first week to advise: the first that starts LEAD_DAYS or more after
    `today` (on a Friday, the coming Monday; on a Saturday, the one after)."""
    return monday(today + dt.timedelta(days=LEAD_DAYS + 6))


def lane_of(country: str, level: str, gateways: dict[tuple[str, str], str]) -> LaneKey | None:
    """The lane an order of `country` and service `level` flies (`gateways`: network.lanes'),
    from its country's origin hub; where no active lane routes that level (switched off since),
    the gateway the network's own routing gives it (network/routing.py). None: a country with
    no origin hub (planning/trips.py ORIGINS) or a level routed nowhere."""
    origin = trips.ORIGINS.get(country, "")
    gateway = gateways.get((country, level)) or ROUTES.get(country, {}).get(level, ("",))[0]
    return LaneKey(country, origin, gateway) if origin and gateway else None


def history(today: dt.date, weeks: int = HISTORY_WEEKS) -> dict[LaneKey, list[float]]:
    """Kg a week per lane over the `weeks` full weeks before this one, from the lane's first week
    with an order (its missing weeks are zero). Orders from local stock never fly (decision
    0022): not the airlift's demand."""
    return demand(today, weeks)[0]


def demand(
    today: dt.date, weeks: int = HISTORY_WEEKS
) -> tuple[dict[LaneKey, list[float]], dict[LaneKey, dict[str, float]]]:
    """`history`, and each lane's kg of each service level over those weeks (what a week of its
    lateness costs: charters.carried_usd_per_kg), from one query."""
    this = monday(today)
    first = this - dt.timedelta(weeks=weeks)
    rows = (
        Order.objects.filter(
            paid_at__gte=dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC),
            paid_at__lt=dt.datetime.combine(this, dt.time(), tzinfo=dt.UTC),
            kind=OrderKind.NETWORK,
        )
        .annotate(week=TruncWeek("paid_at", tzinfo=dt.UTC))
        .values("country", "service_level", "week")
        .annotate(n=Count("id"))
    )
    gateways = network_lanes.gateways_of(trips.ORIGINS)
    series: dict[LaneKey, dict[dt.date, int]] = {}
    levels: dict[LaneKey, dict[str, float]] = {}
    unrouted: dict[tuple[str, str], int] = {}
    for row in rows:
        key = lane_of(row["country"], row["service_level"], gateways)
        if key is None:
            at = (row["country"], row["service_level"])
            unrouted[at] = unrouted.get(at, 0) + row["n"]
            continue
        week = series.setdefault(key, {})
        week[row["week"].date()] = week.get(row["week"].date(), 0) + row["n"]
        kg = levels.setdefault(key, {})
        kg[row["service_level"]] = kg.get(row["service_level"], 0.0) + row["n"] * MEAN_PARCEL_KG
    out = {}
    for key, counts in series.items():
        start = min(counts)
        n = (this - start).days // 7
        out[key] = [counts.get(start + dt.timedelta(weeks=k), 0) * MEAN_PARCEL_KG for k in range(n)]
    for (country, level), n in sorted(unrouted.items()):
        logger.warning("charter outlook: %d paid %s orders of %s fly no lane", n, level, country)
    return out, levels


def _fitted(
    key: LaneKey, past: list[float], this: dt.date, first: dt.date, carried: float
) -> tuple[forecast.Forecast, list]:
    """The forecast from this week on, and the choices of each week from `first` on, cached for
    a day by the lane's history (the seconds of a seasonal fit are paid once a day, whatever the
    language of the page). A lane with no trip figures (planning/trips.py) is priced at the
    dearest trip known."""
    digest = hashlib.sha256(repr((key.ident, this, first, carried, past)).encode()).hexdigest()
    cache_key = f"planning:outlook:{digest[:24]}"
    hit = cache.get(cache_key)
    if hit is not None:
        return hit
    skip = (first - this).days // 7  # this week, and the next when it starts too soon
    fc = forecast.weekly(past, skip + HORIZON_WEEKS, scenarios=SCENARIOS, seed=1)
    priciest = max(trip for _block, trip in trips.TRIPS.values())
    _block, trip = trips.TRIPS.get((key.origin, key.gateway), (0.0, priciest))
    costs = charters.default_costs(trip, carried)
    # each policy over the forecast's paths: what a week leaves behind waits for the next
    # (charters.season); the recommendation chooses each week on what it must then carry
    ahead = fc.scenarios[:, skip:]
    plans = charters.policies(ahead, fc.mean[skip:], fc.upper[skip:], costs)
    best, mean, peak = (
        charters.season(ahead, charters.booked(plans[name]), costs)
        for name in ("recommended", "mean", "peak")
    )
    weeks = [
        WeekAdvice(
            first + dt.timedelta(weeks=w),
            float(fc.mean[skip + w]),
            float(fc.lower[skip + w]),
            float(fc.upper[skip + w]),
            best[w],
            mean[w],
            peak[w],
        )
        for w in range(HORIZON_WEEKS)
    ]
    cache.set(cache_key, (fc, weeks), 24 * 3600)
    return fc, weeks


def lane(
    key: LaneKey,
    past: list[float],
    this: dt.date,
    first: dt.date,
    levels: dict[str, float] | None = None,
    penalties: Penalties | None = None,
) -> LaneOutlook:
    """Forecast a lane from this week on and choose its charters for each week from `first`,
    with its chart (the forecast drawn from this week); a week's lateness of its kg is priced
    by its service levels' kg (`levels`) at the site planner's `penalties`."""
    carried = charters.carried_usd_per_kg(levels or {}, penalties or site_penalties())
    fc, weeks = _fitted(key, past, this, first, carried)
    shown = past[-52:]
    labels = [
        (this + dt.timedelta(weeks=k)).strftime("%d/%m") for k in range(-len(shown), fc.horizon)
    ]
    chart = forecast_chart.svg(
        f"{key}: " + _("kg a week"),
        labels,
        shown,
        fc.mean,
        fc.lower,
        fc.upper,
        legend=(_("history"), _("forecast and its interval"), _("what happened")),
    )
    return LaneOutlook(
        key.country, key.ident, key.route, fc.model, len(past), fc.level, weeks, chart, carried
    )


def outlook(today: dt.date) -> tuple[list[LaneOutlook], list[str]]:
    """Lanes with at least forecast.MIN_WEEKS weeks of orders, largest first, and the lanes with
    orders but too few weeks of them to forecast. The forecast starts with this week, the
    advice with the first week far enough ahead to book (first_week)."""
    past, levels = demand(today)
    this, first = monday(today), first_week(today)
    penalties = site_penalties()
    lanes = [
        lane(k, p, this, first, levels.get(k), penalties)
        for k, p in past.items()
        if len(p) >= forecast.MIN_WEEKS
    ]
    short = sorted(str(k) for k, p in past.items() if len(p) < forecast.MIN_WEEKS)
    return sorted(lanes, key=lambda o: -sum(w.mean_kg for w in o.weeks)), short
