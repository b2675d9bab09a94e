"""Issue 14 item 1: every parcel carries its customs declaration, built when its label is
created from the order: for each of the six destinations, from a real paid order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from caravana.codes import cn23
from caravana.customs import services as customs
from caravana.customs.models import Declaration
from caravana.fulfillment.services import parcels as parcel_services
from tests.customs.conftest import DOCUMENT, NATIONAL, set_national_codes, ship
from tests.fulfillment.conftest import parcel_data

pytestmark = pytest.mark.django_db

LOCAL_TITLE = {"pt-br": "Fones de ouvido sem fio", "es": "Auriculares inalámbricos"}


@pytest.mark.parametrize("country", ["BR", "MX", "CL", "CO", "PE", "AR"])
def test_each_country_gets_its_declaration_from_the_order(shop, country):
    merchant, earphones, case = shop
    set_national_codes(earphones)
    order, parcel = ship(country, [(earphones.variants.get().pk, 2), (case.variants.get().pk, 1)])
    d = Declaration.objects.get(parcel=parcel)  # made with the label, not on demand
    quote = order.quote

    assert d.destination_country == country
    assert d.category == cn23.SALE_OF_GOODS
    assert d.invoice_number == order.number
    assert (d.buyer_document_type, d.buyer_document_number) == DOCUMENT[country]
    assert (d.sender_name, d.sender_uscc) == (merchant.legal_name, merchant.uscc)
    assert d.sender_address == "Shenzhen, China"

    # Values in USD as the landed-cost quote computed them (what duties were based on).
    assert d.currency == "USD"
    usd = [Decimal(line["usd_exact"]) for line in quote["lines"]]
    items = customs.items_of(d)
    assert [it.value for it in items] == [v.quantize(Decimal("0.01")) for v in usd]
    assert d.goods_value == sum(it.value for it in items)
    assert d.freight == Decimal(quote["shipping"]["usd_exact"]).quantize(Decimal("0.01"))
    insurance = quote["insurance"]
    assert d.insurance == (
        Decimal(insurance["usd_exact"]).quantize(Decimal("0.01")) if insurance else 0
    )
    assert d.customs_value == d.goods_value + d.freight + d.insurance

    ear, phone_case = items
    assert (ear.hs_code, ear.national_code, ear.tariff_code) == (
        "851830",
        NATIONAL[country],
        NATIONAL[country],
    )
    assert (phone_case.hs_code, phone_case.national_code) == ("392690", "")
    assert (ear.quantity, ear.net_weight_g, ear.origin_country) == (2, 500, "CN")
    assert ear.description_en == "Wireless earphones"
    assert ear.description_local == LOCAL_TITLE[d.language]
    # No title in the buyer's language: English stands in, and the declaration says so.
    assert phone_case.description_local == "Phone case"
    assert any("items[1].description_local" in w for w in d.warnings)
    assert d.net_weight_g == 750 and d.gross_weight_g >= 750


def test_the_sender_address_the_merchant_gave_customs(shop):
    merchant, earphones, _case = shop
    customs.set_sender_identity(
        merchant,
        {
            "legal_name": merchant.legal_name,
            "legal_name_zh": "深圳测试电子有限公司",
            "uscc": merchant.uscc,
            "province": "Guangdong Sheng",
            "city": "深圳市",
            "district": "Nanshan Qu",
            "postal_code": "518057",
            "street_address": "No. 8 Keji Road",
        },
    )
    _order, parcel = ship("BR", [(earphones.variants.get().pk, 1)])
    assert customs.declaration_for(parcel).sender_address == (
        "No. 8 Keji Road, Nanshan Qu, Shenzhen Shi, Guangdong Sheng 518057, China"
    )


def test_a_parcel_without_an_order_declares_what_the_merchant_wrote(shop):
    merchant, _e, _c = shop
    parcel = parcel_services.create_parcel(merchant, parcel_data())
    d = customs.declaration_for(parcel)
    assert d.currency == parcel.declared_currency
    assert d.invoice_number == parcel.s10  # no order: the parcel's own number
    assert d.goods_value == parcel.declared_value
    assert (d.freight, d.insurance) == (0, 0)
    assert customs.items_of(d)[0].description_en == parcel.items.get().description


def test_declaring_twice_changes_nothing(shop):
    _m, earphones, _c = shop
    _order, parcel = ship("MX", [(earphones.variants.get().pk, 1)])
    first = customs.declaration_for(parcel)
    assert customs.declare_parcel(parcel).pk == first.pk
    assert customs.declare_parcels([parcel.pk]) == (0, {})
    assert Declaration.objects.count() == 1


def test_two_first_declarations_of_one_parcel_give_one(shop, monkeypatch):
    """Two requests printing the CN 23 of a parcel made before customs: the second to insert
    finds the first's declaration instead of failing on the one-per-parcel constraint."""
    _m, earphones, _c = shop
    _order, parcel = ship("CL", [(earphones.variants.get().pk, 1)])
    Declaration.objects.all().delete()
    real_build = customs.decl.build

    def build_while_another_request_declares(data):
        built = real_build(data)
        Declaration.objects.create(parcel_id=parcel.pk, **customs._values(built))
        return built

    monkeypatch.setattr(customs.decl, "build", build_while_another_request_declares)
    found = customs.declaration_for(parcel)
    assert Declaration.objects.get().pk == found.pk


