"""A flight whose designator names no recorded airline cannot have a master air waybill drawn:
the planner's, hub's and operator's pages say so (not an empty list), and once an operator
records the airline and its AWB stock in the back office, the waybills are built from the
flight's page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.codes import awb
from caravana.planning import services as planning
from caravana.waybills.models import Airline, MasterWaybill
from tests import factories as f
from tests.planning.test_commit import fl, make_run

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def unbuilt(world, planner_user):
    """A committed plan putting a bag on 5Y8301 while no airline 5Y is recorded."""
    assert not Airline.objects.exists()
    b1 = world["bags"][0]
    planning.commit(planner_user, make_run(planner_user, world, {f"bag-{b1.pk}": fl(world["f1"])}))
    assert not MasterWaybill.objects.exists()
    return world["f1"]


def test_the_pages_say_the_flight_has_no_airline(unbuilt, planner_user, hub_user):
    flight = unbuilt
    operator = f.user(Role.OPERATOR)
    said = "Flight 5Y8301 has no airline"
    page = client_for(planner_user).get(reverse("waybills:flight", args=[flight.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and said in body and 'data-testid="no-airline"' in body
    assert "they are drawn when a flight plan" not in body  # not the "nothing yet" message
    assert 'data-testid="build-waybills"' in body
    assert "waybills/airline/add/" not in body  # the back-office link is the operator's
    # The planner's and the hub's load sheets.
    for user, url in (
        (planner_user, reverse("planning:flight", args=[flight.pk])),
        (hub_user, reverse("fulfillment:flight", args=[flight.pk])),
    ):
        body = client_for(user).get(url).content.decode()
        assert 'data-testid="waybills-problem"' in body and said in body, url
        assert reverse("waybills:flight", args=[flight.pk]) in body
    # The hub may read the flight's page but not build.
    body = client_for(hub_user).get(reverse("waybills:flight", args=[flight.pk])).content.decode()
    assert said in body and 'data-testid="build-waybills"' not in body
    r = client_for(hub_user).post(reverse("waybills:build", args=[flight.pk]))
    assert r.status_code == 403
    # The operator's list of waybills names the flight, and its page links to the back office.
    body = client_for(operator).get(reverse("waybills:operations")).content.decode()
    assert 'data-testid="no-airline"' in body and f'data-flight="{flight.pk}"' in body
    body = client_for(operator).get(reverse("waybills:flight", args=[flight.pk])).content.decode()
    assert reverse("admin:waybills_airline_add") + "?designator=5Y" in body


def test_once_the_airline_is_recorded_the_waybills_are_built(unbuilt, planner_user):
    flight = unbuilt
    planner = client_for(planner_user)
    url = reverse("waybills:build", args=[flight.pk])
    # Still no airline: refused with the reason, nothing drawn.
    r = planner.post(url, follow=True)
    assert "has no airline" in r.content.decode() and not MasterWaybill.objects.exists()
    # The operator records Atlas Air (5Y, prefix 369) and a range of its stock.
    admin = client_for(f.user(Role.OPERATOR, is_staff=True, is_superuser=True))
    r = admin.post(
        reverse("admin:waybills_airline_add"),
        {"name": "Atlas Air", "designator": "5Y", "prefix": "369", "source": "test"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    airline = Airline.objects.get(designator="5Y")
    r = admin.post(
        reverse("admin:waybills_awbstock_add"),
        {"airline": airline.pk, "first_serial": 1_000, "last_serial": 1_099},
    )
    assert r.status_code == 302
    r = planner.post(url, follow=True)
    master = MasterWaybill.objects.get(flight=flight)
    body = r.content.decode()
    assert master.number.startswith("369") and master.number[3:10] == "0001000"
    assert awb.format(master.number) in body and "has no airline" not in body
    assert "built on request by" in body  # the version's reason, in the history
    assert master.versions.get().reason == f"hand:{planner_user.username}"
    # Building again changes nothing; the operator's list no longer names the flight.
    planner.post(url)
    assert MasterWaybill.objects.get(flight=flight).version == 1
    body = client_for(f.user(Role.OPERATOR)).get(reverse("waybills:operations")).content.decode()
    assert f'data-flight="{flight.pk}"' not in body
