"""The charts' round scale top."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caravana.chart_scale import ROUND, nice_top


@pytest.mark.parametrize(
    ("top", "mantissas", "expected"),
    [
        (0, ROUND, 1.0),
        (-3, ROUND, 1.0),
        (float("nan"), ROUND, 1.0),
        (0.3, ROUND, 0.5),
        (1, ROUND, 1.0),
        (1.01, ROUND, 2.0),
        (2.2, ROUND, 2.5),
        (1000, ROUND, 1000.0),
        (7_300_000, ROUND, 10_000_000.0),
        (7_300_000, (1, 2, 3, 4, 6, 8), 8_000_000.0),
        (2.2, (1, 2, 5), 5.0),
        (0.3, (1, 2, 5), 0.5),
    ],
)
def test_known_tops(top, mantissas, expected):
    assert nice_top(top, mantissas) == pytest.approx(expected)


@given(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False))
def test_the_least_round_top_at_or_above(top):
    got = nice_top(top)
    assert got >= top * (1 - 1e-9)
    exponent = math.floor(math.log10(got) + 1e-12)
    mantissa = got / 10**exponent
    assert any(math.isclose(mantissa, m) for m in (*ROUND, 10.0))
    # no round number below it reaches `top`
    candidates = [m * 10.0**e for e in range(exponent - 1, exponent + 1) for m in (*ROUND, 10.0)]
    assert not any(top * (1 + 1e-9) <= c < got * (1 - 1e-9) for c in candidates)
