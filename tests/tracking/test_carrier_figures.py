"""The pure carrier figures (tracking.carrier_figures): percentiles over counted hours agree with
the standard library's, shares have no figure for no parcels, and rows group per country and
carrier."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caravana.tracking.carrier_figures import (
    Bucket,
    Figures,
    by_country,
    chart_rows,
    percent,
    quantile,
    share,
    summarise,
)

hours = st.lists(st.integers(min_value=0, max_value=2000), min_size=2, max_size=60)


@given(hours)
def test_median_and_p90_match_the_standard_library(values):
    histogram: dict[int, int] = {}
    for v in values:
        histogram[v] = histogram.get(v, 0) + 1
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    assert quantile(list(histogram.items()), 0.9) == pytest.approx(cuts[8])
    assert quantile(list(histogram.items()), 0.5) == pytest.approx(statistics.median(values))


def test_quantile_edges():
    assert quantile([], 0.5) is None
    assert quantile([(7, 0)], 0.5) is None
    assert quantile([(5, 1)], 0.9) == 5
    assert quantile([(1, 1), (3, 1)], 0.0) == 1
    assert quantile([(1, 1), (3, 1)], 1.0) == 3
    assert quantile([(3, 2), (1, 2)], 0.5) == 2  # unsorted input
    with pytest.raises(ValueError):
        quantile([(1, 1)], 1.5)


def test_no_parcels_has_no_share_rather_than_zero():
    assert share(0, 0) is None
    assert percent(None) is None
    assert percent(share(2, 3)) == 67
    assert percent(0.995) == 100
    assert percent(0.004) == 0


def test_figures_per_carrier_and_country():
    rows = [
        Bucket("MX", 7, "Estafeta", 48, 3, 2, 3),
        Bucket("MX", 7, "Estafeta", None, 1, 1, 0),  # no handover known
        Bucket("MX", 8, "99minutos", 24, 5, 5, 4),
        Bucket("BR", 1, "Correios", 120, 2, 1, 1),
    ]
    est = next(f for f in summarise(rows) if f.carrier == "Estafeta")
    assert (est.volume, est.first_attempt, est.within_promise, est.timed) == (4, 3, 3, 3)
    assert (est.median_days, est.p90_days) == (2.0, 2.0)
    assert est.first_attempt_pct == 75 and est.within_promise_pct == 75
    countries = by_country(rows, ["BR", "MX"])
    assert [c.code for c in countries] == ["BR", "MX"]
    mx = countries[1]
    assert [f.carrier for f in mx.carriers] == ["99minutos", "Estafeta"]  # busiest first
    assert (mx.total.volume, mx.total.first_attempt, mx.total.timed) == (9, 8, 8)
    assert mx.total.median_days == 1.0  # 5 × 24 h and 3 × 48 h: the 4th and 5th are 24 h
    assert mx.total.carrier_id is None


def test_chart_rows_share_one_scale():
    slow = Figures("BR", 1, "A", 4, 4, 4, 4, 3.0, 8.0)
    fast = Figures("BR", 2, "B", 4, 4, 4, 4, 1.0, 2.0)
    untimed = Figures("BR", 3, "C", 1, 1, 1, 0, None, None)
    rows, end = chart_rows([("A", slow), ("B", fast), ("C", untimed)])
    assert end == 8.0
    assert [(r.median_width, r.p90_width) for r in rows] == [(37.5, 100.0), (12.5, 25.0), (0, 0)]
    assert chart_rows([])[1] == 1.0
