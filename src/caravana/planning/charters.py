"""How many charters to commit now for a lane's week, and how many to hold as options.

A two-stage stochastic choice (Birge & Louveaux, "Introduction to Stochastic Programming", ch. 1;
network-twin.md §4), solved by sample-average approximation over demand scenarios drawn from the
forecast (forecast.py):

- now: commit `k` charters at the charter price each, paid whether full or not, and hold `m`
  options at a premium each;
- when the week's demand `D` is known: exercise `e ≤ m` options at the strike price; what the
  charters cannot carry flies belly at a price per kg up to the week's belly space; the rest waits
  a week.

The second stage is solved exactly per scenario (every `e` is tried) and the first by enumerating
every (k, m) up to enough charters for the largest scenario, so a week's choice is the exact
optimum of the sampled problem: small integer ranges, no solver needed. A week is chosen on what
it must carry, a kg left behind priced as a week late and flown later (`left_behind_usd_per_kg`).
Over a season (`season`) the weeks follow each scenario's path: what a week leaves behind
is carried into the next week's demand, flown first, and costs its week of lateness there; what
is left after the last week costs the planner's penalty. Pure: numbers in, numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from caravana.network import room
from caravana.planning.generator import PENALTIES
from caravana.planning.problem import VOLUMETRIC_KG_PER_M3, Penalties


@dataclass(frozen=True)
class Costs:
    """Prices and capacities of one lane's week, in US$ and kg."""

    charter_usd: float  # a committed charter
    option_premium_usd: float  # holding one option, paid now whether exercised or not
    option_strike_usd: float  # flying an option, paid when exercised
    charter_kg: float  # what one charter carries (volume-limited for light parcels)
    belly_usd_per_kg: float  # a kg of the parcels (their chargeable weight's price)
    belly_kg: float  # belly space on the lane in the week
    late_usd_per_kg: float  # a kg left behind, when a week is chosen: a week late, flown later
    carried_usd_per_kg: float  # a kg carried into next week: its week of lateness alone

    def __post_init__(self) -> None:
        for name in ("charter_usd", "option_premium_usd", "option_strike_usd", "belly_usd_per_kg"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must not be negative")
        if self.charter_kg <= 0:
            raise ValueError("charter_kg: must be positive")
        if self.belly_kg < 0 or self.late_usd_per_kg < 0 or self.carried_usd_per_kg < 0:
            raise ValueError("belly_kg, late_usd_per_kg, carried_usd_per_kg: must not be negative")


@dataclass(frozen=True)
class Choice:
    """A first-stage choice and what it leads to, averaged over the scenarios."""

    commit: int
    options: int
    expected_cost_usd: float
    exercised: float  # options exercised, on average
    fill: float  # charter kg carried over the capacity of the charters flown (nan: none flew)
    on_time: float  # share of the demand's kg that flew in its week
    belly_share: float  # share of the demand's kg that flew belly
    late_kg: float = 0.0  # kg the week leaves behind, on average

    @property
    def label(self) -> str:
        return f"{self.commit}+{self.options}"

    @property
    def fill_pct(self) -> float:
        return self.fill * 100

    @property
    def on_time_pct(self) -> float:
        return self.on_time * 100


def _recourse(demand: np.ndarray, flown: np.ndarray, c: Costs) -> tuple[np.ndarray, ...]:
    """Belly kg, late kg and their cost when `flown` charters fly (arrays broadcast)."""
    over = np.maximum(demand - flown * c.charter_kg, 0.0)
    belly = np.minimum(over, c.belly_kg)
    late = over - belly
    return belly, late, belly * c.belly_usd_per_kg + late * c.late_usd_per_kg


def _exercise(demand: np.ndarray, commit: int, options: int, c: Costs) -> np.ndarray:
    """Options exercised in each scenario: the e ≤ options of least second-stage cost."""
    e = np.arange(options + 1)
    _, _, cost = _recourse(demand[:, None], commit + e[None, :], c)
    return np.argmin(cost + e[None, :] * c.option_strike_usd, axis=1)


def evaluate(demand: np.ndarray, commit: int, options: int, c: Costs) -> Choice:
    """The expected outcome of committing `commit` charters and holding `options`."""
    return _outcome(np.asarray(demand, dtype=float), commit, options, c, c.late_usd_per_kg)[0]


def _outcome(
    d: np.ndarray, commit: int, options: int, c: Costs, late_usd_per_kg: float
) -> tuple[Choice, np.ndarray]:
    """The week's Choice, options exercised as `c` prices them and what is left behind charged
    `late_usd_per_kg`, and the kg left behind in each scenario."""
    if commit < 0 or options < 0:
        raise ValueError("commit, options: must not be negative")
    e = _exercise(d, commit, options, c)
    flown = commit + e
    belly, late, _ = _recourse(d, flown, c)
    cost = commit * c.charter_usd + options * c.option_premium_usd + e * c.option_strike_usd
    cost = cost + belly * c.belly_usd_per_kg + late * late_usd_per_kg
    carried = np.minimum(d, flown * c.charter_kg)
    capacity = float((flown * c.charter_kg).sum())
    total = float(d.sum())
    choice = Choice(
        commit=commit,
        options=options,
        expected_cost_usd=float(cost.mean()),
        exercised=float(e.mean()),
        fill=float(carried.sum()) / capacity if capacity else math.nan,
        on_time=1 - float(late.sum()) / total if total else 1.0,
        belly_share=float(belly.sum()) / total if total else 0.0,
        late_kg=float(late.mean()),
    )
    return choice, late


def costs_table(demand: np.ndarray, c: Costs, top: int) -> np.ndarray:
    """Expected cost of every (commit k, options m) with k + m ≤ top, nan elsewhere: (top+1)²."""
    d = np.asarray(demand, dtype=float)
    t = np.arange(top + 1)
    _, _, second = _recourse(d[:, None], t[None, :], c)  # (n, top+1): cost when t charters fly
    table = np.full((top + 1, top + 1), np.nan)
    for k in range(top + 1):
        # best[n, m] = min over e ≤ m of e·strike + second[n, k + e]
        extra = second[:, k:] + np.arange(top + 1 - k)[None, :] * c.option_strike_usd
        best = np.minimum.accumulate(extra, axis=1).mean(axis=0)
        m = np.arange(top + 1 - k)
        table[k, : top + 1 - k] = k * c.charter_usd + m * c.option_premium_usd + best
    return table


#: The most charters a lane's week is planned with (commit + options): 300 747-400Fs, some
#: 18,000 t of parcels (60.9 t each), a week on one lane, where the 2020 airlift planned about
#: 1,300 in a few months (issue 17's figure, no source of its own). Keeps the table of choices
#: ((top+1)² costs) small whatever the scenarios say.
MAX_CHARTERS = 300


def enough(demand: np.ndarray, c: Costs) -> int:
    """Charters beyond which no choice is cheaper (up to MAX_CHARTERS, where the choice stops
    being exact): those that carry the largest scenario, and fewer when the tail is thin. A
    t+1-th charter (held as an option or committed, at least the cheaper of the premium and a
    charter's price) saves at most a charter's kg at the dearer of
    belly and lateness, and only in the scenarios whose demand is above what t charters carry:
    once that share is below the holding price over that saving, it (and every one after it)
    costs more than it saves, so the least expected cost has at most t. Held to
    MAX_CHARTERS: a forecast fitted on a lane that leapt (3 weeks of 1 order, then 200,000)
    draws scenarios of 86,000 t, whose (top+1)² table would not fit in memory."""
    d = np.sort(np.asarray(demand, dtype=float))
    if not d.size:
        return 0
    largest = float(d[-1]) / c.charter_kg  # inf when exp() of a wild path overflowed
    top = MAX_CHARTERS if not largest < MAX_CHARTERS else max(0, math.ceil(largest))
    saving = c.charter_kg * max(c.late_usd_per_kg, c.belly_usd_per_kg)
    hold = min(c.option_premium_usd, c.charter_usd)  # the cheapest way to have one more
    if saving > 0 and hold > 0:
        worth = hold / saving  # the least share of scenarios a charter must help
        t = np.arange(top + 1)
        above = 1 - np.searchsorted(d, t * c.charter_kg, side="right") / d.size
        thin = np.flatnonzero(above < worth)
        if thin.size:
            top = int(thin[0])
    return top


def recommend(demand: np.ndarray, c: Costs) -> Choice:
    """The (commit, options) of least expected cost over the scenarios (ties: fewer charters)."""
    table = costs_table(demand, c, enough(demand, c))
    k, m = np.unravel_index(np.nanargmin(table), table.shape)  # first minimum: row-major order
    return evaluate(demand, int(k), int(m), c)


def commit_for_mean(kg: float, c: Costs) -> int:
    """The naive policy: charters for the `kg` the week's belly space cannot carry, to the
    nearest whole charter, no options (what a planner books from the forecast's mean alone)."""
    return _charters(max(0.0, kg - c.belly_kg) / c.charter_kg + 0.5, math.floor)


def commit_for_peak(kg: float, c: Costs) -> int:
    """The cautious policy: enough charters to carry the `kg` the belly cannot (rounded up), no
    options. A lane whose peak the belly carries books none: a charter for 1 t would cost a
    hundred times its belly price."""
    return _charters(max(0.0, kg - c.belly_kg) / c.charter_kg - 1e-9, math.ceil)


def _charters(n: float, whole: Callable[[float], int]) -> int:
    """`n` charters made whole, held to MAX_CHARTERS (a forecast fitted on a lane that leapt
    has a mean of 1e24 kg, or inf); none for nan (no forecast)."""
    if math.isnan(n):
        return 0
    return max(0, whole(min(n, MAX_CHARTERS)))


#: A policy: a week's (commit, options) from its index and the kg it must carry per scenario.
Chooser = Callable[[int, np.ndarray], tuple[int, int]]


def recommending(c: Costs) -> Chooser:
    """The recommendation as a policy: each week chosen on the kg it must then carry."""

    def choose(_week: int, kg: np.ndarray) -> tuple[int, int]:
        best = recommend(kg, c)
        return best.commit, best.options

    return choose


def booked(plan: Sequence[tuple[int, int]]) -> Chooser:
    """A policy chosen in advance: week w's (commit, options) whatever the week brings."""
    return lambda week, _kg: plan[week]


def policies(
    paths: np.ndarray, mean: np.ndarray, upper: np.ndarray, c: Costs
) -> dict[str, list[tuple[int, int]]]:
    """Each policy's (commit, options) a week, chosen at once from a forecast (its sample
    `paths`, scenarios × weeks, its `mean` and `upper` bound): the recommendation on the kg each
    week must carry (season), and booking for the mean and for the peak. The planner's page
    and the twin's replay of a season book the same way."""
    return {
        "recommended": [(w.commit, w.options) for w in season(paths, recommending(c), c)],
        "mean": [(commit_for_mean(float(m), c), 0) for m in mean],
        "peak": [(commit_for_peak(float(u), c), 0) for u in upper],
    }


def season(paths: np.ndarray, choose: Chooser, c: Costs) -> list[Choice]:
    """Week by week along each scenario's path (`paths`: scenarios × weeks of kg ordered): the
    week's kg is what was ordered plus what the week before left behind, flown first;
    `choose(week, kg)` gives the week's (commit, options) from the kg it must carry in each
    scenario. What a week leaves behind is carried into the next at `carried_usd_per_kg` (it is
    flown, and paid for, then); what the last week leaves costs `late_usd_per_kg`. Each week's
    Choice is its expected outcome, on-time share and fill over what it had to carry."""
    d_all = np.asarray(paths, dtype=float)
    if d_all.ndim != 2 or not d_all.shape[0]:
        raise ValueError("paths: scenarios × weeks, at least one scenario")
    backlog = np.zeros(d_all.shape[0])
    out: list[Choice] = []
    for w in range(d_all.shape[1]):
        d = d_all[:, w] + backlog
        commit, options = choose(w, d)
        last = w == d_all.shape[1] - 1
        week, backlog = _outcome(
            d, commit, options, c, c.late_usd_per_kg if last else c.carried_usd_per_kg
        )
        out.append(week)
    return out


#: A 747-400F's room for parcels as the hub's load plan builds and places it: 25 PMCs' worth of
#: soft bags, 420 m³ (network/room.py, decision 0044: the twin's charter_volume_m3 and the
#: planner's capacity; the balance table's limits take 27 such pallets, not 30).
CHARTER_M3 = room.parcel_m3("B744F") or 0.0
#: Its capacity for parcels: the lesser of its payload (112 t) and that volume at the mean parcel
#: density (420 m³ × 145 kg/m³ ≈ 60.9 t; network-twin.md §1 density 120–170 kg/m³): light
#: parcels cube out first.
CHARTER_KG = min(112_000.0, CHARTER_M3 * room.MEAN_PARCEL_DENSITY_KG_M3)
#: Belly space a lane a week: two offers a day of 8–14 t and 50–85 m³ (generator.py), volume-limited
#: at the mean density: 14 × min(11 t, 67.5 m³ × 145 kg/m³).
BELLY_KG_WEEK = 14 * min(11_000.0, 67.5 * room.MEAN_PARCEL_DENSITY_KG_M3)
#: Belly price, the middle of generator.py's US$ 4.2–6.0 a chargeable kg (spot China→BR 6.46 [42]).
BELLY_USD_PER_KG = 5.1
#: A kg carried into next week, its lateness alone, where a lane's service levels are not known:
#: the planner's penalty for cargo left behind (generator.PENALTIES) counts "a week late" at
#: ≈ $0.6 a kg a day, 7 × 0.6. Its flight is paid when it flies. A lane whose service levels are
#: known is priced by them (carried_usd_per_kg).
CARRIED_USD_PER_KG = 4.2


def carried_usd_per_kg(shares: Mapping[str, float], penalties: Penalties = PENALTIES) -> float:
    """A kg carried into next week: seven days late at the planner's price for its service level
    (generator.PENALTIES: premium US$ 2, standard 0.80, economy 0.25 a kg a day), weighted by
    the lane's kg of each level (`shares`, any scale). Until 2026-12-07 every lane's kg cost
    US$ 4.20: a lane of economy parcels, promised 20–45 days, booked charters to save lateness
    its buyers can bear, and a premium lane's were too cheap to wait for."""
    rates = penalties.late_per_kg_day_usd
    known = {level: w for level, w in shares.items() if level in rates and w > 0}
    total = sum(known.values())
    if total <= 0:
        return CARRIED_USD_PER_KG
    return 7 * sum(rates[level] * w for level, w in known.items()) / total


def left_behind_usd_per_kg(
    carried_usd_per_kg: float, belly_usd_per_kg: float, charter_usd: float, charter_kg: float
) -> float:
    """What a kg left behind costs when a week is chosen: its week of lateness and its flight
    later, at the cheaper of belly and a full charter's price a kg (what carries it once the
    next week's belly is taken too). The planner's flat US$ 10 (generator.PENALTIES: "flies
    next week (≈ $6/kg)") was below a full 747-400F's US$ 9.2 a kg plus the week late: with
    what waits carried into the next week, the choice left 41 t behind every week of a steady
    300 t lane, and the backlog grew without end."""
    return carried_usd_per_kg + max(belly_usd_per_kg, charter_usd / charter_kg)


def per_parcel_kg(usd_per_chargeable_kg: float, density_kg_m3: float) -> float:
    """A belly price per chargeable kg as a price per kg of parcels of that density: below
    166.67 kg/m³ (IATA's 6,000 cm³ a kg) a kg charges as its volume, 1.15 kg at 145 kg/m³."""
    return usd_per_chargeable_kg * max(1.0, VOLUMETRIC_KG_PER_M3 / density_kg_m3)


#: Holding an option costs 15 % of the charter's price (network-twin.md §4: none published,
#: assumption within 10–25 %); flying it costs an optional charter's price, 12 % above a committed
#: one (generator.py, twin params.optional_premium).
OPTION_PREMIUM, OPTION_STRIKE = 0.15, 1.12


def default_costs(charter_usd: float, carried_usd: float = CARRIED_USD_PER_KG) -> Costs:
    """A lane's week with the defaults above, its charter trip price and the price of a week's
    lateness of its kg (carried_usd_per_kg)."""
    belly = per_parcel_kg(BELLY_USD_PER_KG, room.MEAN_PARCEL_DENSITY_KG_M3)
    return Costs(
        charter_usd=charter_usd,
        option_premium_usd=OPTION_PREMIUM * charter_usd,
        option_strike_usd=OPTION_STRIKE * charter_usd,
        charter_kg=CHARTER_KG,
        belly_usd_per_kg=belly,
        belly_kg=BELLY_KG_WEEK,
        late_usd_per_kg=left_behind_usd_per_kg(carried_usd, belly, charter_usd, CHARTER_KG),
        carried_usd_per_kg=carried_usd,
    )
