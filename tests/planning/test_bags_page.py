"""The planner's bags page: every bag with its last-mile carrier, a form to change a bag's or a
parcel's carrier, errors that name the field, and nobody but planners and operators."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.accounts.models import Role
from caravana.fulfillment.models import Bag, Parcel
from caravana.fulfillment.services import hub_steps
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def bag(make_parcel, hub_user) -> Bag:
    for _ in range(2):
        parcel = make_parcel()
        hub_steps.receive(hub_user, parcel.s10, 500, 20, 15, 10)
        found = hub_steps.sort_into_bag(hub_user, parcel.s10)
    return found


def planner_client(client, language="en"):
    client.force_login(f.user(Role.PLANNER))
    client.cookies["django_language"] = language
    return client


def test_only_planners_and_operators(client, bag, hub_user):
    assert client.get("/planning/bags/").status_code == 302  # to sign in
    client.force_login(hub_user)
    assert client.get("/planning/bags/").status_code == 403
    r = client.post("/planning/bags/carrier/", {"bag": bag.identifier, "carrier": "br-loggi"})
    assert r.status_code == 403
    assert Bag.objects.get(pk=bag.pk).carrier.code == "br-correios"
    client.force_login(f.user(Role.OPERATOR))
    assert client.get("/planning/bags/").status_code == 200


def test_lists_bags_with_their_country_carriers_in_bounded_queries(client, bag):
    c = planner_client(client, "es")
    with CaptureQueriesContext(connection) as q:
        r = c.get("/planning/bags/", {"hub": "SZX-HUB", "state": "open"})
    assert r.status_code == 200 and len(q) <= 8, [x["sql"][:80] for x in q]
    html = r.content.decode()
    assert "Sacas y transportistas de última milla" in html
    row = html[html.index(f'data-bag="{bag.identifier}"') :]
    row = row[: row.index("</tr>")]
    assert 'value="br-correios" selected' in row and "Jadlog" in row and "Andreani" not in row


def test_change_a_bag_carrier(client, bag):
    c = planner_client(client)
    r = c.post(
        "/planning/bags/carrier/?hub=SZX-HUB", {"bag": bag.identifier, "carrier": "br-jadlog"}
    )
    assert r.status_code == 302 and r["Location"] == "/planning/bags/?hub=SZX-HUB"
    assert Bag.objects.get(pk=bag.pk).carrier.code == "br-jadlog"
    assert set(Parcel.objects.filter(bag=bag).values_list("carrier__code", flat=True)) == {
        "br-jadlog"
    }
    assert "now goes with Jadlog" in c.get(r["Location"]).content.decode()


def test_errors_name_the_field_and_change_nothing(client, bag, make_parcel):
    c = planner_client(client, "pt-br")
    r = c.post("/planning/bags/carrier/", {"bag": bag.identifier, "carrier": "ar-andreani"})
    assert r.status_code == 422
    html = r.content.decode()
    assert 'data-error-field="carrier"' in html and "<strong>Transportadora:</strong>" in html
    assert "ar-andreani não é uma transportadora ativa em BR." in html
    assert Bag.objects.get(pk=bag.pk).carrier.code == "br-correios"
    parcel = make_parcel()
    r = c.post("/planning/parcels/carrier/", {"s10": "HC123", "carrier": "br-loggi"})
    assert r.status_code == 422 and 'data-error-field="s10"' in r.content.decode()
    assert 'aria-invalid="true"' in r.content.decode()
    r = c.post("/planning/parcels/carrier/", {"s10": parcel.s10, "carrier": "br-loggi"})
    assert r.status_code == 302
    parcel.refresh_from_db()
    assert parcel.carrier.code == "br-loggi" and parcel.carrier_choice == "planner"
    bagged = Parcel.objects.filter(bag=bag).first()
    r = c.post("/planning/parcels/carrier/", {"s10": bagged.s10, "carrier": "br-loggi"})
    assert r.status_code == 422 and bag.identifier in r.content.decode()
