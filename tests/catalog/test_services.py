from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from caravana.catalog import services
from caravana.catalog.models import Merchant, Product, Stock, Variant
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_factory_uscc_is_valid():
    assert uscc.is_valid(f.make_uscc(7))


def test_merchant_with_bad_uscc_is_refused_and_nothing_written():
    with pytest.raises(ValidationError) as err:
        services.create_merchant(
            legal_name="X",
            uscc="91440300MA5F00000X",
            contact_name="a",
            contact_email="a@b.cn",
            city="Shenzhen",
        )
    assert "uscc" in err.value.message_dict
    assert Merchant.objects.count() == 0


def test_product_with_unknown_hs_code_names_the_field():
    s = f.store()
    with pytest.raises(ValidationError) as err:
        services.create_product(
            s, {"category": f.category(), "hs_code": "999999", "title_en": "Earphones"}
        )
    assert list(err.value.message_dict) == ["hs_code"]
    assert Product.objects.count() == 0


def test_product_needs_a_title_in_some_language():
    with pytest.raises(ValidationError) as err:
        services.create_product(f.store(), {"category": f.category(), "hs_code": "851830"})
    assert "title_en" in err.value.message_dict


def test_unknown_field_is_refused():
    with pytest.raises(ValidationError) as err:
        services.create_product(
            f.store(),
            {"category": f.category(), "hs_code": "851830", "title_en": "x", "colour": "red"},
        )
    assert "colour" in err.value.message_dict


def test_sku_unique_per_merchant_but_not_across_merchants():
    p1 = f.product()
    f.variant(p1, sku="A-1")
    with pytest.raises(ValidationError) as err:
        f.variant(p1, sku="A-1")
    assert "sku" in err.value.message_dict
    other = f.product()
    f.variant(other, sku="A-1")  # another merchant may use the same SKU
    assert Variant.objects.filter(sku="A-1").count() == 2


def test_price_from_follows_the_cheapest_variant():
    p = f.product(price="120.00")
    f.variant(p, price="80.50")
    p.refresh_from_db()
    assert p.price_from == Decimal("80.50")
    v = p.variants.get(price=Decimal("80.50"))
    services.update_variant(v, {"price": Decimal("200")})
    p.refresh_from_db()
    assert p.price_from == Decimal("120.00")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_g", 0),
        ("weight_g", 90_000),
        ("length_cm", Decimal("0")),
        ("height_cm", Decimal("500")),
        ("price", Decimal("0")),
        ("currency", "EUR"),
        ("battery", "nuclear"),
        ("options", ["red"]),
    ],
)
def test_bad_variant_fields_are_named(field, value):
    p = f.product()
    before = Variant.objects.count()
    with pytest.raises(ValidationError) as err:
        f.variant(p, **{field: value})
    assert field in err.value.message_dict
    assert Variant.objects.count() == before


def test_stock_cannot_fall_below_reserved():
    p = f.product(stock=5)
    v = p.variants.first()
    wh = p.store.merchant.warehouses.get()
    Stock.objects.filter(variant=v).update(reserved=3)
    with pytest.raises(ValidationError) as err:
        services.set_stock(v, wh, 2)
    assert "quantity" in err.value.message_dict
    assert Stock.objects.get(variant=v).quantity == 5
    services.set_stock(v, wh, 3)
    assert Stock.objects.get(variant=v).quantity == 3


def test_stock_in_another_merchants_warehouse_is_refused():
    p = f.product()
    other = f.merchant()
    with pytest.raises(ValidationError) as err:
        services.set_stock(p.variants.first(), other.warehouses.get(), 4)
    assert "warehouse" in err.value.message_dict
