"""`make demo` (seed, seed_logistics, seed_clearance): a demo flight carries parcels whose
MAWB, HAWB, cargo manifest and ONE Record JSON-LD open by following the links of the planner's,
the hub's and the operators' pages, and whose CN 23 opens from the hub's and the merchant's;
everyone else is refused (403, or 404 where the paper is someone else's)."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from caravana.accounts.models import User
from caravana.fulfillment.models import Parcel
from caravana.waybills.models import MasterWaybill

pytestmark = pytest.mark.django_db

TYPES = {
    "manifest": "application/pdf",
    "mawb": "application/pdf",
    "hawb": "application/pdf",
    "onerecord": "application/ld+json",
}


def _as(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def _links(html: str) -> dict[str, str]:
    """The first link of each kind on the documents page (data-doc="mawb" …)."""
    found: dict[str, str] = {}
    for href, kind in re.findall(r'<a[^>]*href="([^"]+)"[^>]*data-doc="(\w+)"', html):
        found.setdefault(kind, href.replace("&amp;", "&"))
    return found


def _open(client: Client, href: str, kind: str) -> bytes:
    r = client.get(href)
    assert r.status_code == 200, (kind, href)
    assert r["Content-Type"].startswith(TYPES[kind]), (kind, r["Content-Type"])
    return r.content


def test_the_demo_flight_opens_its_papers_from_each_roles_pages():
    call_command("seed", scale="test", no_progress=True, verbosity=0)
    call_command("seed_logistics", verbosity=0)
    call_command("seed_clearance", verbosity=0)
    master = (
        MasterWaybill.objects.filter(is_void=False, houses__isnull=False)
        .select_related("flight")
        .order_by("pk")
        .first()
    )
    assert master is not None, "the demo commits a plan that builds air waybills"
    flight = master.flight
    documents = reverse("waybills:flight", args=[flight.pk])
    starts = {
        "planner": reverse("planning:flight", args=[flight.pk]),
        "hub": reverse("fulfillment:flight", args=[flight.pk]),
        "operator": reverse("waybills:operations"),
    }
    opened: dict[str, list[str]] = {}
    for username, start in starts.items():
        client = _as(username)
        page = client.get(start)
        assert page.status_code == 200, (username, start)
        assert documents in page.content.decode(), (username, "no link to the documents")
        links = _links(client.get(documents).content.decode())
        assert set(links) == set(TYPES), (username, links)
        for kind, href in links.items():
            body = _open(client, href, kind)
            if kind == "onerecord":
                graph = json.loads(body)
                assert graph["@context"]["cargo"].endswith("/ns/cargo#")
            else:
                assert body.startswith(b"%PDF-")
        opened[username] = sorted(links.values())

    # The CN 23 of a parcel in the flight's bags, from the hub's and the merchant's pages.
    parcel = Parcel.objects.filter(bag__planned_flight=flight).order_by("pk").first() or (
        Parcel.objects.filter(bag__uld__flight=flight).order_by("pk").first()
    )
    assert parcel is not None, "the demo flight carries parcels"
    cn23 = {
        "hub": reverse("customs_hub:cn23", args=[parcel.s10]),
        "merchant": reverse("customs_console:cn23", args=[parcel.s10]),
    }
    for username, url in cn23.items():
        r = _as(username).get(url)
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf", username
        assert r.content.startswith(b"%PDF-")

    # Everyone else: the buyer, the merchant, the customs officer of GRU are refused the
    # flight's papers; the buyer, the planner and the officer do not get the CN 23 either.
    every_doc = [documents, *opened["planner"]]
    for username in ("buyer", "merchant", "customs"):
        client = _as(username)
        for url in every_doc:
            assert client.get(url).status_code == 403, (username, url)
    for username in ("buyer", "planner", "customs"):
        client = _as(username)
        for url in cn23.values():
            assert client.get(url).status_code in (403, 404), (username, url)
    anonymous = _as(None)
    for url in [*every_doc, *cn23.values()]:
        r = anonymous.get(url)
        assert r.status_code == 302 and "/accounts/login" in r["Location"], url
    missing = reverse("waybills:mawb", args=["99999999999"])
    assert _as("planner").get(missing).status_code == 404
