"""How many charters to commit now for a lane's week, and how many to hold as options.

A two-stage stochastic choice (Birge & Louveaux, "Introduction to Stochastic Programming", ch. 1;
network-twin.md §4), solved by sample-average approximation over demand scenarios drawn from the
forecast (forecast.py):

- now: commit `k` charters at the charter price each, paid whether full or not, and hold `m`
  options at a premium each;
- when the week's demand `D` is known: exercise `e ≤ m` options at the strike price; what the
  charters cannot carry flies belly at a price per kg up to the week's belly space; the rest waits
  a week, at the lateness penalty per kg.

The second stage is solved exactly per scenario (every `e` is tried) and the first by enumerating
every (k, m) up to enough charters for the largest scenario, so the choice is the exact optimum of
the sampled problem: small integer ranges, no solver needed. Each lane-week is decided on its
own: what waits is charged its penalty and not carried into the next week's demand (a labelled
simplification; the twin's replay, twin/charters.py, uses the same rule). Pure: numbers in, numbers
out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from caravana.network import room


@dataclass(frozen=True)
class Costs:
    """Prices and capacities of one lane's week, in US$ and kg."""

    charter_usd: float  # a committed charter
    option_premium_usd: float  # holding one option, paid now whether exercised or not
    option_strike_usd: float  # flying an option, paid when exercised
    charter_kg: float  # what one charter carries (volume-limited for light parcels)
    belly_usd_per_kg: float
    belly_kg: float  # belly space on the lane in the week
    late_usd_per_kg: float  # a kg that waits a week

    def __post_init__(self) -> None:
        for name in ("charter_usd", "option_premium_usd", "option_strike_usd", "belly_usd_per_kg"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: must not be negative")
        if self.charter_kg <= 0:
            raise ValueError("charter_kg: must be positive")
        if self.belly_kg < 0 or self.late_usd_per_kg < 0:
            raise ValueError("belly_kg, late_usd_per_kg: must not be negative")


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

    @property
    def label(self) -> str:
        return f"{self.commit}+{self.options}"


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
    d = np.asarray(demand, dtype=float)
    if commit < 0 or options < 0:
        raise ValueError("commit, options: must not be negative")
    e = _exercise(d, commit, options, c)
    flown = commit + e
    belly, late, second = _recourse(d, flown, c)
    cost = commit * c.charter_usd + options * c.option_premium_usd + e * c.option_strike_usd
    cost = cost + second
    carried = np.minimum(d, flown * c.charter_kg)
    capacity = float((flown * c.charter_kg).sum())
    total = float(d.sum())
    return Choice(
        commit=commit,
        options=options,
        expected_cost_usd=float(cost.mean()),
        exercised=float(e.mean()),
        fill=float(carried.sum()) / capacity if capacity else math.nan,
        on_time=1 - float(late.sum()) / total if total else 1.0,
        belly_share=float(belly.sum()) / total if total else 0.0,
    )


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
#: 30,000 t, a week on one lane, where the 2020 airlift flew about 1,300 in a few months. Keeps
#: the table of choices ((top+1)² costs) small whatever the scenarios say.
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


def book_for(demand: np.ndarray, kg: float, c: Costs) -> Choice:
    """The naive policy: commit charters for `kg` (to the nearest whole charter), no options."""
    return evaluate(demand, max(0, math.floor(kg / c.charter_kg + 0.5)), 0, c)


def book_for_peak(demand: np.ndarray, kg: float, c: Costs) -> Choice:
    """The cautious policy: commit enough charters to carry `kg` (rounded up), no options."""
    return evaluate(demand, max(0, math.ceil(kg / c.charter_kg - 1e-9)), 0, c)


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
#: A kg left for next week: the planner's penalty for cargo left behind (generator.PENALTIES).
LATE_USD_PER_KG = 10.0
#: Holding an option costs 15 % of the charter's price (network-twin.md §4: none published,
#: assumption within 10–25 %); flying it costs an optional charter's price, 12 % above a committed
#: one (generator.py, twin params.optional_premium).
OPTION_PREMIUM, OPTION_STRIKE = 0.15, 1.12


def default_costs(charter_usd: float) -> Costs:
    """A lane's week with the defaults above and its charter trip price."""
    return Costs(
        charter_usd=charter_usd,
        option_premium_usd=OPTION_PREMIUM * charter_usd,
        option_strike_usd=OPTION_STRIKE * charter_usd,
        charter_kg=CHARTER_KG,
        belly_usd_per_kg=BELLY_USD_PER_KG,
        belly_kg=BELLY_KG_WEEK,
        late_usd_per_kg=LATE_USD_PER_KG,
    )
