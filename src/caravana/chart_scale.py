"""The round top of a chart's scale, shared by the SVG charts drawn without a library (clearance,
the twin's report, the forecast, the charter replay): a reader compares bars against round
ticks, so the scale ends on m × 10^n rather than on the data's highest value."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: 1, 2, 2.5 and 5: each splits into round quarters or fifths.
ROUND = (1.0, 2.0, 2.5, 5.0)


def nice_top(top: float, mantissas: Sequence[float] = ROUND) -> float:
    """The least m × 10^n (m from `mantissas`, or 10) at or above `top`; 1 for nothing to draw."""
    if not top > 0 or math.isinf(top):
        return 1.0
    step = 10.0 ** math.floor(math.log10(top))
    for m in (*mantissas, 10.0):
        if m * step >= top * (1 - 1e-12):  # 0.3 read as 0.30000000000000004 stays 0.3
            return m * step
    return 10.0 * step  # pragma: no cover
