import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caravana.accounts import services as accounts
from caravana.accounts.models import Role
from caravana.fulfillment.models import Parcel, Uld
from caravana.fulfillment.services import hub_steps
from caravana.network.models import Flight, UldType
from tests import factories as f
from tests.fulfillment.conftest import TODAY, first_position, parcel_data

pytestmark = pytest.mark.django_db


def bearer(user):
    _token, secret = accounts.create_token(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def merchant_auth(merchant):
    return bearer(merchant.members.get().user)


def test_merchant_creates_parcel_and_fetches_label(network, merchant_auth):
    c = Client()
    r = c.post("/api/v1/parcels", parcel_data(), content_type="application/json", **merchant_auth)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["s10"].startswith("HC") and body["sort_code"] == "GRU-CORREIOS"
    assert body["items"][0]["hs_code"] == "851830"
    r = c.get(f"/api/v1/parcels/{body['s10']}/label.pdf", **merchant_auth)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    r = c.post(
        "/api/v1/labels", {"s10": [body["s10"]]}, content_type="application/json", **merchant_auth
    )
    assert r.status_code == 202 and r.json()["url"] == r["Location"]
    with CaptureQueriesContext(connection) as q:
        r = c.get("/api/v1/parcels", **merchant_auth)
    assert r.status_code == 200 and r.json()["count"] == 1
    assert len(q) <= 6


def test_bad_parcel_is_422_naming_the_field(network, merchant_auth):
    data = parcel_data(recipient_country="US")
    data["items"][0]["hs_code"] = "123456"
    r = Client().post("/api/v1/parcels", data, content_type="application/json", **merchant_auth)
    assert r.status_code == 422
    locs = {tuple(d["loc"]) for d in r.json()["detail"]}
    assert ("body", "recipient_country") in locs and ("body", "items[0].hs_code") in locs
    assert Parcel.objects.count() == 0


def test_other_merchants_parcel_is_404(make_parcel, network):
    theirs = make_parcel()
    other = f.user(Role.MERCHANT)
    f.merchant(staff=other)
    auth = bearer(other)
    c = Client()
    assert c.get(f"/api/v1/parcels/{theirs.s10}", **auth).status_code == 404
    assert c.get(f"/api/v1/parcels/{theirs.s10}/label.pdf", **auth).status_code == 404
    r = c.post("/api/v1/labels", {"s10": [theirs.s10]}, content_type="application/json", **auth)
    assert r.status_code == 404
    assert c.get("/api/v1/parcels", **auth).json()["count"] == 0
    assert c.get("/api/v1/parcels").status_code == 401


def test_hub_scans_through_the_api(make_parcel, hub_user, other_hub_user, merchant_auth):
    p = make_parcel()
    c = Client()
    hub = bearer(hub_user)
    scan = {"s10": p.s10, "weight_g": 510, "length_cm": 20, "width_cm": 15, "height_cm": 10}
    r = c.post(
        "/api/v1/hub/receive", scan, content_type="application/json", **bearer(other_hub_user)
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "s10"]
    assert (
        c.post(
            "/api/v1/hub/receive", scan, content_type="application/json", **merchant_auth
        ).status_code
        == 403
    )
    r = c.post("/api/v1/hub/receive", scan, content_type="application/json", **hub)
    assert r.status_code == 200 and r.json()["parcel"]["state"] == "received"
    r = c.post("/api/v1/hub/bag", {"s10": p.s10}, content_type="application/json", **hub)
    bag = r.json()["identifier"]
    assert r.status_code == 200 and r.json()["parcel_count"] == 1
    assert c.post(f"/api/v1/hub/bags/{bag}/close", **hub).json()["state"] == "closed"
    r = c.post(
        "/api/v1/hub/ulds/PMC12345CV/bags", {"bag": bag}, content_type="application/json", **hub
    )
    assert r.status_code == 200 and r.json()["gateway"] == "GRU"
    assert c.post("/api/v1/hub/ulds/PMC12345CV/close", **hub).json()["state"] == "closed"
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    r = c.post(
        f"/api/v1/hub/flights/{flight.pk}/ulds",
        {"uld": "PMC12345CV"},
        content_type="application/json",
        **hub,
    )
    gross = Uld.objects.get(identifier="PMC12345CV").gross_kg
    assert r.status_code == 200 and r.json()["position"] == first_position(gross)
    sheet = c.get(f"/api/v1/hub/flights/{flight.pk}/load-sheet", **hub).json()
    assert sheet["parcels"] == 1 and sheet["rows"][0]["identifier"] == "PMC12345CV"
    # another hub's staff cannot see this flight's load sheet (CAN hub feeds CAN, not SZX)
    assert (
        c.get(f"/api/v1/hub/flights/{flight.pk}/load-sheet", **bearer(other_hub_user)).status_code
        == 404
    )


def test_hub_refusals_carry_codes_a_client_switches_on(make_parcel, hub_user, other_hub_user):
    """A scanner app tells a mistyped label from a parcel of another hub, and a full ULD from
    the rest, by each error's code, never by its translated text."""
    c = Client()
    hub = bearer(hub_user)
    p = make_parcel()
    wrong = p.s10[:10] + str((int(p.s10[10]) + 1) % 10) + p.s10[11:]  # wrong check digit
    scan = {"s10": wrong, "weight_g": 510}
    scan |= {"length_cm": 20, "width_cm": 15, "height_cm": 10}
    r = c.post("/api/v1/hub/receive", scan, content_type="application/json", **hub)
    assert r.status_code == 422
    assert [(d["loc"], d["code"]) for d in r.json()["detail"]] == [(["body", "s10"], "invalid_s10")]
    scan["s10"] = p.s10
    r = c.post(
        "/api/v1/hub/receive", scan, content_type="application/json", **bearer(other_hub_user)
    )
    assert r.json()["detail"][0]["code"] == "other_hub"

    # An AKE takes 1,588 kg gross: shrink it so that a 10 kg bag is over its capacity.
    UldType.objects.filter(code="AKE").update(max_gross_kg=5)
    ps = [make_parcel(declared_weight_g=5_000, recipient_country="CL") for _ in range(2)]
    for q in ps:
        hub_steps.receive(hub_user, q.s10, 5_000, 40, 30, 20)
        bag = hub_steps.sort_into_bag(hub_user, q.s10)
    hub_steps.close_bag(hub_user, bag.identifier)
    r = c.post(
        "/api/v1/hub/ulds/AKE1234CV/bags",
        {"bag": bag.identifier},
        content_type="application/json",
        **hub,
    )
    assert r.status_code == 422
    assert [(d["loc"], d["code"]) for d in r.json()["detail"]] == [
        (["body", "bag"], "over_capacity")
    ]


def test_a_label_batch_is_a_job_polled_then_fetched(network, make_parcel, merchant, merchant_auth):
    """POST /labels answers 202 at once with the job's URL; the job (run eagerly here, as on
    the demo) draws one page per parcel; its PDF is fetched from `pdf_url`, by its owner only."""
    mine = [make_parcel(), make_parcel(), make_parcel()]
    c = Client()
    asked = [p.s10 for p in reversed(mine)]
    r = c.post("/api/v1/labels", {"s10": asked}, content_type="application/json", **merchant_auth)
    assert r.status_code == 202, r.content
    started = r.json()
    assert r["Location"] == started["url"] and started["url"].endswith(
        f"/api/v1/labels/jobs/{started['id']}"
    )
    r = c.get(started["url"], **merchant_auth)
    assert r.status_code == 200
    job = r.json()
    assert job["state"] == "done" and job["done"] == job["total"] == 3, job
    r = c.get(job["pdf_url"], **merchant_auth)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(b"".join(r.streaming_content))).pages
    assert len(pages) == 3
    texts = ["".join(page.extract_text().split()) for page in pages]
    assert [p.s10 in text for p, text in zip(reversed(mine), texts, strict=True)] == [True] * 3

    stranger = f.user(Role.MERCHANT)
    f.merchant(staff=stranger)
    assert c.get(started["url"], **bearer(stranger)).status_code == 404
    assert c.get(job["pdf_url"], **bearer(stranger)).status_code == 404


