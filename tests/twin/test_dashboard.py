"""The operators' network dashboard: a run's KPIs kept through twin.services.record_run, drawn
again with report.py's own code, shown to planners and operators only, and downloaded as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.twin import kpis, report, services
from caravana.twin import params as P
from caravana.twin.model import Run, Simulation
from caravana.twin.models import SimulationRun
from tests import factories as f

pytestmark = pytest.mark.django_db
NOV_9 = dt.date(2026, 11, 9)


@pytest.fixture(scope="module")
def sim() -> Simulation:
    sim = Simulation(Run(2, 2_000, 5, NOV_9))
    sim.run_all()
    return sim


def _record(sim: Simulation) -> SimulationRun:
    kept = services.record_run(
        mode="fast", run=sim.run, sim=sim, counters=sim.counters, started=timezone.now(),
        meta={"parcels_simulated": sim.created},
    )  # fmt: skip
    return SimulationRun.objects.get(pk=kept.pk)  # as the page reads it: through JSON


def test_a_kept_run_holds_the_report_and_draws_its_charts(sim):
    run = _record(sim)
    window = range(*sim.window)
    refund = sim.run.params.order_value_usd
    assert run.from_date == NOV_9 and run.days == 2
    assert run.summary == kpis.summary(sim.counters, window, refund)
    assert sum(lane["parcels_in"] for lane in run.lanes) == run.summary["parcels_in"] > 0
    assert sum(lane["customs_holds"] for lane in run.lanes) == run.summary["customs_holds"]
    assert sum(run.final_status.values()) == sim.created
    dates = [(sim.start + dt.timedelta(days=k)).date().isoformat() for k in range(400)]
    drawn = report.charts(sim.counters, window, dates)
    assert {c["name"]: report.draw(c, report.TITLES[c["name"]]) for c in run.charts} == drawn
    assert run.rows("parcels") == kpis.parcel_rows(sim.counters, window, dates, refund)
    assert list(run.rows("waiting")[0])[:3] == ["date", "lane", "country"]  # as kpis.py wrote
    assert run.rows("hubs") == kpis.hub_rows(sim.counters, window, dates)


def test_operators_and_planners_see_the_latest_run(client, sim):
    older, latest = _record(sim), _record(sim)
    client.force_login(f.user(Role.OPERATOR))
    page = client.get("/operations/network/")
    assert page.status_code == 200 and page.context["run"] == latest
    html = page.content.decode()
    drawn = html.count('<div class="chart-scroll" tabindex="0" role="region"')
    assert drawn + html.count('<figure class="chart-empty"') == 5 and drawn >= 4
    assert html.count('<details class="chart-figures">') == drawn
    # each origin hub with its share of its receiving capacity as a bar, Yiwu's flying from HGH
    hubs = page.context["hubs"]
    assert [h["hub"] for h in hubs] == list(P.HUBS)
    yiwu = next(h for h in hubs if h["hub"] == "YIW-HUB")
    assert yiwu["airport"] == "HGH" and yiwu["used_pct"] > 0
    assert yiwu["bar_pct"] == min(100.0, yiwu["used_pct"])
    assert '<table class="figures" data-testid="hubs">' in html
    assert f'<rect width="{yiwu["bar_pct"]}" height="10"/>' in html
    assert f"<small>{yiwu['used_pct']} %</small>" in html
    assert f"{latest.summary['parcels_in']:,}" in html
    assert f'href="/operations/network/runs/{older.pk}/"' in html
    mine = latest.summary["flights_of_its_parcels"]  # the flights its parcels took, read
    assert 'data-testid="flights-of-its-parcels"' in html
    assert f"US$ {mine['cost_per_kg_usd']:.2f} a kg" in html
    assert client.get(f"/operations/network/runs/{older.pk}/").context["run"] == older
    client.force_login(f.user(Role.PLANNER))
    assert client.get("/operations/network/").status_code == 200
    client.force_login(f.user(Role.BUYER))
    assert client.get("/operations/network/").status_code == 403


def test_a_run_kept_before_hubs_were_counted_shows_no_hub_table(client, sim):
    """Its page has no hub table nor link, and its hubs.csv is not found (not an empty file)."""
    run = _record(sim)
    SimulationRun.objects.filter(pk=run.pk).update(hub_rows={})
    client.force_login(f.user(Role.OPERATOR))
    html = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    assert 'data-testid="hubs"' not in html and "hubs.csv" not in html
    assert client.get(f"/operations/network/runs/{run.pk}/hubs.csv").status_code == 404
    assert client.get(f"/operations/network/runs/{run.pk}/parcels.csv").status_code == 200


def test_the_page_says_when_there_is_no_run(client):
    client.force_login(f.user(Role.OPERATOR))
    assert b'data-testid="no-runs"' in client.get("/operations/network/").content


def test_rows_download_as_csv(client, sim):
    run = _record(sim)
    client.force_login(f.user(Role.OPERATOR))
    got = client.get(f"/operations/network/runs/{run.pk}/parcels.csv")
    assert got["Content-Type"].startswith("text/csv")
    body = b"".join(got.streaming_content)
    assert body.startswith("\ufeff".encode())  # a BOM, as every export
    assert 'filename="twin-run-' in got["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(rows[0])[:4] == ["date", "country", "lane", "service"]
    assert (
        len(rows) == len(run.parcel_rows["rows"])
        and rows[0]["lane"] == run.rows("parcels")[0]["lane"]
    )
    assert sum(int(r["parcels_in"]) for r in rows) == run.summary["parcels_in"]
    assert client.get(f"/operations/network/runs/{run.pk}/secrets.csv").status_code == 404


def test_the_line_of_its_parcels_flights_names_charters_only_when_they_flew(client, sim):
    run = _record(sim)
    client.force_login(f.user(Role.OPERATOR))
    assert "no charter" in client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    summary = run.summary
    summary["flights_of_its_parcels"] |= {"charter_fill_kg": 0.5, "charter_fill_m3": 0.75}
    SimulationRun.objects.filter(pk=run.pk).update(summary=summary)
    html = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    assert "charters 50.0\u00a0% full by weight and 75.0\u00a0% by volume" in html
    assert "no charter" not in html


def test_a_history_run_says_its_outcomes_after_midnight_are_projected(client, sim):
    """The demo's history stops at midnight: the page says that what comes after is the
    twin's projection, and counts what is still at the hubs as not flown by midnight."""
    run = _record(sim)
    client.force_login(f.user(Role.PLANNER))
    page = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    assert 'data-testid="history-note"' not in page and "Never flew in the run" in page
    SimulationRun.objects.filter(pk=run.pk).update(mode=SimulationRun.Mode.HISTORY)
    client.cookies["django_language"] = "en"
    page = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    assert 'data-testid="history-note"' in page and "projection" in page
    assert "Not flown by midnight" in page


