"""The demand forecast (planning/forecast.py) and the charter recommender (planning/charters.py):
pure, no database."""

import dataclasses
import itertools
import math

import numpy as np
import pytest

from caravana.planning import charters, forecast


def seasonal(seed: int, weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """A lane's kg a week: a yearly wave of ±30 % around 1,000 t, 5 % noise."""
    t = np.arange(weeks)
    true = 1e6 * (1 + 0.3 * np.sin(2 * np.pi * t / 52))
    return true, true * np.exp(np.random.default_rng(seed).normal(0, 0.05, weeks))


def test_seasonal_series_season_recovered_and_interval_covers_about_its_level():
    inside = []
    for seed in (1, 2, 3):
        true, y = seasonal(seed, 156 + 52)
        fc = forecast.weekly(y[:156], 52, level=0.9, scenarios=400, seed=seed)
        assert fc.model == "ETS(A,N,A)[52]"
        assert np.corrcoef(fc.mean, true[156:])[0, 1] > 0.95  # the wave, a year ahead
        assert np.all(fc.lower <= fc.mean) and np.all(fc.mean <= fc.upper)
        inside.append(forecast.coverage(fc, y[156:]))
    assert 0.8 <= float(np.mean(inside)) <= 0.99, inside  # nominal 0.9


def test_short_history_has_a_level_only_model_whose_interval_widens():
    _, y = seasonal(4, 20)
    fc = forecast.weekly(y, 8, scenarios=400)
    assert fc.model.startswith("ETS(A,N,N)") and fc.scenarios.shape == (400, 8)
    width = fc.upper - fc.lower
    assert width[-1] > width[0] and np.all(fc.lower > 0)


@pytest.mark.parametrize(
    ("history", "horizon", "field"),
    [([1.0, 2.0], 4, "history"), ([1.0, -2.0, 3.0, 4.0], 4, "history"), ([1.0] * 6, 0, "horizon")],
)
def test_bad_input_names_the_field(history, horizon, field):
    with pytest.raises(ValueError, match=field):
        forecast.weekly(history, horizon)


def test_no_demand_forecasts_nothing():
    fc = forecast.weekly([0.0] * 10, 3, scenarios=5)
    assert fc.mean.tolist() == [0, 0, 0] and fc.scenarios.shape == (5, 3)


COSTS = charters.Costs(
    charter_usd=100.0,
    option_premium_usd=15.0,
    option_strike_usd=112.0,
    charter_kg=10.0,
    belly_usd_per_kg=6.0,
    belly_kg=8.0,
    late_usd_per_kg=20.0,
    carried_usd_per_kg=8.0,
)


def brute_force(demand, c, top):
    """Every (commit, options, exercise per scenario) spelled out, no numpy."""
    best = None
    for k, m in itertools.product(range(top + 1), repeat=2):
        total = 0.0
        for d in demand:
            options = []
            for e in range(m + 1):
                over = max(d - (k + e) * c.charter_kg, 0)
                belly = min(over, c.belly_kg)
                options.append(
                    e * c.option_strike_usd
                    + belly * c.belly_usd_per_kg
                    + (over - belly) * c.late_usd_per_kg
                )
            total += k * c.charter_usd + m * c.option_premium_usd + min(options)
        cost = total / len(demand)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, k, m)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_recommendation_is_the_brute_force_optimum_on_a_tiny_case(seed):
    demand = np.random.default_rng(seed).uniform(5, 45, 6).round(1)
    cost, k, m = brute_force(demand, COSTS, 6)
    got = charters.recommend(demand, COSTS)
    assert got.expected_cost_usd == pytest.approx(cost)
    assert charters.evaluate(demand, k, m, COSTS).expected_cost_usd == pytest.approx(cost)


