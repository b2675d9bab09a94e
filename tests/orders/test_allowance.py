"""A buyer ID's yearly import allowance at checkout (orders.allowance): a Peruvian DNI imports
at most 3 shipments and US$1,000 a year, an Argentine buyer 5 shipments (customs.md); a RUC
has no limit; a refused cart writes nothing and says what is left."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from stdnum.ar import cuit as ar_cuit
from stdnum.pe import ruc

from caravana import clock
from caravana.orders.models import Order, OrderGroup, OrderStatus
from caravana.pricing.models import RuleSetVersion
from caravana.pricing.rules import RuleError, RuleSet, load_rulebook
from tests import factories as f
from tests.orders.support import CHECKOUT, buyer, place

pytestmark = pytest.mark.django_db

PE, AR = CHECKOUT["PE"], CHECKOUT["AR"]


def _shipped() -> dict[str, RuleSet]:
    """rules.json's rule sets by id."""
    return {rs.id: rs for sets in load_rulebook().by_country.values() for rs in sets}


def _refused(user, data, lines, country):
    """The checkout's error on the buyer's ID, and that nothing was written."""
    before = (Order.objects.count(), OrderGroup.objects.count())
    with pytest.raises(ValidationError) as err:
        place(user, data, lines=lines, country=country)
    assert (Order.objects.count(), OrderGroup.objects.count()) == before
    assert list(err.value.error_dict) == ["buyer_id"]
    error = err.value.error_dict["buyer_id"][0]
    assert error.code == "yearly_allowance"
    return error.message % error.params if error.params else str(error.message)


def test_a_peruvian_dni_imports_three_shipments_a_year_and_a_ruc_more(market):
    a, b = market
    user = buyer()
    for _ in range(3):
        place(user, PE, lines=[(b.pk, 1)], country="PE")
    message = _refused(user, PE, [(b.pk, 1)], "PE")
    assert "3" in message and "0" in message  # the limit, and none left
    company = "20" + "12345678"
    company += ruc.calc_check_digit(company)
    group, _payment, _replayed = place(
        user,
        {**PE, "buyer_id": company, "buyer_id_type": "pe.ruc"},
        lines=[(b.pk, 1)],
        country="PE",
    )
    assert group.buyer_id_type == "pe.ruc"


def test_a_dni_typed_with_its_check_character_is_the_same_person(market):
    """stdnum keeps a DNI's check character when typed: 12345678 and 12345678-1 (or E) are one
    person's, and share one allowance."""
    _a, b = market
    user = buyer()
    for number in ("12345678", "12345678-1", "12345678E"):
        place(user, {**PE, "buyer_id": number}, lines=[(b.pk, 1)], country="PE")
    for number in ("12345678", "123456781", "12345678-E"):
        _refused(user, {**PE, "buyer_id": number}, [(b.pk, 1)], "PE")


def test_a_cart_of_two_merchants_is_two_shipments(market):
    a, b = market
    user = buyer()
    place(user, PE, lines=[(a.pk, 1)], country="PE")
    place(user, PE, lines=[(b.pk, 1)], country="PE")
    message = _refused(user, PE, [(a.pk, 1), (b.pk, 1)], "PE")
    assert "1" in message and "2" in message  # one left, the cart makes two
    place(user, PE, lines=[(a.pk, 1)], country="PE")  # the one left


def test_a_dni_imports_at_most_us_1000_a_year(market):
    pricey = f.product(price="3000.00", stock=10).variants.get()  # CN¥3,000: about US$423
    user = buyer()
    place(user, PE, lines=[(pricey.pk, 2)], country="PE")
    message = _refused(user, PE, [(pricey.pk, 1)], "PE")
    assert "US$1000" in message


def test_cancelled_orders_give_their_shipment_back(market):
    a, b = market
    user = buyer()
    for _ in range(3):
        group, _payment, _replayed = place(user, PE, lines=[(b.pk, 1)], country="PE")
    group.orders.update(status=OrderStatus.CANCELLED)
    place(user, PE, lines=[(b.pk, 1)], country="PE")


