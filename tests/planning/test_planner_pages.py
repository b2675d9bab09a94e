"""The planner over the database: closed bags become consignments, the plan is shown with fill
bars and the FIFO comparison, and committing books the flights."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.fulfillment.services import hub_steps
from caravana.planning import services
from caravana.planning.models import Booking, PlanRun
from caravana.planning.validate import assert_valid
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_bag(hub_user, make_parcel):
    bag = None
    for _ in range(3):
        p = make_parcel()
        hub_steps.receive(hub_user, p.s10, 500, 20, 15, 10)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
    return hub_steps.close_bag(hub_user, bag.identifier)


@pytest.fixture
def planner():
    c = Client()
    c.force_login(f.user(Role.PLANNER))
    return c


def window():
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=8)


def test_problem_from_the_database(closed_bag):
    problem = services.build_problem(*window())
    (c,) = problem["consignments"]
    assert c["id"] == f"bag-{closed_bag.pk}"
    assert (c["origin"], c["destination"], c["service"]) == ("SZX", "GRU", "standard")
    assert c["weight_kg"] == closed_bag.weight_g / 1000 and c["positions"] == 0
    assert {fl["origin"] for fl in problem["flights"]} >= {"SZX"}


def test_plan_books_the_bag_on_a_szx_gru_charter_and_commit_is_idempotent(closed_bag, planner):
    start, end = window()
    r = planner.post("/planning/run/", {"start": start.date(), "end": end.date()})
    assert r.status_code == 302 and r["Location"].startswith("/jobs/")
    run = PlanRun.objects.get()
    job = planner.get(r["Location"]).content.decode()  # eager Celery: already done
    assert 'data-state="done"' in job and f'href="/planning/runs/{run.pk}/"' in job
    assert_valid(services_problem(run), run.result)
    target = run.result["assignments"][f"bag-{closed_bag.pk}"]
    assert target and target.startswith("flight-")
    page = planner.get(f"/planning/runs/{run.pk}/").content.decode()
    assert 'data-testid="plan-summary"' in page
    assert "First-in first-out would cost" in page and 'class="bar"' in page
    assert 'data-testid="committed-only"' in page
    assert "First-in first-out on committed charters and belly only would cost" in page
    assert run.result["baseline"]["method"] == "fifo"
    assert run.result["baseline_committed_only"]["method"] == "fifo-committed"
    assert planner.post(f"/planning/runs/{run.pk}/commit/").status_code == 302
    assert planner.post(f"/planning/runs/{run.pk}/commit/").status_code == 302
    booking = Booking.objects.get()
    assert booking.bag_id == closed_bag.pk and f"flight-{booking.flight_id}" == target
    closed_bag.refresh_from_db()
    assert closed_bag.planned_flight_id == booking.flight_id  # on the bag itself
    load = planner.get(f"/planning/flights/{booking.flight_id}/").content.decode()
    assert closed_bag.identifier in load and 'data-testid="planned-load"' in load
    listing = planner.get("/planning/", {"start": start.date(), "end": end.date()})
    assert listing.status_code == 200 and 'class="bar"' in listing.content.decode()


def services_problem(run):
    from caravana.planning.problem import problem_from_json

    return problem_from_json(run.problem)


def test_only_planners_and_operators_plan(closed_bag):
    assert Client().get("/planning/").status_code == 302
    for role in (Role.BUYER, Role.MERCHANT, Role.HUB):
        c = Client()
        c.force_login(f.user(role))
        assert c.get("/planning/").status_code == 403
        assert c.post("/planning/run/").status_code == 403
    assert not PlanRun.objects.exists()


def test_bad_window_is_refused_and_nothing_runs(planner):
    r = planner.post("/planning/run/", {"start": "2026-12-10", "end": "2026-12-01"})
    assert r.status_code == 422 and "end" in r.content.decode().lower()
    r = planner.post("/planning/run/", {"start": "2026-12-01", "end": "2027-02-01"})
    assert r.status_code == 422
    assert not PlanRun.objects.exists()


def test_a_run_saved_before_the_second_baseline_still_shows(closed_bag, planner):
    start, end = window()
    planner.post("/planning/run/", {"start": start.date(), "end": end.date()})
    run = PlanRun.objects.get()
    del run.result["baseline_committed_only"]
    run.save(update_fields=["result"])
    page = planner.get(f"/planning/runs/{run.pk}/").content.decode()
    assert "First-in first-out would cost" in page
    assert 'data-testid="committed-only"' not in page


def test_fill_bars_stay_valid_css_in_portuguese(closed_bag, planner):
    import re

    start, end = window()
    planner.cookies["django_language"] = "pt-br"
    planner.post("/planning/run/", {"start": start.date(), "end": end.date()})
    html = planner.get(f"/planning/runs/{PlanRun.objects.get().pk}/").content.decode()
    widths = re.findall(r'<rect width="([^"]*)"', html)
    assert widths and all(re.fullmatch(r"\d+(\.\d+)?", w) for w in widths)
    assert "5Y8301" in html  # flights by number


def test_an_overdue_bag_is_due_now_and_flies_rather_than_waits(closed_bag):
    """A bag labelled a month ago and closed twenty days ago is long overdue. Priced from its
    old due time, every flight charged lateness it had already incurred, more than the flat
    penalty for leaving it: the planner left it behind at every plan, the later, the surer
    (problem.due_for_planning, the rule the twin applied alone)."""
    from caravana.fulfillment.models import Bag, Parcel
    from caravana.planning.problem import problem_from_json
    from caravana.planning.solver import solve

    Parcel.objects.filter(bag=closed_bag).update(created_at=timezone.now() - dt.timedelta(days=30))
    # closed twenty days ago, and waiting since
    Bag.objects.filter(pk=closed_bag.pk).update(closed_at=timezone.now() - dt.timedelta(days=20))
    before = timezone.now()
    problem = services.build_problem(*window())
    (c,) = problem["consignments"]
    assert dt.datetime.fromisoformat(c["due_at"]) >= before - dt.timedelta(seconds=1)
    # only a belly offer at half the site's penalty for leaving a kg behind: with its two days
    # in the air late from now it is cheaper to fly; with the month's lateness again, dearer
    departs = timezone.now() + dt.timedelta(hours=6)
    problem["flights"] = []
    problem["belly"] = [{
        "id": "belly-1", "origin": "SZX", "destination": "GRU",
        "departs_at": departs.isoformat(),
        "arrives_at": (departs + dt.timedelta(hours=40)).isoformat(),
        "capacity_kg": 5000, "capacity_m3": 50.0,
        "price_per_kg_usd": 0.5 * services.DEFAULT_PENALTIES["unshipped_per_kg_usd"],
    }]  # fmt: skip
    plan = solve(problem_from_json(problem), 10)
    assert plan.assignments == {c["id"]: "belly-1"}


def test_the_sites_default_penalties_are_those_the_hand_tests_count() -> None:
    """test_hand counts an overdue premium bag at the site's defaults by hand (decision 0049):
    a change to them must be counted there again."""
    from tests.planning.test_hand import SITE_PENALTIES

    assert services.DEFAULT_PENALTIES == SITE_PENALTIES
