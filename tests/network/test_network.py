import datetime as dt
from decimal import Decimal

import airportsdata
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caravana.accounts.models import Role
from caravana.network import services
from caravana.network.events import flight_arrived, flight_departed
from caravana.network.models import (
    AircraftType,
    Carrier,
    Flight,
    Gateway,
    Hub,
    Lane,
    ServiceLevel,
    UldType,
)
from caravana.network.routing import ROUTES
from caravana.network.seed import seed_network
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 16)


def test_seed_is_idempotent_and_real():
    first = seed_network(TODAY)
    second = seed_network(TODAY)
    assert first["flights_added"] > 0 and second["flights_added"] == 0
    assert Hub.objects.count() == 5 and Gateway.objects.count() == 7
    assert set(Gateway.objects.values_list("iata", flat=True)) == {
        "GRU",
        "VCP",
        "MEX",
        "SCL",
        "BOG",
        "LIM",
        "EZE",
    }
    ap = airportsdata.load("IATA")["SCL"]
    scl = Gateway.objects.get(iata="SCL")
    assert scl.timezone == ap["tz"] == "America/Santiago" and scl.country == "CL"
    assert float(scl.latitude) == pytest.approx(ap["lat"], abs=1e-5)
    assert Carrier.objects.filter(country="BR").count() == 3  # Correios, Loggi, Jadlog
    # every hub reaches every country at every level
    assert Lane.objects.count() == 5 * 6 * 3
    premium = ServiceLevel.objects.get(code="premium")
    assert (premium.transit_min_days, premium.transit_max_days) == (5, 10)
    assert ServiceLevel.objects.get(code="economy").transit_max_days == 45
    b744 = AircraftType.objects.get(code="B744F")
    assert (b744.max_payload_kg, b744.main_deck_positions) == (113_000, 30)
    pmc = UldType.objects.get(code="PMC")
    assert pmc.max_gross_kg == 6804 and pmc.usable_volume_m3 > 0
    assert UldType.objects.get(code="AKE").usable_volume_m3 == Decimal("4.30")
    # flights are stored in UTC: 02:00 in Shenzhen is 18:00 UTC the day before
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    assert flight.scheduled_departure == dt.datetime(2026, 11, 15, 18, tzinfo=dt.UTC)
    lane = Lane.objects.get(
        hub__code="SZX-HUB", destination_country="BR", service_level__code="standard"
    )
    assert lane.sort_code == "GRU-CORREIOS"
    # an operator's routing survives another seed (a lane is only ever created by it)
    economy = Lane.objects.filter(
        hub__code="SZX-HUB", destination_country="BR", service_level__code="economy"
    )
    assert economy.get().gateway.iata == "VCP"
    loggi = Carrier.objects.get(code="br-loggi")
    economy.update(gateway=lane.gateway, carrier=loggi, transit_target_days=30)
    seed_network(TODAY)
    kept = economy.get()
    assert (kept.gateway.iata, kept.carrier, kept.transit_target_days) == ("GRU", loggi, 30)


