"""A season replayed (twin/charters.py): the recommendation's expected cost is below both naive
policies', and the replay is repeatable."""

import datetime as dt

from caravana.twin import charters


def test_replay_compares_three_policies():
    run = lambda: charters.replay(  # noqa: E731
        dt.date(2026, 11, 9), weeks=4, parcels_per_day=400_000, seed=3, history_weeks=60,
        scenarios=200, countries=("BR", "PE"),
    )  # fmt: skip
    rep = run()
    totals = rep.totals()
    assert len(rep.rows) == 8 and set(totals) == {"recommended", "mean", "peak"}
    best = totals["recommended"]["expected_usd"]
    assert best <= totals["mean"]["expected_usd"] and best <= totals["peak"]["expected_usd"]
    assert totals["peak"]["committed"] >= totals["mean"]["committed"]
    assert all(0 < t["on_time"] <= 1 for t in totals.values())
    assert run().totals() == totals  # seeded