def test_recommendation_beats_booking_for_the_mean_and_the_peak():
    """Over a season of a seasonal lane's forecast paths, what waits carried into the next week:
    the recommendation costs less than both naive policies, and leaves less behind than
    booking for the mean."""
    _, y = seasonal(5, 156)
    fc = forecast.weekly(y, 8, scenarios=500, seed=5)
    costs = charters.default_costs(560_000.0)
    best = charters.season(fc.scenarios, charters.recommending(costs), costs)
    mean, peak = (
        charters.season(fc.scenarios, charters.booked([(k(float(v), costs), 0) for v in kg]), costs)
        for k, kg in ((charters.commit_for_mean, fc.mean), (charters.commit_for_peak, fc.upper))
    )
    total = {n: sum(c.expected_cost_usd for c in s) for n, s in (("best", best), ("mean", mean),
                                                                  ("peak", peak))}  # fmt: skip
    assert total["best"] < min(total["mean"], total["peak"])
    assert best[-1].late_kg < mean[-1].late_kg
    assert all(0 < c.fill <= 1 and 0 < c.on_time <= 1 for c in best)


def test_a_steady_lane_s_backlog_stays_within_a_charter():
    """300 t a week, every week: the belly carries 137 t and a 747-400F 61 t. Priced at the
    planner's flat US$ 10 a kg, what waited cost less than a third charter and the choice left
    41 t behind every week; carried into the next week, the backlog grew without end. Priced
    as a week late and flown later, it stays below one charter's kg."""
    costs = charters.default_costs(560_000.0)
    weeks = charters.season(np.full((1, 26), 300_000.0), charters.recommending(costs), costs)
    assert max(w.late_kg for w in weeks) < costs.charter_kg
    flown = sum(w.commit + w.exercised for w in weeks) * costs.charter_kg + 26 * costs.belly_kg
    assert flown >= 26 * 300_000.0 - costs.charter_kg


@pytest.mark.parametrize(("trip", "tonnes"), [(560_000.0, 2_500), (900_000.0, 800)])
def test_a_noisy_lane_s_backlog_settles_and_does_not_grow(trip, tonnes):
    """With 20 % weekly noise the choice lets part of the tail wait (a charter full in too few
    scenarios does not pay), so the backlog is several charters' kg, not one (at a US$ 900,000
    trip, about 40 % of an 800 t week: three quarters of the kg fly on time); but a year on
    it is no larger than in the second quarter."""
    costs = charters.default_costs(trip)
    rng = np.random.default_rng(1)
    paths = tonnes * 1000.0 * np.exp(rng.normal(0.0, 0.2, (300, 52)))
    late = [w.late_kg for w in charters.season(paths, charters.recommending(costs), costs)]
    assert np.mean(late[39:]) <= 1.2 * np.mean(late[13:26])
    assert np.mean(late[39:]) < 0.5 * tonnes * 1000.0


def test_a_season_carries_what_a_week_leaves_behind():
    """COSTS: a charter 10 kg, belly 8 kg. Week 1: 25 kg on one charter, 8 belly, 7 wait (8 US$
    a kg, a week late). Week 2: 5 + 7 = 12 kg on one charter, 2 belly, none left."""
    weeks = charters.season(np.array([[25.0, 5.0]]), charters.booked([(1, 0), (1, 0)]), COSTS)
    assert [w.late_kg for w in weeks] == [7.0, 0.0]
    assert weeks[0].expected_cost_usd == pytest.approx(100 + 8 * 6 + 7 * 8)
    assert weeks[1].expected_cost_usd == pytest.approx(100 + 2 * 6)
    assert weeks[1].on_time == 1.0 and weeks[0].on_time == pytest.approx(1 - 7 / 25)
    # the last week's leftovers cost the full price of cargo left behind
    (last,) = charters.season(np.array([[25.0]]), charters.booked([(1, 0)]), COSTS)
    assert last.expected_cost_usd == pytest.approx(100 + 8 * 6 + 7 * 20)


def test_naive_policies_book_what_the_belly_cannot_carry():
    costs = charters.default_costs(560_000.0)
    # a small lane's peak fits in the week's belly: no charter for it
    assert charters.commit_for_peak(1_000.0, costs) == charters.commit_for_mean(1_000.0, costs) == 0
    over = costs.belly_kg + 2.5 * costs.charter_kg
    assert charters.commit_for_peak(over, costs) == 3
    below, above = (costs.belly_kg + n * costs.charter_kg for n in (2.4, 2.6))
    assert charters.commit_for_mean(below, costs) == 2
    assert charters.commit_for_mean(above, costs) == 3
    # a forecast that ran wild, or none at all
    assert charters.commit_for_mean(2.9e24, costs) == charters.MAX_CHARTERS
    assert charters.commit_for_peak(math.inf, costs) == charters.MAX_CHARTERS
    assert charters.commit_for_mean(math.nan, costs) == 0


