"""A network twin's planning cycle on the planner's pages, in a real Chromium: the planner's list
marks it as simulated, its page shows the plan (charters, belly space, costs, baselines) with a
note instead of the commit button, axe passes at 1366 and 320 px in English and Portuguese, and
nothing sticks out sideways at 390 px. Screenshots of both widths go to var/ (not committed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from caravana.accounts.models import Role
from caravana.planning import services as planning_services
from caravana.planning.models import PlanRun
from caravana.planning.problem import problem_to_json
from caravana.planning.solver import run_plan
from caravana.twin import params as P
from caravana.twin.model import FastNetwork, Run, Simulation
from tests import factories as f
from tests.browser.axe import overflow, sticking_out
from tests.browser.journey import WIDTHS
from tests.browser.test_accessibility import auditor  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VAR = Path(__file__).resolve().parents[2] / "var"


class _FirstCycle(FastNetwork):
    """Fast mode that keeps its planning problems (the real mode keeps each as a plan run)."""

    problems: list

    def plan(self, problem, at):
        self.problems.append(problem)
        return super().plan(problem, at)


@pytest.fixture
def twin_run():
    params = dataclasses.replace(P.DEFAULT, warmup_days=1)
    net = _FirstCycle(params)
    net.problems = []
    sim = Simulation(Run(1, 300, 4, dt.date(2026, 11, 9), params), net)
    for _ in range(3):
        sim.step()
    problem = next(p for p in net.problems if p.consignments)
    data = problem_to_json(problem)
    result = run_plan(data, params.planner_seconds, params.planner_method)
    planner = f.user(Role.PLANNER, username="pia")
    start = min(fl.departs_at for fl in problem.flights)
    return planning_services.keep(
        planner, start, start + dt.timedelta(days=2), data, result, source=PlanRun.Source.TWIN
    )


def test_a_twin_cycle_reads_as_simulated_and_cannot_be_committed(auditor, twin_run):  # noqa: F811
    for locale in ("en-US", "pt-BR"):
        a = auditor(locale)
        a.login("pia")
        a.visit("/planning/")
        listing = a.page.locator("body").inner_text()
        assert ("simulated by the network twin" if locale == "en-US"
                else "simulado pelo gêmeo da rede") in listing  # fmt: skip
        a.visit(f"/planning/runs/{twin_run.pk}/")
        page = a.page
        assert page.get_by_test_id("simulated").is_visible()
        assert page.get_by_test_id("commit").count() == 0
        assert not a.problems, a.problems
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(150)
            assert overflow(page) <= 0, (width, sticking_out(page))
            VAR.mkdir(exist_ok=True)
            page.screenshot(path=str(VAR / f"twin-plan-run-{locale}-{width}.png"),
                            full_page=True)  # fmt: skip