def test_parcels_made_before_customs_are_declared_in_bulk(shop):
    _m, earphones, _c = shop
    parcels = [ship(c, [(earphones.variants.get().pk, 1)])[1] for c in ("BR", "CL")]
    Declaration.objects.all().delete()
    made, refused = customs.declare_parcels([p.pk for p in parcels])
    assert (made, refused) == (2, {})
    assert set(Declaration.objects.values_list("destination_country", flat=True)) == {"BR", "CL"}


def test_a_national_code_must_extend_the_hs_code(shop):
    _m, earphones, _c = shop
    with pytest.raises(ValidationError) as err:
        customs.set_national_code(earphones, "BR", "84713012")  # another heading
    assert "code" in err.value.message_dict
    with pytest.raises(ValidationError):
        customs.set_national_code(earphones, "MX", "85183000")  # MX needs 10 digits
    assert not earphones.national_codes.exists()
    customs.set_national_code(earphones, "BR", "8518.30.00")
    assert earphones.national_codes.get().code == "85183000"
    customs.set_national_code(earphones, "BR", "")
    assert not earphones.national_codes.exists()


def test_a_bad_sender_refuses_the_label_and_changes_nothing(shop):
    from caravana.catalog.models import Merchant
    from caravana.fulfillment.models import Parcel

    merchant, _e, _c = shop
    Merchant.objects.filter(pk=merchant.pk).update(uscc="91350100M000100Y4X")  # bad check
    merchant.refresh_from_db()
    with pytest.raises(ValidationError) as err:
        parcel_services.create_parcel(merchant, parcel_data())
    assert "sender_uscc" in err.value.message_dict
    assert not Parcel.objects.exists() and not Declaration.objects.exists()


def test_declaring_costs_the_same_queries_whatever_the_number_of_items(shop):
    """The label's hot path: a declaration reads its parcel, items, order lines, products and
    national codes in one query each, not one per item."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    merchant, earphones, case = shop
    set_national_codes(earphones)
    ear, cover = earphones.variants.get().pk, case.variants.get().pk
    item = parcel_data()["items"][0]
    parcels = [
        ship("BR", [(ear, 1)])[1],
        ship("BR", [(ear, 2), (cover, 3)])[1],
        parcel_services.create_parcel(merchant, parcel_data()),
        parcel_services.create_parcel(
            merchant, parcel_data(items=[{**item, "description": f"Item {n}"} for n in range(30)])
        ),
    ]
    Declaration.objects.all().delete()
    counts = []
    for parcel in parcels:
        with CaptureQueriesContext(connection) as queries:
            customs.declare_parcel(parcel)
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[2] == counts[3], counts
    assert Declaration.objects.count() == 4
