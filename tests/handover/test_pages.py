"""The handover pages: who sees them, the scan (htmx and plain), closing, the three files,
and the buyer's tracking page showing the carrier's number after the handover."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.clearance.models import GatewayMember
from caravana.handover.models import HandoverManifest
from caravana.network.models import Gateway
from tests import factories as f

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_an_officer_opens_scans_closes_and_downloads(gru):
    c = _client(gru["officer"])
    gw, code = gru["gateway"].iata, gru["carrier"].code
    assert c.get("/handover/").url == f"/handover/{gw}/"
    response = c.get(f"/handover/{gw}/")
    assert f'data-carrier="{code}"' in response.content.decode()
    waiting = {row["carrier"].code: row["waiting"] for row in response.context["carriers"]}
    assert waiting[code] == 2  # the two parcels customs let go; held and presented wait not
    r = c.post(f"/handover/{gw}/open/", {"carrier": code})
    m = HandoverManifest.objects.get()
    assert r.url == f"/handover/{gw}/manifests/{m.pk}/"
    r = c.post(r.url + "scan/", {"scan": gru["parcel"].s10}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and "scan-ok" in body and "QA000000014BR" in body
    r = c.post(f"/handover/{gw}/manifests/{m.pk}/scan/", {"scan": gru["parcel"].s10},
               HTTP_HX_REQUEST="true")  # fmt: skip
    assert r.status_code == 200 and "scan-warn" in r.content.decode()
    r = c.post(f"/handover/{gw}/manifests/{m.pk}/scan/", {"scan": gru["held"].s10},
               HTTP_HX_REQUEST="true")  # fmt: skip
    assert r.status_code == 422 and gru["held"].s10 in r.content.decode()
    assert c.post(f"/handover/{gw}/manifests/{m.pk}/close/").status_code == 302
    m.refresh_from_db()
    assert m.state == "closed"
    pdf = c.get(f"/handover/{gw}/manifests/{m.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    data = json.loads(c.get(f"/handover/{gw}/manifests/{m.pk}.json").content)
    assert data["parcels"][0]["carrier_tracking_number"] == "QA000000014BR"
    csv = c.get(f"/handover/{gw}/manifests/{m.pk}.csv")
    assert "attachment" in csv["Content-Disposition"] and b"QA000000014BR" in csv.content
    assert c.get(f"/handover/{gw}/manifests/{m.pk}.xml").status_code == 404
    # The buyer's public tracking page now shows the carrier's number.
    track = Client().get(f"/track/{gru['parcel'].s10}/")
    assert track.status_code == 200 and "QA000000014BR" in track.content.decode()


def test_brokers_buyers_and_other_gateways_are_refused(gru):
    gw = gru["gateway"].iata
    other_gw = Gateway.objects.exclude(pk=gru["gateway"].pk).first()
    stranger = f.user(Role.BUYER)
    GatewayMember.objects.create(user=stranger, gateway=other_gw)
    for user in (gru["broker"], f.user(Role.BUYER), gru["staff"], stranger):
        c = _client(user)
        assert c.get(f"/handover/{gw}/").status_code == 403
        assert c.post(f"/handover/{gw}/open/", {"carrier": gru["carrier"].code}).status_code == 403
    assert not HandoverManifest.objects.exists()
    assert Client().get(f"/handover/{gw}/").status_code == 302  # to the login


def test_the_pages_read_in_each_language(gru):
    c = _client(gru["operator"])
    gw = gru["gateway"].iata
    c.post(f"/handover/{gw}/open/", {"carrier": gru["carrier"].code})
    m = HandoverManifest.objects.get()
    for lang, words in {"es": "Entrega a transportistas", "pt-br": "Entrega às transportadoras",
                        "en": "Handover to carriers"}.items():  # fmt: skip
        for path in (f"/handover/{gw}/", f"/handover/{gw}/manifests/{m.pk}/"):
            page = c.get(path, HTTP_ACCEPT_LANGUAGE=lang)
            assert page.status_code == 200 and words in page.content.decode(), (lang, path)
