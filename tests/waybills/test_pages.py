"""Who opens the documents: planners and operators every flight's, hub staff those of flights
leaving their hub, nobody else; the planner's and hub's load sheets link to them."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from caravana.accounts.models import Role
from caravana.codes import awb
from tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def urls(flight, master):
    house = master.houses.filter(is_void=False).first()
    return [
        reverse("waybills:flight", args=[flight.pk]),
        reverse("waybills:manifest", args=[flight.pk]),
        reverse("waybills:mawb", args=[master.number]),
        reverse("waybills:hawb", args=[house.number]),
        reverse("waybills:onerecord", args=[master.number]),
    ]


@pytest.mark.parametrize("who", ["planner", "operator", "hub"])
def test_planners_operators_and_the_flights_hub_open_every_document(
    committed, who, planner_user, operator_user, hub_user
):
    flight, master = committed
    user = {"planner": planner_user, "operator": operator_user, "hub": hub_user}[who]
    c = client_for(user)
    for url in urls(flight, master):
        r = c.get(url)
        assert r.status_code == 200, url
        if url.endswith(".pdf"):
            assert r["Content-Type"] == "application/pdf" and r.content[:5] == b"%PDF-"
        elif url.endswith(".jsonld"):
            assert r["Content-Type"].startswith("application/ld+json")
            assert json.loads(r.content)["@context"]["cargo"].endswith("/ns/cargo#")


def test_others_are_refused(committed, other_hub_user):
    flight, master = committed
    merchant = f.user(Role.MERCHANT)
    buyer = f.user(Role.BUYER)
    for user in (other_hub_user, merchant, buyer):
        c = client_for(user)
        for url in urls(flight, master):
            assert c.get(url).status_code == 403, (user.role, url)
    anonymous = client_for(None)
    for url in urls(flight, master):
        r = anonymous.get(url)
        assert r.status_code == 302 and "/accounts/login" in r["Location"]


def test_the_documents_page_lists_versions_and_old_versions_open(committed, planner_user):
    flight, master = committed
    c = client_for(planner_user)
    page = c.get(reverse("waybills:flight", args=[flight.pk])).content.decode()
    assert awb.format(master.number) in page and 'data-version="1"' in page
    r = c.get(reverse("waybills:mawb", args=[master.number]) + "?version=1")
    assert r.status_code == 200
    assert c.get(reverse("waybills:mawb", args=[master.number]) + "?version=9").status_code == 404
    assert c.get(reverse("waybills:mawb", args=[master.number]) + "?version=x").status_code == 404


def test_load_sheets_of_planner_and_hub_show_the_numbers_and_links(
    committed, planner_user, hub_user
):
    flight, master = committed
    hawbs = list(master.houses.values_list("number", flat=True))
    for user, url in (
        (planner_user, reverse("planning:flight", args=[flight.pk])),
        (hub_user, reverse("fulfillment:flight", args=[flight.pk])),
    ):
        page = client_for(user).get(url).content.decode()
        assert awb.format(master.number) in page
        assert any(h in page for h in hawbs)
        assert reverse("waybills:flight", args=[flight.pk]) in page
        assert reverse("waybills:manifest", args=[flight.pk]) in page


def test_operators_list_every_master(committed, operator_user, planner_user):
    _flight, master = committed
    r = client_for(operator_user).get(reverse("waybills:operations"))
    assert r.status_code == 200 and awb.format(master.number) in r.content.decode()
    assert client_for(planner_user).get(reverse("waybills:operations")).status_code == 403


def test_the_documents_take_a_bounded_number_of_queries(
    committed, planner_user, django_assert_max_num_queries
):
    flight, master = committed
    c = client_for(planner_user)
    for url in urls(flight, master):
        with django_assert_max_num_queries(12):
            c.get(url)
