"""The public tracking page: search, status, promise and estimate, the SVG route map and the
timeline in the local time of each place, in the buyer's language, in a bounded query count."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from caravana.tracking import geo
from tests.tracking.conftest import ev, walk_to_gateway

pytestmark = pytest.mark.django_db


def client_in(language: str) -> Client:
    c = Client()
    c.cookies["django_language"] = language
    return c


def test_search_redirects_to_the_parcel_and_explains_bad_numbers(make_parcel):
    parcel = make_parcel()
    c = client_in("es")
    assert c.get("/track/").status_code == 200
    r = c.get("/track/", {"q": parcel.s10.lower()[:2] + " " + parcel.s10[2:]})
    assert r.status_code == 302 and r["Location"] == f"/track/{parcel.s10}/"
    bad = c.get("/track/", {"q": "HC123"})
    assert bad.status_code == 422 and b"data-track-error" in bad.content
    assert c.get("/track/HC000000005CN/").status_code == 404


def test_page_in_portuguese_with_map_and_local_times(make_parcel, hub_user, carrier_api):
    parcel = make_parcel()
    walk_to_gateway(parcel, hub_user)
    hold = timezone.now() + dt.timedelta(minutes=5)
    carrier_api().post([ev(parcel, "EME", hold, reason="Nota fiscal ausente")])
    c = client_in("pt-br")
    with CaptureQueriesContext(connection) as q:
        r = c.get(f"/track/{parcel.s10}/")
    assert r.status_code == 200
    assert len(q) <= 3, [x["sql"][:80] for x in q]
    html = r.content.decode()
    assert '<html lang="pt-br">' in html
    assert 'data-status="on_hold"' in html
    assert "Nota fiscal ausente" in html
    # The map: an inline SVG with the three stops and the parcel's position, no tile server.
    map_at = html.index("data-route-map")  # the header's icons are SVGs too
    svg = html[html.index("<svg", map_at) : html.index("</svg>", map_at)]
    assert re.findall(r'data-route-point="(\w+)"', svg) == ["origin", "gateway", "destination"]
    assert "data-current-position" in svg and "São Paulo" in svg and "GRU" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert not re.search(r'c[xy]="\d+,\d', svg)  # numbers unlocalised inside the SVG
    # Local times: the label in Shenzhen (UTC+08:00), the hold at São Paulo (UTC−03:00), in
    # Portuguese month names (CLDR via babel).
    assert 'data-tz="Asia/Shanghai"' in html and "UTC+08:00" in html
    assert 'data-tz="America/Sao_Paulo"' in html and "UTC−03:00" in html
    months = ("jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.",
              "nov.", "dez.")  # fmt: skip
    assert any(f" de {m} de " in html for m in months)
    assert "data-promised" in html and "data-eta" in html


def test_route_map_projection_and_city_table():
    assert geo.city("BR", "sao paulo")[0] == "São Paulo"
    assert geo.city("MX", "CDMX")[0] == "Ciudad de México"
    assert geo.city("BR", "Xique-Xique") is None
    stops = [
        geo.Stop("Shenzhen", "SZX", 22.64, 113.81, "origin"),
        geo.Stop("São Paulo", "GRU", -23.43, -46.47, "gateway"),
        geo.Stop("Rio de Janeiro", "BR", -22.91, -43.17, "destination"),
    ]
    m = geo.route_map(stops, reached=1, progress=0.5)
    xs = [p.x for p in m.points]
    assert all(0 <= p.x <= m.width and 0 <= p.y <= m.height for p in m.points)
    assert xs[0] > xs[1]  # west-bound: Brazil is drawn left of China
    assert m.points[0].y < m.points[1].y  # north is up
    assert [p.reached for p in m.points] == [True, True, False]
    assert m.position != (m.points[1].x, m.points[1].y)  # half-way to Rio
    # A trans-Pacific leg does not jump across the map at the antimeridian.
    pacific = geo.route_map(
        [geo.Stop("Guangzhou", "CAN", 23.39, 113.3, "origin"),
         geo.Stop("Mexico City", "MEX", 19.44, -99.07, "gateway")], reached=0
    )  # fmt: skip
    coords = [tuple(map(float, p.split(","))) for p in pacific.path[1:].split(" L")]
    assert max(abs(a[0] - b[0]) for a, b in zip(coords, coords[1:], strict=False)) < 100
