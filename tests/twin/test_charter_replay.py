"""A season replayed (twin/charters.py): the recommendation's expected cost is below both naive
policies', and the replay is repeatable."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from caravana.twin import charters
from caravana.twin import params as P

LANES = tuple(lane for lane in P.DEFAULT.lanes() if lane.country in ("BR", "PE"))


def test_replay_compares_three_policies():
    run = lambda: charters.replay(  # noqa: E731
        dt.date(2026, 11, 9), weeks=4, parcels_per_day=400_000, seed=3, history_weeks=60,
        scenarios=200, lanes=LANES,
    )  # fmt: skip
    rep = run()
    totals = rep.totals()
    # Brazil's two lanes (GRU, and VCP for its economy parcels) and Peru's, four weeks each
    assert [lane.name for lane in LANES] == ["SZX-GRU", "SZX-VCP", "SZX-LIM"]
    assert len(rep.rows) == 12 and set(totals) == {"recommended", "mean", "peak"}
    # Brazil's lanes share its market: each week's kg split 70 / 30 (premium and standard,
    # economy: params.SERVICE_SHARE)
    gru, vcp = ([r.actual_kg for r in rep.rows if r.lane.name == n] for n in ("SZX-GRU", "SZX-VCP"))
    assert all(g / v == pytest.approx(0.70 / 0.30) for g, v in zip(gru, vcp, strict=True))
    assert list(rep.history["SZX-VCP"] / rep.history["SZX-GRU"]) == pytest.approx(
        [0.30 / 0.70] * 60
    )
    # a lane's weeks and choices are its own, whichever lanes are replayed beside it
    alone = charters.replay(
        dt.date(2026, 11, 9), weeks=4, parcels_per_day=400_000, seed=3, history_weeks=60,
        scenarios=200, lanes=LANES[2:],
    )  # fmt: skip
    lima = [r for r in rep.rows if r.lane.name == "SZX-LIM"]
    assert [(r.actual_kg, r.mean_kg, r.choices) for r in alone.rows] == [
        (r.actual_kg, r.mean_kg, r.choices) for r in lima
    ]
    best = totals["recommended"]["expected_usd"]
    assert best <= totals["mean"]["expected_usd"] and best <= totals["peak"]["expected_usd"]
    assert totals["peak"]["committed"] >= totals["mean"]["committed"]
    assert all(0 < t["on_time"] <= 1 for t in totals.values())
    assert run().totals() == totals  # seeded


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("seed", -1),
        ("weeks", 53),
        ("scenarios", 5),
        ("scenarios", 10**9),
        ("parcels_per_day", 0),
        ("from_date", "2024-11-04"),  # a Monday, but its history reaches back to 2021
        ("from_date", "2030-12-02"),  # its season ends in 2031
        ("from_date", "0001-01-01"),  # a Monday: its history would start before the first date
        ("from_date", "9999-12-27"),  # a Monday: its season would end after the last date
    ],
)
def test_replay_command_refuses_what_it_cannot_run_naming_the_option(tmp_path, option, value):
    out = tmp_path / "report"
    with pytest.raises(CommandError, match=f"--{option.replace('_', '-')}"):
        call_command("replay_charters", out=str(out), **{option: value})
    assert not out.exists()


def test_replay_command_refuses_an_out_it_cannot_write(tmp_path):
    a_file = tmp_path / "report.html"
    a_file.write_text("")
    with pytest.raises(CommandError, match="--out is a file"):
        call_command("replay_charters", weeks=1, scenarios=10, out=str(a_file))


def test_replay_command_writes_over_its_own_report_only_when_asked(tmp_path):
    (tmp_path / "summary.json").write_text('{"run": {}}')  # a simulate report, not a replay's
    with pytest.raises(CommandError, match="holds no report of this command"):
        call_command("replay_charters", weeks=1, scenarios=10, out=str(tmp_path), replace=True)
    (tmp_path / "summary.json").write_text('{"policies": {}}')
    with pytest.raises(CommandError, match="--out holds a report already"):
        call_command("replay_charters", weeks=1, scenarios=10, out=str(tmp_path))
    assert (tmp_path / "summary.json").read_text() == '{"policies": {}}'


def test_replay_command_without_out_writes_into_a_new_directory(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("replay_charters", weeks=1, scenarios=10, stdout=out)
    (run,) = (tmp_path / "twin").iterdir()
    assert run.name.startswith("charters-2026-11-09-1w-seed1-")
    assert "policies" in json.loads((run / "summary.json").read_text())
    assert out.getvalue().rstrip().endswith(f"report: {run}")
