"""The bulk upsert (catalog.bulk + services.bulk_upsert): every row's errors named by row and
field with nothing written, one transaction, the same rows applied twice change nothing, and
the touched products' price_from, updated_at and listing prices kept as a single save keeps
them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from caravana.catalog import bulk, services
from caravana.catalog.models import Product, Stock, Variant
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    m = f.merchant()
    store = f.store(m, slug="tienda")
    f.category("audio")
    return m, store


def rows(n: int = 2, **extra) -> list[dict]:
    out = []
    for i in range(n):
        row = {
            "product": "P1",
            "store": "tienda",
            "category": "audio",
            "hs_code": "851830",
            "title_en": "Earphones",
            "title_zh_hans": "耳机",
            "sku": f"EAR-{i}",
            "options": f"colour=c{i}",
            "price": "99.50",
            "weight_g": "120",
            "length_cm": "10",
            "width_cm": "8",
            "height_cm": "4",
            "stock": "7",
        }
        row.update(extra)
        out.append(row)
    return out


def test_new_rows_make_one_product_its_variants_and_stock(shop, django_capture_on_commit_callbacks):
    m, store = shop
    with django_capture_on_commit_callbacks() as callbacks:
        plan = services.bulk_upsert(m, rows(3))
    assert plan.errors == []
    assert plan.summary()["new_products"] == 1 and plan.summary()["new_variants"] == 3
    product = Product.objects.get(store=store)
    assert product.price_from == Decimal("99.50") and product.price_currency == "CNY"
    assert product.variants.count() == 3
    assert Variant.objects.get(sku="EAR-1").options == {"colour": "c1"}
    assert set(Stock.objects.values_list("quantity", flat=True)) == {7}
    assert callbacks, "the listing-price refresh is scheduled after the commit"


def test_applying_again_changes_nothing_and_updates_by_sku(shop):
    m, store = shop
    services.bulk_upsert(m, rows(2))
    again = services.bulk_upsert(m, rows(2))
    assert again.summary() == {
        "new_products": 0,
        "changed_products": 0,
        "new_variants": 0,
        "changed_variants": 0,
        "stock": 0,
    }
    assert Product.objects.filter(store=store).count() == 1
    changed = rows(2)
    changed[1]["price"] = "50"
    changed[1]["stock"] = "0"
    plan = services.bulk_upsert(m, changed)
    assert plan.summary()["changed_variants"] == 1 and plan.summary()["stock"] == 1
    p = Product.objects.get(store=store)
    assert p.price_from == Decimal("50.00")
    assert Stock.objects.get(variant__sku="EAR-1").quantity == 0


def test_every_error_is_named_and_nothing_is_written(shop):
    m, _store = shop
    bad = rows(3)
    bad[0]["price"] = "abc"
    bad[1]["weight_g"] = "80000"
    bad[1]["battery"] = "standalone"
    bad[2]["sku"] = "EAR-0"
    bad.append({"sku": "X", "product": "P2", "price": "1"})
    plan = services.bulk_upsert(m, bad)
    found = {(e.row, e.field) for e in plan.errors}
    assert {(0, "price"), (1, "weight_g"), (2, "sku")} <= found
    assert {
        (3, "store"),
        (3, "category"),
        (3, "hs_code"),
        (3, "title_en"),
        (3, "weight_g"),
    } <= found
    assert not Product.objects.exists() and not Variant.objects.exists()
    exc = services.bulk_errors(plan.errors)
    assert "rows.0.price" in exc.message_dict


def test_a_failure_while_writing_rolls_everything_back(shop, monkeypatch):
    m, _store = shop

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Stock.objects, "bulk_create", boom)
    with pytest.raises(RuntimeError):
        services.bulk_upsert(m, rows(2))
    assert not Product.objects.exists() and not Variant.objects.exists()


def test_other_merchants_products_and_reserved_stock_are_refused(shop):
    m, store = shop
    theirs = f.product(f.store(f.merchant()))
    mine = f.product(store)
    v = mine.variants.get()
    Stock.objects.filter(variant=v).update(reserved=5)
    plan = services.bulk_upsert(
        m,
        [
            {"product": str(theirs.pk), "sku": "N1", "price": "1", "weight_g": "1",
             "length_cm": "1", "width_cm": "1", "height_cm": "1"},
            {"sku": v.sku, "stock": "3"},
            {"sku": v.sku + "-b", "product": str(mine.pk), "price": "1,5", "weight_g": "1",
             "length_cm": "1", "width_cm": "1", "height_cm": "1", "colour": "x"},
        ],
    )  # fmt: skip
    found = {(e.row, e.field) for e in plan.errors}
    assert found == {(0, "product"), (1, "stock"), (2, "colour")}


def test_a_label_with_a_known_sku_means_that_product(shop):
    m, store = shop
    services.bulk_upsert(m, rows(1))
    more = rows(2)
    services.bulk_upsert(m, more)
    assert Product.objects.filter(store=store).count() == 1
    assert Product.objects.get(store=store).variants.count() == 2


def test_cells_parse_as_a_spreadsheet_writes_them():
    assert bulk.parse_options("colour=红; size=M") == {"colour": "红", "size": "M"}
    assert bulk.text(12345.0) == "12345" and bulk.text("'-12") == "-12"
    assert bulk.parse_bool("是") is True and bulk.parse_bool("não") is False
    with pytest.raises(ValueError):
        bulk.parse_options("red")


def test_bulk_actions_publish_reprice_and_set_stock(shop):
    m, store = shop
    p = f.product(store, price="100.00")
    other = f.product(f.store(f.merchant()))
    services.set_products_active(m, [p.pk, other.pk], False)
    p.refresh_from_db()
    other.refresh_from_db()
    assert p.is_active is False and other.is_active is True
    services.change_prices(m, [p.pk], Decimal("-12.5"))
    p.refresh_from_db()
    assert p.price_from == Decimal("87.50")
    wh = m.warehouses.get()
    services.set_products_stock(m, [p.pk], wh, 3)
    assert Stock.objects.get(variant__product=p).quantity == 3
    with pytest.raises(Exception) as exc:
        services.change_prices(m, [p.pk], Decimal("-95"))
    assert "percent" in exc.value.message_dict


def test_numbers_that_do_not_fit_or_are_not_ascii_are_refused_naming_the_field(shop):
    """1E30 overflowed the quantize (InvalidOperation, a 500); "²".isdigit() is True yet
    int("²") raised Python's own untranslated message."""
    m, _store = shop
    bad = rows(4)
    bad[0]["price"] = "1E30"
    bad[1]["weight_g"] = "²"
    bad[2]["stock"] = "１２"
    bad[3]["stock"] = "9" * 5000
    bad[3]["product"] = "²"  # not an id: a label like any other
    plan = services.bulk_upsert(m, bad)
    found = {(e.row, e.field): e.message for e in plan.errors}
    assert "Give a number from" in found[0, "price"]
    assert "is not a whole number" in found[1, "weight_g"]
    assert "is not a whole number" in found[2, "stock"]
    assert "Give a whole number from" in found[3, "stock"]
    assert not Variant.objects.exists()


@pytest.mark.parametrize("percent", ["NaN", "sNaN", "Infinity"])
def test_a_percent_that_is_not_a_finite_number_is_refused(shop, percent):
    m, store = shop
    p = f.product(store, price="100.00")
    with pytest.raises(ValidationError) as exc:
        services.change_prices(m, [p.pk], Decimal(percent))
    assert "percent" in exc.value.message_dict


def test_a_new_price_too_large_for_the_column_is_refused_and_nothing_changes(shop):
    m, store = shop
    p = f.product(store, price="9999999999.99")
    cheap = f.product(store, price="10.00")
    with pytest.raises(ValidationError) as exc:
        services.change_prices(m, [cheap.pk, p.pk], Decimal("1000"))
    assert "percent" in exc.value.message_dict
    assert Variant.objects.get(product=cheap).price == Decimal("10.00")
