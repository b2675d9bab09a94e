"""Every kind of job through a real Celery worker (a thread, solo pool, the in-memory broker as
in tests/test_request_ids.py): the request only queues the job, the page polls while it is
queued, and the worker's progress and outcome reach the row the page reads."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from caravana.accounts.models import Role
from caravana.fulfillment.services import hub_steps
from caravana.jobs.models import Job
from caravana.planning.models import PlanRun
from caravana.pricing.models import FxRate
from tests import factories as f
from tests.jobs.conftest import client_for
from tests.jobs.test_kinds import GOOD

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(pks: list[int], seconds: float = 90) -> list[Job]:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        jobs = list(Job.objects.filter(pk__in=pks).order_by("pk"))
        if all(j.finished for j in jobs):
            return jobs
        time.sleep(0.2)
    raise AssertionError(f"jobs still running: {list(Job.objects.values('pk', 'state'))}")


def _pk(response) -> int:
    assert response.status_code == 302, response.content[:300]
    return int(response["Location"].split("/")[2])


def test_each_kind_runs_in_a_real_worker(broker, hub_user, make_parcel, merchant, media_root):
    parcels = [make_parcel() for _ in range(3)]
    for p in parcels:
        hub_steps.receive(hub_user, p.s10, 500, 20, 15, 10)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
    hub_steps.close_bag(hub_user, bag.identifier)
    seller = client_for(merchant.members.get().user)
    operator = client_for(f.user(Role.OPERATOR))
    planner = client_for(f.user(Role.PLANNER))
    today = timezone.now().date()
    pks = [
        _pk(planner.post("/planning/run/", {"start": str(today)})),
        _pk(seller.post("/console/parcels/labels/", {"s10": [p.s10 for p in parcels]})),
        _pk(seller.post("/console/exports/parcels/", {})),
        _pk(seller.post("/console/exports/orders/", {})),
        _pk(operator.post("/operations/exports/", {"hub": "", "flight": "", "state": ""})),
        _pk(
            operator.post(
                "/operations/fx/",
                {"format": "csv", "file": SimpleUploadedFile("r.csv", GOOD, "text/csv")},
            )
        ),
    ]
    # Queued, not run: the requests returned without doing the work.
    assert set(Job.objects.values_list("state", flat=True)) == {"queued"}
    r = seller.get(f"/jobs/{pks[1]}/progress/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "Waiting for a worker" in r.content.decode()
    with broker():
        jobs = wait_for(pks)
    assert [(j.kind, j.state, j.error) for j in jobs] == [(j.kind, "done", "") for j in jobs]
    plan = PlanRun.objects.get()
    assert jobs[0].result_url == f"/planning/runs/{plan.pk}/" and jobs[0].done == 3
    assert (jobs[1].done, jobs[1].total) == (3, 3) and jobs[1].result_file
    assert jobs[2].message == "3 rows." and jobs[3].message == "0 rows."
    assert jobs[4].message == "3 rows."
    assert FxRate.objects.filter(quote__in=["CLP", "PEN"], date="2026-01-05").count() == 2
    r = planner.get(f"/jobs/{pks[0]}/progress/", HTTP_HX_REQUEST="true")
    assert r.status_code == 286 and r["HX-Redirect"] == f"/planning/runs/{plan.pk}/"