def test_a_label_job_not_done_has_no_pdf_yet(network, make_parcel, merchant, merchant_auth):
    from caravana.fulfillment.job_kinds import LABELS
    from caravana.jobs import services as job_services

    user = merchant.members.get().user
    queued = job_services.create(user, LABELS, {"merchant": merchant.pk, "s10": ["x"]})
    c = Client()
    r = c.get(f"/api/v1/labels/jobs/{queued.pk}", **merchant_auth)
    assert r.status_code == 200 and r.json()["state"] == "queued" and r.json()["pdf_url"] is None
    r = c.get(f"/api/v1/labels/jobs/{queued.pk}/labels.pdf", **merchant_auth)
    assert r.status_code == 409


def test_a_label_batch_asks_for_one_to_five_hundred(network, merchant_auth):
    c = Client()
    for s10s in ([], [" "], [f"RR{n:09d}CN" for n in range(501)]):
        r = c.post(
            "/api/v1/labels", {"s10": s10s}, content_type="application/json", **merchant_auth
        )
        assert r.status_code == 422, r.content
        assert r.json()["detail"][0]["loc"][-1] == "s10"


def test_a_label_batch_draws_each_parcel_once(network, make_parcel, merchant_auth):
    a, b = make_parcel(), make_parcel()
    asked = [b.s10, a.s10, b.s10] + [a.s10] * 10_000
    r = Client().post(
        "/api/v1/labels", {"s10": asked}, content_type="application/json", **merchant_auth
    )
    assert r.status_code == 202, r.content
    job = Client().get(r.json()["url"], **merchant_auth).json()
    assert job["state"] == "done" and job["total"] == 2, job