def test_a_season_needs_scenarios_by_weeks():
    for paths in (np.zeros((0, 3)), np.zeros(3)):
        with pytest.raises(ValueError, match="paths"):
            charters.season(paths, charters.booked([(0, 0)] * 3), COSTS)


def test_belly_is_priced_per_chargeable_kg():
    """Parcels at 145 kg/m³ charge as their volume (166.67 kg a m³): US$ 5.10 a chargeable kg
    is US$ 5.86 a kg of parcels; denser freight pays its weight."""
    assert charters.per_parcel_kg(5.1, 145.0) == pytest.approx(5.1 * 166.67 / 145)
    assert charters.per_parcel_kg(5.1, 200.0) == 5.1


def test_choice_reports_fill_and_on_time():
    d = np.array([10.0, 30.0])
    # 10 kg: the charter, full. 30 kg: the charter and the option (20 kg), 8 kg belly, 2 kg wait.
    got = charters.evaluate(d, 1, 1, COSTS)
    assert got.exercised == 0.5 and got.fill == 1.0
    assert got.on_time == pytest.approx(1 - 2 / 40) and got.belly_share == pytest.approx(8 / 40)
    with pytest.raises(ValueError, match="commit"):
        charters.evaluate(d, -1, 0, COSTS)
    with pytest.raises(ValueError, match="charter_kg"):
        charters.Costs(1, 1, 1, 0, 1, 1, 1, 1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_charters_considered_never_cut_off_the_optimum(seed):
    """Fat tails: most scenarios a few charters, a few scenarios hundreds. The recommendation
    over the charters `enough` keeps is the least cost over every choice up to the largest
    scenario, with a table far smaller."""
    rng = np.random.default_rng(seed)
    demand = np.exp(rng.normal(np.log(300_000), 1.6, 400))
    costs = charters.default_costs(560_000.0)
    full = math.ceil(demand.max() / costs.charter_kg)
    kept = charters.enough(demand, costs)
    assert kept < full
    best = np.nanmin(charters.costs_table(demand, costs, full))
    assert charters.recommend(demand, costs).expected_cost_usd == pytest.approx(best)


def test_the_charters_considered_are_held_to_a_bound_when_a_forecast_runs_wild():
    demand = np.array([1e3, 1e5, 1e30, np.inf])  # exp() of a wild path overflows to inf
    costs = charters.default_costs(560_000.0)
    costs_free = dataclasses.replace(costs, option_premium_usd=0.0)  # no thinning at all
    assert charters.enough(demand, costs_free) == charters.MAX_CHARTERS
    assert charters.recommend(demand[:3], costs).commit <= charters.MAX_CHARTERS


def test_a_week_of_lateness_is_priced_by_the_lane_s_service_levels():
    """Seven days at the planner's price a kg a day (premium 2, standard 0.80, economy 0.25),
    weighted by the lane's kg of each level: Brazil's economy lane (SZX–VCP) 1.75, its premium
    and standard lane (SZX–GRU, 15 : 55) 7.40, a lane of all three (15 : 55 : 30) 5.705. Until
    2026-12-07 every lane's kg cost 4.20, kept where no level is known."""
    carried = charters.carried_usd_per_kg
    assert carried({"economy": 30.0}) == pytest.approx(1.75)
    assert carried({"premium": 15.0, "standard": 55.0}) == pytest.approx(7.4)
    assert carried({"premium": 0.15, "standard": 0.55, "economy": 0.30}) == pytest.approx(5.705)
    assert carried({}) == carried({"express": 3.0}) == charters.CARRIED_USD_PER_KG == 4.2
    assert carried({"economy": 1.0, "express": 9.0, "premium": 0.0}) == pytest.approx(1.75)
    cheap, dear = charters.default_costs(560_000.0, 1.75), charters.default_costs(560_000.0, 7.4)
    assert (cheap.carried_usd_per_kg, dear.carried_usd_per_kg) == (1.75, 7.4)
    assert dear.late_usd_per_kg - cheap.late_usd_per_kg == pytest.approx(7.4 - 1.75)