def test_a_seed_reads_before_it_writes_and_puts_the_facts_back():
    """The seed runs in most tests' fixtures and at every `make demo`: a few statements, not one
    per row; what it owns (a hub's or gateway's facts, a carrier's name) it puts back, what the
    operator owns (lanes, a carrier's levels, flights) it only creates."""
    with CaptureQueriesContext(connection) as first:
        seed_network(TODAY)
    assert len(first) <= 40, len(first)
    with CaptureQueriesContext(connection) as again:
        seed_network(TODAY)
    writes = [q["sql"] for q in again if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert [w for w in writes if "SAVEPOINT" not in w.upper()] == []
    # each carrier on a lane took that lane's levels when it was created
    served = {
        level for by_level in ROUTES.values() for level, (_g, c) in by_level.items()
        if c == "br-correios"
    }  # fmt: skip
    correios = Carrier.objects.get(code="br-correios")
    assert served and set(correios.service_levels.values_list("code", flat=True)) == served
    # facts the seed owns come back; an operator's hub gets the network's lanes
    Hub.objects.filter(code="SZX-HUB").update(name="Renamed")
    Gateway.objects.filter(iata="GRU").update(timezone="UTC")
    correios.service_levels.clear()
    own = Hub.objects.create(
        code="XMN-HUB", location="XMN", name="Xiamen", city="Xiamen", airport="XMN"
    )
    seed_network(TODAY)
    assert Hub.objects.get(code="SZX-HUB").name != "Renamed"
    assert Gateway.objects.get(iata="GRU").timezone == "America/Sao_Paulo"
    assert Lane.objects.filter(hub=own).count() == 6 * 3
    assert not correios.service_levels.exists()  # the operator's choice stands
    assert Flight.objects.filter(date__range=(TODAY, TODAY + dt.timedelta(days=13))).count() == 14


def test_a_carrier_from_before_the_facts_gets_them_and_keeps_the_operators_levels():
    """A carrier an operator added by hand under a known code (no facts, a level of their own):
    the seed names it as the facts do and fills its empty facts, but gives it no lane levels;
    one with facts already keeps the operator's link."""
    premium = ServiceLevel.objects.get(code="premium")
    old = Carrier.objects.create(code="br-correios", name="correios", country="BR")
    old.service_levels.set([premium])
    seed_network(TODAY)
    old.refresh_from_db()
    assert old.name != "correios" and old.format_source and old.tracking_format != "unknown"
    assert list(old.service_levels.values_list("code", flat=True)) == ["premium"]
    Carrier.objects.filter(pk=old.pk).update(tracking_url="https://example.com/{n}")
    seed_network(TODAY)
    old.refresh_from_db()
    assert old.tracking_url == "https://example.com/{n}"  # facts there are the operator's


def test_flight_movements_send_signals_once():
    seed_network(TODAY)
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    seen = []

    def dep(sender, flight, at, **kw):
        seen.append(("dep", flight.state, at))

    def arr(sender, flight, at, **kw):
        seen.append(("arr", flight.state, at))

    flight_departed.connect(dep, weak=False)
    flight_arrived.connect(arr, weak=False)
    try:
        with pytest.raises(ValidationError) as err:
            services.mark_arrived(flight)
        assert "state" in err.value.message_dict
        t0 = dt.datetime(2026, 11, 15, 18, 20, tzinfo=dt.UTC)
        services.mark_departed(flight, t0)
        services.mark_departed(flight, t0)  # a retry sends nothing
        with pytest.raises(ValidationError) as err:
            services.mark_arrived(flight, t0 - dt.timedelta(hours=1))
        assert "at" in err.value.message_dict
        services.mark_arrived(flight, t0 + dt.timedelta(hours=30))
    finally:
        flight_departed.disconnect(dep)
        flight_arrived.disconnect(arr)
    assert [s[:2] for s in seen] == [("dep", "departed"), ("arr", "arrived")]
    flight.refresh_from_db()
    assert flight.actual_departure == t0
    with pytest.raises(ValidationError):
        services.cancel_flight(flight)


def test_create_flight_validates_airports_and_times():
    seed_network(TODAY)
    ac = AircraftType.objects.get(code="B77F")
    dep = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as err:
        services.create_flight(
            carrier="Atlas Air",
            number="5Y1",
            date=dep.date(),
            origin="XQZ",
            destination="GRU",
            scheduled_departure=dep,
            scheduled_arrival=dep - dt.timedelta(hours=1),
            aircraft_type=ac,
        )
    assert set(err.value.message_dict) == {"origin", "scheduled_arrival"}
    flight = services.create_flight(
        carrier="Atlas Air",
        number="5Y1",
        date=dep.date(),
        origin="szx",
        destination="GRU",
        scheduled_departure=dep,
        scheduled_arrival=dep + dt.timedelta(hours=30),
        aircraft_type=ac,
    )
    assert flight.origin == "SZX"
    services.cancel_flight(flight)
    assert flight.__class__.objects.get(pk=flight.pk).state == "cancelled"


def test_hub_member_gets_hub_role():
    seed_network(TODAY)
    user = f.user(Role.BUYER)
    services.add_hub_member(Hub.objects.get(code="YIW-HUB"), user)
    user.refresh_from_db()
    assert user.role == Role.HUB and user.hub_membership.hub.airport == "HGH"


def test_admin_lists_search_and_filter():
    seed_network(TODAY)
    admin = f.user(Role.OPERATOR, is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(admin)
    for model in (
        "hub",
        "hubmember",
        "gateway",
        "carrier",
        "carriermember",
        "servicelevel",
        "lane",
        "aircrafttype",
        "uldtype",
        "flight",
    ):
        r = c.get(f"/admin/network/{model}/?q=a")
        assert r.status_code == 200, model
    assert c.get("/admin/network/flight/?state__exact=scheduled").status_code == 200


def test_fulfillment_admin_lists():
    admin = f.user(Role.OPERATOR, is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(admin)
    for model in ("parcel", "bag", "uld", "serialcounter"):
        assert c.get(f"/admin/fulfillment/{model}/?q=x").status_code == 200, model


def test_admin_action_departs_through_the_service():
    seed_network(TODAY)
    admin = f.user(Role.OPERATOR, is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(admin)
    flight = Flight.objects.get(number="5Y8301", date=TODAY)
    r = c.post(
        "/admin/network/flight/",
        {"action": "mark_departed", "_selected_action": [flight.pk]},
    )
    assert r.status_code == 302
    flight.refresh_from_db()
    assert flight.state == "departed" and flight.actual_departure is not None


def test_a_hub_the_seed_cannot_add_is_named():
    """An operator's hub holds a seeded hub's location under another code: the seed says which
    hub it cannot add, and writes nothing."""
    Hub.objects.create(code="MY-HUB", location="SZX", name="Mine", city="Shenzhen", airport="SZX")
    with pytest.raises(ValueError, match=r"hub SZX-HUB: another row holds one of its unique"):
        seed_network(TODAY)
    assert list(Hub.objects.values_list("code", flat=True)) == ["MY-HUB"]
    assert not Lane.objects.exists() and not Flight.objects.exists()
