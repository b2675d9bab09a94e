"""Planners and operators open the CN 23 of any parcel of a flight by its S10 number, from
the flight's waybills page and the operators' customs page; nobody else does, and an S10
that is unknown or not on that flight is named as the field in error."""

from __future__ import annotations

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.network.models import Flight
from tests import factories as f
from tests.customs.conftest import ship
from tests.customs.test_cn23 import client_for, text_of
from tests.customs.test_ead import load

pytestmark = pytest.mark.django_db

URL = "/waybills/cn23/"


@pytest.fixture
def on_flight(shop, hub_staff):
    """A Brazilian parcel loaded on the SZX→GRU charter, and a Mexican one on no flight."""
    _m, earphones, _c = shop
    _order, parcel = ship("BR", [(earphones.variants.get().pk, 1)])
    flight = Flight.objects.filter(origin="SZX", destination="GRU").order_by("pk").first()
    load(hub_staff, [parcel], "PMC10003CV", flight)
    _order, elsewhere = ship("MX", [(earphones.variants.get().pk, 1)])
    return flight, parcel, elsewhere


@pytest.mark.parametrize("role", [Role.PLANNER, Role.OPERATOR])
def test_planners_and_operators_open_a_flights_cn23(on_flight, role):
    flight, parcel, _e = on_flight
    c = client_for(f.user(role))
    r = c.get(URL, {"flight": flight.pk, "s10": parcel.s10.lower()})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert parcel.s10 in text_of(r.content).replace(" ", "")
    page = c.get(f"/waybills/flights/{flight.pk}/").content.decode()
    assert 'data-testid="cn23-form"' in page and f'name="flight" value="{flight.pk}"' in page


def test_the_operators_customs_page_offers_the_form(on_flight):
    flight, parcel, _e = on_flight
    page = client_for(f.user(Role.OPERATOR)).get("/operations/customs/").content.decode()
    assert 'data-testid="cn23-form"' in page and 'name="s10"' in page
    assert 'id="cn23-flight"' in page


def test_others_are_refused(on_flight, hub_staff):
    flight, parcel, _e = on_flight
    query = {"flight": flight.pk, "s10": parcel.s10}
    assert Client().get(URL, query).status_code == 302  # to sign in
    for user in (
        f.user(Role.BUYER),
        f.merchant(staff=f.user(Role.MERCHANT)).members.get().user,  # another shop's staff
        parcel.merchant.members.get().user,  # its own merchant: the console's link is theirs
        hub_staff,  # the hub's pages are theirs
    ):
        assert client_for(user).get(URL, query).status_code == 403, user.role
    hub_page = client_for(hub_staff).get(f"/waybills/flights/{flight.pk}/").content.decode()
    assert 'data-testid="cn23-form"' not in hub_page


@pytest.mark.parametrize(
    ("s10", "field", "says"),
    [
        ("CV999999995CN", "s10", "no parcel has the number CV999999995CN"),
        ("", "s10", "enter the parcel"),
        ("ELSEWHERE", "s10", "is not on flight"),
    ],
)
def test_a_bad_s10_names_its_field(on_flight, s10, field, says):
    flight, _p, elsewhere = on_flight
    s10 = elsewhere.s10 if s10 == "ELSEWHERE" else s10
    r = client_for(f.user(Role.PLANNER)).get(URL, {"flight": flight.pk, "s10": s10})
    assert r.status_code == 422 and r["Content-Type"].startswith("text/html")
    body = r.content.decode()
    assert f'id="cn23-{field}-error"' in body and "S10 number:" in body and says in body


def test_an_unknown_flight_names_its_field(on_flight):
    _f, parcel, _e = on_flight
    r = client_for(f.user(Role.OPERATOR)).get(URL, {"flight": "999999", "s10": parcel.s10})
    assert r.status_code == 422
    assert 'id="cn23-flight-error"' in r.content.decode()