def test_the_page_counts_in_words_and_says_when_the_list_of_runs_is_cut(client, sim):
    """One day is "1 day", a mean day of one parcel "1 parcel"; past twenty runs the list's
    heading says it shows the latest twenty; a leg table's m³ keeps a decimal."""
    run = _record(sim)
    SimulationRun.objects.filter(pk=run.pk).update(days=1, parcels_per_day=1)
    client.force_login(f.user(Role.PLANNER))
    client.cookies["django_language"] = "en"
    page = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    assert "· 1 day from" in page and "1 parcel on a mean day" in page
    assert "The latest" not in page
    for _ in range(20):
        _record(sim)
    page = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    assert "The latest 20 of 21 runs" in page
    legs = report.lane_totals(run.rows("flights"))
    assert any(r["m3"] != round(r["m3"]) for r in legs)  # not whole m³ any more


def test_charts_write_numbers_and_days_as_the_reader_does(client, sim):
    """In Spanish the charts' figures take a decimal comma and the days their month's name: the
    files' "11-09" read as 11 September there, and "57.1%" was English."""
    run = _record(sim)
    client.force_login(f.user(Role.PLANNER))
    client.cookies["django_language"] = "es"
    page = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    charts = page[page.index('<figure class="chart"') : page.index('id="lanes-heading"')]
    assert "9 nov" in charts and "11-09" not in charts
    assert re.search(r"<title>[^<]*: \d+,\d\u00a0%</title>", charts)  # on time: "97,5 %"
    assert not re.search(r"<title>[^<]*: \d+\.\d%</title>", charts)
    client.cookies["django_language"] = "en"
    page = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    assert "Nov 9" in page
    # the report's own files keep their plain figures (report.charts, compared above)
    assert report.draw(run.charts[0], "t") == report.charts(
        sim.counters,
        range(*sim.window),
        [(sim.start + dt.timedelta(days=k)).date().isoformat() for k in range(400)],
    )[run.charts[0]["name"]].replace(report.TITLES[run.charts[0]["name"]], "t")


def test_each_chart_has_its_figures_and_one_with_nothing_to_draw_says_so(client, sim):
    """Each chart's figures, day by day, as a table under it (its text equivalent, in the
    reader's numbers); a window in which no charter flew says so instead of drawing empty
    axes."""
    run = _record(sim)
    client.force_login(f.user(Role.PLANNER))
    client.cookies["django_language"] = "es"
    page = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    on_time = page[page.index('data-testid="chart-on_time"') :]
    on_time = on_time[: on_time.index("</figure>")]
    spec = next(c for c in run.charts if c["name"] == "on_time")
    assert on_time.count('<tr><th scope="row">') == len(spec["labels"])
    premium = dict(spec["series"])["premium"]
    first = next(v for v in premium if v is not None)
    assert f"{100 * first:.1f}".replace(".", ",") + "\u00a0%" in on_time
    for c in run.charts:
        if c["name"] == "fill":
            c["series"] = [[name, [None] * len(vs)] for name, vs in c["series"]]
    run.save(update_fields=["charts"])
    client.cookies["django_language"] = "en"
    page = client.get(f"/operations/network/runs/{run.pk}/").content.decode()
    fill = page[page.index('data-testid="chart-fill"') :]
    fill = fill[: fill.index("</figure>")]
    assert "<svg" not in fill and "<details" not in fill
    assert "No charter flew on these days: there is no fill to draw." in fill
