import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caravana.accounts.models import Role
from caravana.fulfillment.models import Bag, Parcel, Uld
from caravana.fulfillment.services import hub_steps
from caravana.fulfillment.services import parcels as parcel_services
from caravana.network.models import Flight
from tests import factories as f
from tests.fulfillment.conftest import TODAY, first_position

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_hub_pages_need_hub_staff(network, merchant):
    assert Client().get("/hub/").status_code == 302
    assert client_for(merchant.members.get().user).get("/hub/").status_code == 403
    assert client_for(f.user(Role.BUYER)).get("/hub/bags/").status_code == 403


def test_receive_and_bag_scan_page(make_parcel, hub_user):
    p = make_parcel()
    c = client_for(hub_user)
    r = c.get("/hub/")
    assert r.status_code == 200 and b"data-scan-input" in r.content and b"autofocus" in r.content
    r = c.post("/hub/", {"scan": f"{p.s10} 520 20x15x10"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b"GRU-CORREIOS" in r.content and b'data-ok="1"' in r.content
    p.refresh_from_db()
    assert p.state == Parcel.State.BAGGED and p.measured_weight_g == 520
    r = c.post("/hub/", {"scan": p.s10[:-3] + "0CN"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and b'data-ok="0"' in r.content
    # scanning the bag label closes the bag; the page without htmx renders in full
    bag = Bag.objects.get()
    r = c.post("/hub/", {"scan": bag.identifier})
    assert r.status_code == 200 and b"closed" in r.content and b"Last scans" in r.content
    assert Bag.objects.get().state == Bag.State.CLOSED
    # the page weighs from the scale's fields when the scan carries no measures
    q = make_parcel()
    r = c.post(
        "/hub/",
        {"scan": q.s10, "weight_g": "500", "length_cm": "20", "width_cm": "15", "height_cm": "10"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    assert c.get(f"/hub/bags/{bag.identifier}/label.pdf").content.startswith(b"%PDF")


def test_other_hub_cannot_scan_or_see(make_parcel, hub_user, other_hub_user):
    p = make_parcel()
    c = client_for(other_hub_user)
    r = c.post("/hub/", {"scan": f"{p.s10} 500 20x15x10"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and b"another hub" in r.content
    assert Parcel.objects.get().state == Parcel.State.LABEL_CREATED
    assert p.s10.encode() not in c.get("/hub/parcels/").content
    assert p.s10.encode() in client_for(hub_user).get("/hub/parcels/").content


def test_uld_and_flight_pages(make_parcel, hub_user):
    parcels = [make_parcel() for _ in range(3)]
    for p in parcels:
        hub_steps.receive(hub_user, p.s10, 500, 20, 15, 10)
        bag = hub_steps.sort_into_bag(hub_user, p.s10)
    hub_steps.close_bag(hub_user, bag.identifier)
    c = client_for(hub_user)
    assert c.post("/hub/ulds/", {"scan": "PMC12345CV"}, HTTP_HX_REQUEST="true").status_code == 200
    r = c.post("/hub/ulds/", {"scan": bag.identifier}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b"1 bags" in r.content
    r = c.post("/hub/ulds/", {"action": "close", "uld": "PMC12345CV"})
    assert r.status_code == 200
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    assert flight.number.encode() in c.get("/hub/flights/").content
    r = c.post(f"/hub/flights/{flight.pk}/", {"scan": "PMC12345CV"}, HTTP_HX_REQUEST="true")
    where = first_position(Uld.objects.get(identifier="PMC12345CV").gross_kg).encode()
    assert r.status_code == 200 and where in r.content and b"load-sheet" in r.content
    with CaptureQueriesContext(connection) as q:
        r = c.get(f"/hub/flights/{flight.pk}/")
    assert r.status_code == 200 and b"PMC12345CV" in r.content
    assert len(q) <= 12  # 10, and the load plan's ULDs and loose bags


def test_merchant_console_parcels(make_parcel, merchant, network, media_root):
    mine = make_parcel()
    theirs = parcel_services.create_parcel(
        f.merchant(),
        __import__("tests.fulfillment.conftest", fromlist=["parcel_data"]).parcel_data(),
    )
    c = client_for(merchant.members.get().user)
    with CaptureQueriesContext(connection) as q:
        r = c.get("/console/parcels/")
    assert (
        r.status_code == 200
        and mine.s10.encode() in r.content
        and theirs.s10.encode() not in r.content
    )
    assert len(q) <= 8
    assert c.get(f"/console/parcels/{theirs.s10}/label.pdf").status_code == 404
    r = c.post("/console/parcels/labels/", {"s10": [mine.s10, theirs.s10]})
    assert r.status_code == 302 and r["Location"].startswith("/jobs/")  # a job (eager here)
    r = c.get(r["Location"] + "download/")
    body = b"".join(r.streaming_content)
    assert r.status_code == 200 and body.count(b"/Type /Page\n") + body.count(b"/Type /Page ") == 1
    form = {
        "hub": "SZX-HUB",
        "service_level": "premium",
        "recipient_name": "Juan Pérez",
        "recipient_address": "Av. Reforma 222",
        "recipient_city": "Ciudad de México",
        "recipient_country": "MX",
        "declared_weight_g": "300",
        "declared_length_cm": "20",
        "declared_width_cm": "10",
        "declared_height_cm": "5",
        "battery": "none",
        "ddp": "on",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "100",
        "items-0-description": "Phone case",
        "items-0-hs_code": "392690",
        "items-0-quantity": "1",
        "items-0-unit_value": "25.00",
        "items-0-currency": "CNY",
        "items-0-unit_weight_g": "80",
    }
    bad = dict(form, **{"items-0-hs_code": "999999"})
    r = c.post("/console/parcels/new/", bad)
    assert r.status_code == 422 and r.context["formset"].forms[0].errors.get("hs_code")
    r = c.post("/console/parcels/new/", form)
    assert r.status_code == 302, getattr(r, "context", None) and r.context["form"].errors
    assert Parcel.objects.filter(merchant=merchant, recipient_country="MX").count() == 1
    assert client_for(f.user(Role.HUB)).get("/console/parcels/").status_code == 403
