"""Each kind of job end to end through its page (eager Celery): label batches, the CSV exports
(read in chunks, only the asker's rows), the FX import (atomic, field-named errors)."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.accounts.models import Role
from caravana.console import exports
from caravana.fulfillment.models import Bag, Parcel
from caravana.fulfillment.services import hub_steps
from caravana.jobs.models import Job
from caravana.network.models import Flight
from caravana.pricing.models import FxRate
from tests import factories as f
from tests.fulfillment.conftest import parcel_data
from tests.jobs.conftest import client_for

pytestmark = pytest.mark.django_db


def _job_from(response) -> Job:
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith("/jobs/")
    return Job.objects.get(pk=int(response["Location"].split("/")[2]))


def _download(client, job: Job) -> bytes:
    r = client.get(f"/jobs/{job.pk}/download/")
    assert r.status_code == 200 and r["Cache-Control"] == "private, no-store"
    return b"".join(r.streaming_content)


def _csv(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_label_batch_is_a_job_with_one_page_a_parcel(make_parcel, merchant):
    mine = [make_parcel() for _ in range(3)]
    c = client_for(merchant.members.get().user)
    job = _job_from(c.post("/console/parcels/labels/", {"s10": [p.s10 for p in mine]}))
    assert job.state == "done" and (job.done, job.total) == (3, 3)
    body = _download(c, job)
    assert (
        body.startswith(b"%PDF") and body.count(b"/Type /Page\n") + body.count(b"/Type /Page ") == 3
    )
    page = c.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="download"' in page and "3 labels." in page
    assert "sectionnav" in page  # the console's header


def test_a_label_batch_of_someone_elses_parcels_fails_clearly(make_parcel, merchant, network):
    theirs = make_parcel()
    other = f.merchant(staff=f.user(Role.MERCHANT))
    c = client_for(other.members.get().user)
    job = _job_from(c.post("/console/parcels/labels/", {"s10": [theirs.s10]}))
    assert job.state == "failed" and job.error.startswith("s10: ")
    assert c.post("/console/parcels/labels/", {}).status_code == 302  # nothing chosen: back
    assert Job.objects.count() == 1


def test_the_merchants_parcels_csv_has_only_its_own_rows_read_in_chunks(
    make_parcel, merchant, monkeypatch
):
    for _ in range(5):
        make_parcel()
    make_parcel(recipient_name="=HYPERLINK(1)")
    from caravana.fulfillment.services import parcels as parcel_services

    parcel_services.create_parcel(f.merchant(), parcel_data())
    monkeypatch.setattr(exports, "CHUNK", 2)
    c = client_for(merchant.members.get().user)
    with CaptureQueriesContext(connection) as q:
        job = _job_from(c.post("/console/exports/parcels/", {"state": ""}))
    chunks = [s for s in q.captured_queries if 'FROM "fulfillment_parcel"' in s["sql"]]
    assert len(chunks) == 1 + 3 + 1  # the count, three chunks of two, the empty end
    assert all("LIMIT 2" in s["sql"] for s in chunks[1:])
    rows = _csv(_download(c, job))
    assert len(rows) == 6 and job.message == "6 rows."
    assert {r["s10"] for r in rows} == set(
        Parcel.objects.filter(merchant=merchant).values_list("s10", flat=True)
    )


def test_the_operators_manifest_is_the_flights_parcels(hub_user, make_parcel, network):
    parcels = [make_parcel() for _ in range(3)]
    for p in parcels[:2]:
        hub_steps.receive(hub_user, p.s10, 500, 20, 15, 10)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
    flight = Flight.objects.filter(origin="SZX").first()
    Bag.objects.filter(pk=bag.pk).update(planned_flight=flight)
    c = client_for(f.user(Role.OPERATOR))
    assert c.get("/operations/exports/").status_code == 200
    job = _job_from(c.post("/operations/exports/", {"flight": flight.pk, "hub": "", "state": ""}))
    rows = _csv(_download(c, job))
    assert {r["s10"] for r in rows} == {p.s10 for p in parcels[:2]}
    assert {r["bag_identifier"] for r in rows} == {bag.identifier}
    bad = c.post("/operations/exports/", {"flight": "999999"})
    assert bad.status_code == 422 and "Choose a flight from the list." in bad.content.decode()
    merchant_user = f.user(Role.MERCHANT)
    assert client_for(merchant_user).get("/operations/exports/").status_code == 403


GOOD = (
    b"date,base,quote,rate,source\n2026-01-05,USD,CLP,912.40,BCCh\n2026-01-05,USD,PEN,3.71,BCRP\n"
)
BAD = b"date,base,quote,rate,source\n2026-01-05,USD,CLP,912.40,BCCh\n2026-01-05,USD,PEN,abc,BCRP\n"


def _upload(c, body: bytes, name: str = "rates.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return c.post(
        "/operations/fx/",
        {"format": "csv", "source": "", "file": SimpleUploadedFile(name, body, "text/csv")},
    )


def test_an_fx_file_is_imported_whole_by_a_job():
    c = client_for(f.user(Role.OPERATOR))
    before = FxRate.objects.count()
    job = _job_from(_upload(c, GOOD))
    assert job.state == "done" and job.message == "2 rates imported."
    assert FxRate.objects.count() == before + 2
    assert str(FxRate.objects.get(quote="PEN", date="2026-01-05").rate) == "3.7100000000"
    assert "USD/CLP" in c.get("/operations/fx/").content.decode()


def test_an_fx_file_with_one_bad_line_saves_nothing_and_names_the_line_and_field():
    c = client_for(f.user(Role.OPERATOR))
    before = FxRate.objects.count()
    job = _job_from(_upload(c, BAD))
    assert job.state == "failed"
    assert job.error == "file: line 3: rate 'abc' is not a number"
    assert FxRate.objects.count() == before
    assert "line 3: rate" in c.get(f"/jobs/{job.pk}/").content.decode()


def test_the_fx_form_refuses_an_empty_file_and_non_operators():
    c = client_for(f.user(Role.OPERATOR))
    r = _upload(c, b"")
    assert r.status_code == 422 and Job.objects.count() == 0
    assert 'data-field="file"' in r.content.decode() and "errorlist" in r.content.decode()
    assert _upload(client_for(f.user(Role.MERCHANT)), GOOD).status_code == 403
    assert Job.objects.count() == 0


def test_the_merchants_orders_csv_has_its_orders_and_money_as_decimals(market):
    from caravana.catalog import services as catalog
    from caravana.network.seed import seed_network
    from tests.fulfillment.conftest import TODAY
    from tests.orders.support import buyer, place

    seed_network(TODAY)
    a, b = market
    place(buyer(), lines=[(a.pk, 1)])
    place(buyer(), lines=[(b.pk, 2)])  # another merchant's order
    staff = f.user(Role.MERCHANT)
    catalog.add_member(a.product.store.merchant, staff)
    c = client_for(staff)
    job = _job_from(c.post("/console/exports/orders/", {"status": ""}))
    (row,) = _csv(_download(c, job))
    order = a.product.store.merchant.orders.get()
    assert row["number"] == order.number and row["total"] == str(order.total)
    assert row["currency"] == "BRL"
