"""Last-mile carriers at bagging: the seeded facts, the network's choice by postal code,
service level, cut-off and price, a planner's override (and nobody else's), the carrier's own
number, and the planner's bags page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caravana.accounts.models import Role
from caravana.fulfillment.models import Bag, CarrierChoice, Parcel
from caravana.fulfillment.services import carriers, hub_steps
from caravana.network.models import Carrier, CarrierArea
from tests import factories as f

pytestmark = pytest.mark.django_db


def received(make_parcel, hub_user, **over) -> Parcel:
    parcel = make_parcel(**over)
    hub_steps.receive(hub_user, parcel.s10, 500, 20, 15, 10)
    return parcel


def bagged(make_parcel, hub_user, **over) -> tuple[Parcel, Bag]:
    parcel = received(make_parcel, hub_user, **over)
    bag = hub_steps.sort_into_bag(hub_user, parcel.s10)
    parcel.refresh_from_db()
    return parcel, bag


def error_fields(exc: pytest.ExceptionInfo) -> set[str]:
    return set(exc.value.message_dict)


def test_seeded_carriers_in_six_countries_with_sources(network):
    rows = {c.code: c for c in Carrier.objects.all()}
    assert {c.country for c in rows.values()} == {"BR", "MX", "CL", "CO", "PE", "AR"}
    named = {"br-correios", "mx-estafeta", "mx-jt", "mx-99minutos", "cl-chilexpress",
             "cl-bluexpress", "co-servientrega", "co-coordinadora", "co-interrapidisimo",
             "pe-olva", "pe-serpost", "ar-andreani", "ar-oca", "ar-correo"}  # fmt: skip
    assert named <= set(rows)
    assert rows["ar-andreani"].tracking_format == "andreani"
    assert rows["cl-chilexpress"].tracking_format == "chilexpress"
    assert rows["mx-estafeta"].tracking_format == "estafeta"
    assert {rows[c].tracking_format for c in ("br-correios", "pe-serpost", "ar-correo")} == {"s10"}
    assert rows["ar-oca"].tracking_format == "unknown"
    for c in rows.values():
        assert "border-and-last-mile.md" in c.format_source, c.code
        assert c.cutoff_local is None and "unverified" in c.cutoff_source, c.code
        assert c.price_per_parcel is None and "unverified" in c.price_source, c.code
        assert not c.tracking_url or c.tracking_url.startswith("https://"), c.code
        assert not c.tracking_url or c.tracking_url_source, c.code
    assert rows["br-correios"].currency == "BRL" and rows["ar-oca"].currency == "ARS"
    levels = set(rows["br-correios"].service_levels.values_list("code", flat=True))
    assert levels == {"standard", "economy"}  # its lanes' levels


def test_without_prices_or_areas_the_lane_carrier_keeps_the_parcel(make_parcel, hub_user):
    parcel, bag = bagged(make_parcel, hub_user)
    assert parcel.carrier.code == "br-correios" == bag.carrier.code
    assert parcel.carrier_choice == CarrierChoice.NETWORK


def test_bagging_chooses_by_postal_code_and_price(make_parcel, hub_user):
    jadlog = Carrier.objects.get(code="br-jadlog")
    jadlog.price_per_parcel = Decimal("9.90")
    jadlog.save()
    CarrierArea.objects.create(carrier=jadlog, postal_from="01000000", postal_to="09999999")
    sp, sp_bag = bagged(make_parcel, hub_user)  # 01304-001, São Paulo
    assert sp.carrier == jadlog and sp_bag.carrier == jadlog
    manaus, manaus_bag = bagged(
        make_parcel, hub_user, recipient_city="Manaus", recipient_state="AM",
        recipient_postal_code="69005-010",
    )  # fmt: skip
    assert manaus.carrier.code == "br-correios" and manaus_bag != sp_bag


def test_bagging_honours_service_level(make_parcel, hub_user):
    jadlog = Carrier.objects.get(code="br-jadlog")
    jadlog.price_per_parcel = Decimal("1.00")
    jadlog.save()
    jadlog.service_levels.set(jadlog.service_levels.model.objects.filter(code="premium"))
    parcel, _bag = bagged(make_parcel, hub_user)  # standard
    assert parcel.carrier.code == "br-correios"
    premium, _bag = bagged(make_parcel, hub_user, service_level="premium")
    assert premium.carrier == jadlog


def test_bagging_prefers_a_carrier_that_makes_its_cut_off(make_parcel, hub_user):
    parcel = received(make_parcel, hub_user)
    handover = carriers.expected_handover(parcel)
    assert handover is not None  # the seeded SZX→GRU freighter
    if handover < dt.time(0, 2):
        pytest.skip("the handover falls at midnight: no earlier cut-off to set")
    before = (dt.datetime.combine(dt.date.today(), handover) - dt.timedelta(minutes=1)).time()
    cheap = Carrier.objects.get(code="br-jadlog")
    cheap.price_per_parcel, cheap.cutoff_local = Decimal("5"), before
    cheap.save()
    dear = Carrier.objects.get(code="br-loggi")
    dear.price_per_parcel, dear.cutoff_local = Decimal("50"), dt.time(23, 59, 59)
    dear.save()
    dear.service_levels.clear()  # every level
    bag = hub_steps.sort_into_bag(hub_user, parcel.s10)
    assert bag.carrier == dear


def test_planner_overrides_a_parcel_and_bagging_keeps_it(make_parcel, hub_user):
    planner = f.user(Role.PLANNER)
    parcel = received(make_parcel, hub_user)
    done = carriers.override_parcel(planner, parcel.s10, "br-loggi")
    assert done.carrier.code == "br-loggi" and done.carrier_choice == CarrierChoice.PLANNER
    assert carriers.override_parcel(planner, parcel.s10, "br-loggi").pk == parcel.pk  # again
    bag = hub_steps.sort_into_bag(hub_user, parcel.s10)
    assert bag.carrier.code == "br-loggi"
    with pytest.raises(ValidationError) as exc:
        carriers.override_parcel(planner, parcel.s10, "br-correios")  # now bagged
    assert error_fields(exc) == {"s10"} and "bag" in str(exc.value)


def test_only_planners_and_operators_override(make_parcel, hub_user):
    parcel = make_parcel()
    for user in (hub_user, f.user(Role.MERCHANT), f.user(Role.BUYER)):
        with pytest.raises(PermissionDenied):
            carriers.override_parcel(user, parcel.s10, "br-loggi")
    assert carriers.override_parcel(f.user(Role.OPERATOR), parcel.s10, "br-loggi")
    parcel.refresh_from_db()
    assert parcel.carrier.code == "br-loggi"


def test_override_refuses_a_carrier_of_another_country_or_inactive(make_parcel):
    planner = f.user(Role.PLANNER)
    parcel = make_parcel()
    for code in ("ar-andreani", "nobody", ""):
        with pytest.raises(ValidationError) as exc:
            carriers.override_parcel(planner, parcel.s10, code)
        assert error_fields(exc) == {"carrier"}
    Carrier.objects.filter(code="br-loggi").update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        carriers.override_parcel(planner, parcel.s10, "br-loggi")
    assert error_fields(exc) == {"carrier"}
    with pytest.raises(ValidationError) as exc:
        carriers.override_parcel(planner, "HC123", "br-correios")
    assert error_fields(exc) == {"s10"}
    parcel.refresh_from_db()
    assert parcel.carrier.code == "br-correios" and parcel.carrier_choice == CarrierChoice.LANE


def test_planner_overrides_a_bag_and_its_parcels(make_parcel, hub_user):
    planner = f.user(Role.PLANNER)
    first, bag = bagged(make_parcel, hub_user)
    second, same = bagged(make_parcel, hub_user)
    assert same == bag
    with pytest.raises(PermissionDenied):
        carriers.override_bag(hub_user, bag.identifier, "br-jadlog")
    done = carriers.override_bag(planner, bag.identifier, "br-jadlog")
    assert done.carrier.code == "br-jadlog"
    assert set(Parcel.objects.filter(bag=bag).values_list("carrier__code", "carrier_choice")) == {
        ("br-jadlog", CarrierChoice.PLANNER)
    }
    assert carriers.override_bag(planner, bag.identifier, "br-jadlog") == bag  # again
    # Another open bag on the route takes Correios now; this one cannot take it too.
    other_parcel, other_bag = bagged(make_parcel, hub_user)
    assert other_bag != bag and other_bag.carrier.code == "br-correios"
    with pytest.raises(ValidationError) as exc:
        carriers.override_bag(planner, bag.identifier, "br-correios")
    assert error_fields(exc) == {"carrier"} and other_bag.identifier in str(exc.value)
    # Once a parcel has the carrier's number the carrier stays.
    carriers.set_number(first, "ABC123456")
    hub_steps.close_bag(hub_user, bag.identifier)
    with pytest.raises(ValidationError) as exc:
        carriers.override_bag(planner, bag.identifier, "br-loggi")
    assert error_fields(exc) == {"carrier"} and first.s10 in str(exc.value)
    assert Bag.objects.get(pk=bag.pk).carrier.code == "br-jadlog"


def test_carrier_number_follows_the_carrier_format(make_parcel):
    planner = f.user(Role.PLANNER)
    parcel = make_parcel(
        recipient_country="AR", recipient_city="Buenos Aires", recipient_state="C",
        recipient_postal_code="C1425ABC", service_level="premium",
    )  # fmt: skip
    assert parcel.carrier.code == "ar-andreani"
    for bad in ("913466999", "913466999X", ""):
        with pytest.raises(ValidationError) as exc:
            carriers.set_number(parcel, bad)
        assert error_fields(exc) == {"carrier_tracking_number"}
    assert carriers.set_number(parcel, "9134 669 991").carrier_tracking_number == "9134669991"
    assert carriers.set_number(parcel, "9134669991").carrier_tracking_number == "9134669991"
    with pytest.raises(ValidationError):
        carriers.set_number(parcel, "9134669992")  # it already has one
    twin = make_parcel(
        recipient_country="AR", recipient_city="Buenos Aires", recipient_state="C",
        recipient_postal_code="C1425ABC", service_level="premium",
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        carriers.set_number(twin, "9134669991")  # Andreani gave it to the first parcel
    assert parcel.s10 in str(exc.value)
    with pytest.raises(ValidationError):
        carriers.override_parcel(planner, "XX", "ar-oca")


def test_s10_carrier_checks_the_check_digit(make_parcel):
    parcel = make_parcel()  # Correios
    with pytest.raises(ValidationError) as exc:
        carriers.set_number(parcel, "RR123456784BR")
    assert "check digit" in str(exc.value)
    assert carriers.set_number(parcel, "RR123456785BR").carrier_tracking_number == ("RR123456785BR")