def test_an_argentine_buyer_imports_five_shipments_a_year(market):
    a, b = market
    user = buyer()
    for _ in range(5):
        place(user, AR, lines=[(b.pk, 1)], country="AR")
    assert "5" in _refused(user, AR, [(b.pk, 1)], "AR")
    # the same person's CUIL (prefix 20, the DNI, a check digit) is the same allowance
    cuil = "2020123456"
    cuil += ar_cuit.calc_check_digit(cuil)
    assert "5" in _refused(user, {**AR, "buyer_id": cuil}, [(b.pk, 1)], "AR")
    # and so is the same eleven digits given as a CUIT (a person's CUIT is their CUIL)
    as_cuit = {**AR, "buyer_id": cuil, "buyer_id_type": "ar.cuit"}
    assert "5" in _refused(user, as_cuit, [(b.pk, 1)], "AR")
    # a company's CUIT (prefix 30) is its own
    company = "3020123456"
    company += ar_cuit.calc_check_digit(company)
    place(user, {**AR, "buyer_id": company, "buyer_id_type": "ar.cuit"}, lines=[(b.pk, 1)],
          country="AR")  # fmt: skip
    # another person's ID is another allowance
    place(user, {**AR, "buyer_id": "20.123.457"}, lines=[(b.pk, 1)], country="AR")


def test_the_allowance_is_a_calendar_year_in_the_markets_time(market):
    a, b = market
    user = buyer()
    lima = ZoneInfo("America/Lima")
    last_day, new_year = (
        dt.datetime(2025, 12, 31, 23, 0, tzinfo=lima),
        dt.datetime(2026, 1, 1, 0, 30, tzinfo=lima),
    )  # 04:00 and 05:30 UTC on 1 January: one Lima year apart
    for moment in (last_day, new_year):
        f.fx_rates(on=moment.date())
        f.fx_rates(on=moment.astimezone(dt.UTC).date())
    with clock.at(last_day):
        for _ in range(3):
            place(user, PE, lines=[(b.pk, 1)], country="PE")
        _refused(user, PE, [(b.pk, 1)], "PE")
    with clock.at(new_year):
        place(user, PE, lines=[(b.pk, 1)], country="PE")


def test_the_shipped_rule_sets_carry_the_allowances():
    """Migration 0006 put them in the databases' rule sets; rules.json has them with sources."""
    book = _shipped()
    pe = book["PE-ERR-2020-11"].allowance
    assert pe is not None and (pe.id_types, pe.shipments, str(pe.fob_usd)) == (
        ("pe.cui",), 3, "1000",
    )  # fmt: skip
    assert pe.source and pe.binds("pe.cui") and not pe.binds("pe.ruc")
    for rule_id in ("AR-1065-2024-12", "AR-1065-2025-03", "AR-1065-2025-11"):
        ar = book[rule_id].allowance
        assert ar is not None and ar.shipments == 5 and ar.fob_usd is None
        assert ar.binds("ar.dni") and ar.binds("ar.cuit")
    stored = RuleSetVersion.objects.get(rule_id="PE-ERR-2020-11").body
    assert stored["yearly_allowance"]["shipments"] == 3
    assert "yearly_allowance" not in RuleSetVersion.objects.get(rule_id="BR-RTS-2025-04").body


@pytest.mark.parametrize(
    ("allowance", "where"),
    [({"shipments": 0, "source": "s"}, "shipments"), ({"shipments": "3", "source": "s"},
     "shipments"), ({"fob_usd": 1000.0, "source": "s"}, "fob_usd"), ({"shipments": 3}, "source"),
     ({"fob_usd": "0", "source": "s"}, "fob_usd"), ({"id_types": "pe.cui", "source": "s"},
     "id_types")],
)  # fmt: skip
def test_a_bad_allowance_is_refused_by_name(allowance, where):
    raw = dict(_shipped()["PE-ERR-2020-11"].raw)
    with pytest.raises(RuleError, match=where):
        RuleSet.from_dict({**raw, "yearly_allowance": allowance})
