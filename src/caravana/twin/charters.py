"""A season replayed to compare charter policies: the recommender against booking for the mean
and booking for the peak (issue 17 item 5; docs/twin.md "Charters from a forecast").

Weekly kg per country come from the twin's demand model (demand.py: weekday, month, sale days,
the Chinese New Year; params.py shares of --parcels-per-day) times a market level that wanders
from week to week; a lane takes its service levels' share of its country's (Brazil's economy
parcels fly SZX–VCP: 30 % of Brazil's kg, the same weeks). Three years of such weeks are the
order history; the forecast (planning/forecast.py) is fitted on them, every policy chooses its
charters for each week of the season from it at the start of the season, and then the season's
real weeks (drawn from the same model, continuing the history) are flown: expected cost over the
forecast's scenarios against replayed cost.

The replay is weekly and per lane, as the recommender decides (planning/charters.py): it is not
the parcel-level run of model.py. Pure: numbers in, numbers out; the command (management/commands/
replay_charters.py) writes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from caravana.chart_scale import nice_top
from caravana.network import room
from caravana.planning import charters, forecast

from . import demand
from . import params as P

#: Mean parcel weight (params.py: lognormal median 0.3 kg, mean 0.5 kg).
MEAN_PARCEL_KG = 0.5
#: Weeks of history each lane's forecast is fitted on before the season: three years, so the
#: yearly season is seen twice and more (forecast.py needs two).
HISTORY_WEEKS = 156
#: Market level from week to week (assumption: demand wanders around the calendar's shape, a
#: campaign or a tax change moves it for weeks): log level AR(1), φ 0.8, innovations sd 6 %,
#: so a week is within about ±20 % of the calendar's shape.
LEVEL_PHI, LEVEL_SD = 0.8, 0.06
#: Option premium, a share of the charter price paid to hold one (network-twin.md §4 default
#: 10–25 %: none published, assumption 15 %); exercised at the optional charter's price
#: (params.py optional_premium: 12 % above a committed one).
OPTION_PREMIUM = 0.15
#: Policies, in the order they are shown.
POLICIES = ("recommended", "mean", "peak")


def lane_costs(lane: P.Lane, p: P.Params = P.DEFAULT) -> charters.Costs:
    """One lane's week: its 747-400F trip price (planning/trips.py), belly and lateness, in US$ and
    kg.

    A charter carries the lesser of its payload and its volume at the mean density (e-commerce
    parcels cube out first: 420 m³ × 145 kg/m³ ≈ 60.9 t); belly space is the week's offers
    (params.belly_per_day a day) at their mean size, also volume-limited, priced per chargeable
    kg; a kg left behind is priced as a week late and flown later when a week is chosen
    (planning/charters.py `left_behind_usd_per_kg`), and carried into the next week at its
    lateness alone (`season`), a week at the planner's price for the lane's service levels
    (`carried_usd_per_kg`, weighted by their shares of its country's parcels).
    """
    trip = lane.trip_usd
    carried = charters.carried_usd_per_kg(
        {P.SERVICES[si]: P.SERVICE_SHARE[si] for si in lane.services}, p.penalties
    )
    belly_each = min(sum(p.belly_kg) / 2, sum(p.belly_m3) / 2 * room.MEAN_PARCEL_DENSITY_KG_M3)
    belly_usd = charters.per_parcel_kg(sum(p.belly_price) / 2, room.MEAN_PARCEL_DENSITY_KG_M3)
    charter_kg = min(p.charter_payload_kg, p.charter_volume_m3 * room.MEAN_PARCEL_DENSITY_KG_M3)
    return charters.Costs(
        charter_usd=trip,
        option_premium_usd=OPTION_PREMIUM * trip,
        option_strike_usd=(1 + p.optional_premium) * trip,
        charter_kg=charter_kg,
        belly_usd_per_kg=belly_usd,
        belly_kg=7 * p.belly_per_day * belly_each,
        late_usd_per_kg=charters.left_behind_usd_per_kg(carried, belly_usd, trip, charter_kg),
        carried_usd_per_kg=carried,
    )


def weeks_kg(
    country: str,
    first_monday: dt.date,
    weeks: int,
    parcels_per_day: float,
    rng: np.random.Generator,
    level: float = 0.0,
) -> tuple[np.ndarray, float]:
    """Kg ordered per week in a country, and the market's log level after the last week."""
    share = P.COUNTRY_WEIGHT[country] / sum(P.COUNTRY_WEIGHT.values())
    out = np.empty(weeks)
    for w in range(weeks):
        level = LEVEL_PHI * level + rng.normal(0.0, LEVEL_SD)
        days = [first_monday + dt.timedelta(days=7 * w + d) for d in range(7)]
        noise = rng.normal(1.0, P.DAILY_NOISE_SD, 7).clip(0.5, 1.5)
        factors = np.array([demand.factor(day, country) for day in days]) * noise
        out[w] = parcels_per_day * share * MEAN_PARCEL_KG * math.exp(level) * float(factors.sum())
    return out, level


@dataclass
class LaneWeek:
    lane: P.Lane
    week: dt.date
    mean_kg: float
    lower_kg: float
    upper_kg: float
    actual_kg: float
    choices: dict[str, charters.Choice] = field(default_factory=dict)  # expected, per policy
    replayed: dict[str, charters.Choice] = field(default_factory=dict)  # on the actual week


@dataclass
class Replay:
    start: dt.date
    weeks: int
    parcels_per_day: float
    history: dict[str, np.ndarray]
    forecasts: dict[str, forecast.Forecast]
    rows: list[LaneWeek]

    @property
    def last_week(self) -> dt.date:
        return self.start + dt.timedelta(weeks=self.weeks - 1)

    def totals(self) -> dict[str, dict[str, float]]:
        """Per policy: expected and replayed cost (US$), charters committed, options held and
        exercised, the replayed fill and on-time share (kg-weighted), and the kg the season's
        last week left behind, replayed (`left_kg`)."""
        out: dict[str, dict[str, float]] = {}
        for name in POLICIES:
            exp = [r.choices[name] for r in self.rows]
            rep = [r.replayed[name] for r in self.rows]
            kg = np.array([r.actual_kg for r in self.rows])
            flown = np.array([c.commit + c.exercised for c in rep])
            cap = np.array([lane_costs(r.lane).charter_kg for r in self.rows]) * flown
            fills = np.array([0.0 if math.isnan(c.fill) else c.fill for c in rep])
            out[name] = {
                "expected_usd": sum(c.expected_cost_usd for c in exp),
                "replayed_usd": sum(c.expected_cost_usd for c in rep),
                "committed": float(sum(c.commit for c in exp)),
                "options": float(sum(c.options for c in exp)),
                "exercised": float(flown.sum() - sum(c.commit for c in rep)),
                "fill": float((fills * cap).sum() / cap.sum()) if cap.sum() else math.nan,
                # what waited flies first, so a week's late kg are its own orders' first: the
                # share of the kg ordered that flew in the week they were ordered
                "on_time": 1.0
                - float(sum(min(c.late_kg, k) for c, k in zip(rep, kg, strict=True)) / kg.sum()),
                "left_kg": sum(
                    r.replayed[name].late_kg for r in self.rows if r.week == self.last_week
                ),
                "expected_on_time": float(
                    sum(c.on_time * r.mean_kg for c, r in zip(exp, self.rows, strict=True))
                    / sum(r.mean_kg for r in self.rows)
                ),
            }
        return out


def replay(
    start: dt.date = dt.date(2026, 11, 9),
    weeks: int = 13,
    parcels_per_day: float = 1_000_000,
    seed: int = 1,
    history_weeks: int = HISTORY_WEEKS,
    scenarios: int = 1000,
    level: float = 0.9,
    lanes: tuple[P.Lane, ...] = P.DEFAULT.lanes(),
) -> Replay:
    """Forecast each lane from `history_weeks` before `start`, choose by each policy, replay.
    `history` and `forecasts` are keyed by lane name."""
    if start.weekday() != 0:
        raise ValueError("start: a Monday")
    rows: list[LaneWeek] = []
    history: dict[str, np.ndarray] = {}
    forecasts: dict[str, forecast.Forecast] = {}
    # one market a country, whichever lanes are replayed: its lanes share its weeks (Brazil's
    # economy parcels are its economy orders), in their service levels' shares
    streams = dict(zip(P.COUNTRIES, np.random.SeedSequence(seed).spawn(len(P.COUNTRIES)),
                       strict=True))  # fmt: skip
    markets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for country in dict.fromkeys(lane.country for lane in lanes):
        rng = np.random.default_rng(streams[country])
        past, state = weeks_kg(
            country, start - dt.timedelta(weeks=history_weeks), history_weeks,
            parcels_per_day, rng,
        )  # fmt: skip
        markets[country] = past, weeks_kg(country, start, weeks, parcels_per_day, rng, state)[0]
    for lane in lanes:
        past, actual = (kg * lane.service_share for kg in markets[lane.country])
        # the lane's own scenarios, the same whichever lanes are replayed beside it, and no two
        # seeds' alike (a lane is its country and first service level)
        own = 100 * seed + 10 * P.COUNTRIES.index(lane.country) + lane.services[0]
        fc = forecast.weekly(past, weeks, level=level, scenarios=scenarios, seed=own)
        history[lane.name], forecasts[lane.name] = past, fc
        costs = lane_costs(lane)
        # each policy's weeks, chosen at the start of the season from the forecast: the
        # recommendation on each scenario's kg with what its weeks before left behind, the naive
        # policies on the forecast's mean and upper bound; then flown on the season's real weeks
        fixed = charters.policies(fc.scenarios, fc.mean, fc.upper, costs)
        expected = {
            name: charters.season(fc.scenarios, charters.booked(plan), costs)
            for name, plan in fixed.items()
        }
        replayed = {
            name: charters.season(actual[None, :], charters.booked(plan), costs)
            for name, plan in fixed.items()
        }
        for w in range(weeks):
            row = LaneWeek(
                lane,
                start + dt.timedelta(weeks=w),
                float(fc.mean[w]),
                float(fc.lower[w]),
                float(fc.upper[w]),
                float(actual[w]),
            )
            row.choices = {name: expected[name][w] for name in POLICIES}
            row.replayed = {name: replayed[name][w] for name in POLICIES}
            rows.append(row)
    return Replay(start, weeks, parcels_per_day, history, forecasts, rows)


POLICY_NAMES = {
    "recommended": "recommended (commit + options)",
    "mean": "book for the mean",
    "peak": "book for the peak",
}


def costs_svg(totals: dict[str, dict[str, float]], title: str) -> str:
    """Expected and replayed cost of each policy as pairs of bars (US$ M)."""

    w, h, left, top_m, bar = 720, 220, 210, 30, 16
    top = nice_top(max(max(t["expected_usd"], t["replayed_usd"]) for t in totals.values()) / 1e6)
    scale = (w - left - 90) / top
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" '
        f'aria-label="{title}" font-family="sans-serif" font-size="11"><title>{title}</title>',
        f'<text x="8" y="16" font-size="13" font-weight="bold">{title}</text>',
    ]
    for i, name in enumerate(POLICIES):
        y0 = top_m + 14 + i * 58
        out.append(
            f'<text x="{left - 8}" y="{y0 + 20}" text-anchor="end">{POLICY_NAMES[name]}</text>'
        )
        for j, (key, colour, word) in enumerate(
            (("expected_usd", "#E69F00", "expected"), ("replayed_usd", "#0072B2", "replayed"))
        ):
            v = totals[name][key] / 1e6
            y = y0 + j * (bar + 4)
            out.append(
                f'<rect x="{left}" y="{y}" width="{v * scale:.1f}" height="{bar}" fill="{colour}"/>'
            )
            out.append(
                f'<text x="{left + v * scale + 4:.1f}" y="{y + 12}">{word} {v:,.1f} M</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def write(rep: Replay, out: Path, meta: dict[str, object]) -> list[Path]:
    """weeks.csv (a row per lane-week and policy), summary.json, and the charts as SVG."""
    from caravana.planning import forecast_chart  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    path = out / "weeks.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["lane", "week", "forecast_kg", "lower_kg", "upper_kg", "actual_kg", "policy",
             "commit", "options", "expected_usd", "expected_fill", "expected_on_time",
             "replayed_usd", "replayed_exercised", "replayed_fill", "replayed_on_time"]
        )  # fmt: skip
        for r in rep.rows:
            for name in POLICIES:
                e, a = r.choices[name], r.replayed[name]
                w.writerow(
                    [r.lane.name, r.week.isoformat(), round(r.mean_kg), round(r.lower_kg),
                     round(r.upper_kg), round(r.actual_kg), name, e.commit, e.options,
                     round(e.expected_cost_usd), _r(e.fill), _r(e.on_time),
                     round(a.expected_cost_usd), round(a.exercised), _r(a.fill), _r(a.on_time)]
                )  # fmt: skip
    files.append(path)
    totals = rep.totals()
    path = out / "summary.json"
    path.write_text(json.dumps({**meta, "policies": totals}, indent=2) + "\n")
    files.append(path)
    for name, fc in rep.forecasts.items():
        hist = rep.history[name][-52:]
        labels = [
            (rep.start + dt.timedelta(weeks=k)).strftime("%d %b %y")
            for k in range(-len(hist), fc.horizon)
        ]
        actual = [r.actual_kg for r in rep.rows if r.lane.name == name]
        path = out / f"forecast_{name}.svg"
        route = name.replace("-", "–")
        path.write_text(
            forecast_chart.svg(
                f"{route}: kg a week, forecast with its {fc.level:.0%} interval, and the season",
                labels,
                hist,
                fc.mean,
                fc.lower,
                fc.upper,
                actual,
            )  # fmt: skip
        )
        files.append(path)
    path = out / "costs.svg"
    path.write_text(costs_svg(totals, "Season's charter and belly cost, US$ (all lanes)"))
    files.append(path)
    return files


def _r(v: float) -> float | str:
    return "" if math.isnan(v) else round(v, 4)
