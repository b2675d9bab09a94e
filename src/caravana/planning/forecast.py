"""Demand forecast per lane and week, with a prediction interval and scenarios to plan against.

The model is exponential smoothing in state-space form (ETS, Hyndman et al., "Forecasting with
exponential smoothing", 2008) from statsmodels (docs/decisions/0027): fitted on the logarithm of
weekly demand, so a season multiplies demand (a November week is x % above the year, whatever the
lane's size) and the interval never goes below zero. With two full seasons of history (104 weeks)
the model has a yearly season (ETS(A,N,A) on logs); with less it has a level only (ETS(A,N,N)),
and its interval widens with the horizon instead of following the season.

Scenarios are sample paths simulated from the fitted model (its own error distribution, anchored
at the end of the history), so the charter recommender (charters.py) plans against the same
uncertainty the interval shows. Pure: numbers in, numbers out; statsmodels is imported on first
use, so the web process does not load it at start-up.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Weeks in a yearly season (a year is 52.18 weeks; the drift of a day a year is left alone).
SEASON_WEEKS = 52
#: Least history for any forecast: the level-only model needs a few weeks to find its level.
MIN_WEEKS = 4


@dataclass(frozen=True)
class Forecast:
    """Weekly demand ahead: mean, the interval at `level`, and simulated sample paths."""

    model: str
    level: float
    mean: np.ndarray  # (horizon,) expected demand (mean of the sample paths)
    lower: np.ndarray  # (horizon,) lower bound of the central `level` interval
    upper: np.ndarray  # (horizon,)
    scenarios: np.ndarray  # (n, horizon) sample paths, in the history's units

    @property
    def horizon(self) -> int:
        return int(self.mean.shape[0])


def weekly(
    history: Sequence[float] | np.ndarray,
    horizon: int,
    *,
    level: float = 0.9,
    scenarios: int = 1000,
    seed: int = 0,
    season: int = SEASON_WEEKS,
) -> Forecast:
    """Forecasts `horizon` weeks after `history` (one value a week, oldest first, all ≥ 0).

    A week with no demand is taken as a tenth of the smallest non-zero week (a logarithm needs a
    positive number; the forecast of an almost empty lane is almost nothing either way).
    """
    y = np.asarray(history, dtype=float)
    if y.ndim != 1 or len(y) < MIN_WEEKS:
        raise ValueError(f"history: at least {MIN_WEEKS} weeks are needed, got {len(y)}")
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        raise ValueError("history: weekly demand must be finite and not negative")
    if horizon < 1:
        raise ValueError("horizon: at least one week")
    if not 0 < level < 1:
        raise ValueError("level: a share between 0 and 1")
    if not np.any(y > 0):
        zeros = np.zeros(horizon)
        return Forecast(
            "none (no demand)", level, zeros, zeros, zeros, np.zeros((scenarios, horizon))
        )
    floor = float(y[y > 0].min()) / 10
    logs = np.log(np.maximum(y, floor))

    from statsmodels.tsa.exponential_smoothing.ets import (  # type: ignore[import-untyped]  # noqa: PLC0415 (lazy: heavy)
        ETSModel,
    )

    seasonal = len(y) >= 2 * season
    model = ETSModel(
        logs,
        error="add",
        trend=None,
        seasonal="add" if seasonal else None,
        seasonal_periods=season if seasonal else None,
        # Initial states estimated with the rest (not the heuristic from the first two seasons):
        # the heuristic's noisy start made 90 % intervals cover about 75 % on synthetic series.
        initialization_method="estimated",
    )
    with warnings.catch_warnings():  # convergence chatter on short or flat series
        warnings.simplefilter("ignore")
        fit = model.fit(disp=False)
        paths = fit.simulate(
            horizon, repetitions=scenarios, anchor="end", rng=np.random.default_rng(seed)
        )
    sims = np.exp(np.asarray(paths, dtype=float).reshape(horizon, scenarios).T)
    tail = (1 - level) / 2
    return Forecast(
        # Hyndman's notation, the season's length in brackets; words are the page's (translated).
        model=f"ETS(A,N,A)[{season}]" if seasonal else "ETS(A,N,N)",
        level=level,
        mean=sims.mean(axis=0),
        lower=np.quantile(sims, tail, axis=0),
        upper=np.quantile(sims, 1 - tail, axis=0),
        scenarios=sims,
    )


def coverage(forecast: Forecast, actual: Sequence[float]) -> float:
    """Share of `actual` weeks inside the forecast's interval (its nominal share is `level`)."""
    a = np.asarray(actual, dtype=float)[: forecast.horizon]
    inside = (a >= forecast.lower[: len(a)]) & (a <= forecast.upper[: len(a)])
    return float(inside.mean()) if len(a) else math.nan
