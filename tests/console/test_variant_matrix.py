"""The variant matrix (issue 13, item 9): colour × size in one grid, prices and stock saved in
one post through catalog.services.set_variant_grid; a bad cell is named and nothing is saved;
the product's listing prices are refreshed once; Chinese labels in the Chinese console."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.catalog import receivers, services
from caravana.catalog.models import Stock
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def dress():
    staff = f.user(Role.MERCHANT, username="mei")
    merchant = f.merchant(staff=staff)
    cat = f.category("dresses", name_en="Dresses", name_zh_hans="连衣裙")
    product = services.create_product(
        f.store(merchant), {"category": cat, "hs_code": "610443", "title_zh_hans": "连衣裙"}
    )
    grid = {}
    for colour in ("Black", "Red"):
        for size in ("S", "M"):
            grid[colour, size] = f.variant(
                product, price="59.00", sku=f"D-{colour}-{size}",
                options={"colour": colour, "size": size},
            )  # fmt: skip
    client = Client()
    client.force_login(staff)
    return {"product": product, "grid": grid, "client": client, "merchant": merchant}


def post_of(grid, **over):
    data = {}
    for v in grid.values():
        data[f"price-{v.pk}"] = str(v.price)
        data[f"stock-{v.pk}"] = "0"
    data.update(over)
    return data


def test_one_post_sets_every_cell_and_refreshes_listing_prices_once(dress, monkeypatch):
    grid, product = dress["grid"], dress["product"]
    scheduled = []
    monkeypatch.setattr(receivers, "schedule", lambda **kw: scheduled.append(kw.get("product_ids")))
    black_m, red_s = grid["Black", "M"], grid["Red", "S"]
    data = post_of(grid, **{f"price-{black_m.pk}": "49,90", f"stock-{red_s.pk}": "12"})
    r = dress["client"].post(f"/console/products/{product.pk}/matrix/", data)
    assert r.status_code == 302
    black_m.refresh_from_db()
    product.refresh_from_db()
    assert black_m.price == Decimal("49.90") and product.price_from == Decimal("49.90")
    assert Stock.objects.get(variant=red_s).quantity == 12
    assert scheduled and all(ids == [product.pk] for ids in scheduled)


def test_a_bad_cell_is_named_and_nothing_is_saved(dress):
    grid, product = dress["grid"], dress["product"]
    black_s, red_m = grid["Black", "S"], grid["Red", "M"]
    data = post_of(grid, **{f"price-{black_s.pk}": "39.00", f"stock-{red_m.pk}": "lots"})
    r = dress["client"].post(f"/console/products/{product.pk}/matrix/", data)
    assert r.status_code == 422
    assert "Red / M" in r.content.decode()
    black_s.refresh_from_db()
    assert black_s.price == Decimal("59.00")
    assert not Stock.objects.filter(variant__product=product, quantity__gt=0).exists()


def test_the_service_refuses_stock_below_reserved_and_writes_nothing(dress):
    grid, product = dress["grid"], dress["product"]
    warehouse = dress["merchant"].warehouses.get()
    black_s, red_m = grid["Black", "S"], grid["Red", "M"]
    services.set_stock(red_m, warehouse, 5)
    Stock.objects.filter(variant=red_m).update(reserved=4)
    with pytest.raises(Exception) as exc:
        services.set_variant_grid(
            product, warehouse,
            {black_s.pk: {"price": Decimal("10.00")}, red_m.pk: {"quantity": 3}},
        )  # fmt: skip
    assert f"{red_m.pk}.quantity" in exc.value.message_dict
    black_s.refresh_from_db()
    assert black_s.price == Decimal("59.00")
    other = f.product()  # another product's variant is not this grid's
    with pytest.raises(Exception) as exc:
        services.set_variant_grid(
            product, warehouse, {other.variants.get().pk: {"price": Decimal("1.00")}}
        )
    assert exc.value.error_dict[f"{other.variants.get().pk}.variant"][0].code == "unknown_variant"


def test_the_grid_is_in_chinese_for_a_chinese_merchant(dress):
    client, product = dress["client"], dress["product"]
    client.cookies["django_language"] = "zh-hans"
    html = client.get(f"/console/products/{product.pk}/matrix/").content.decode()
    assert "颜色 × 尺码" in html and "黑色" in html and "红色" in html
    assert "连衣裙" in html
    form = client.get(f"/console/products/{product.pk}/").content.decode()
    assert "连衣裙</option>" in form  # the category select


def test_another_merchants_product_has_no_matrix(dress):
    other = f.product()
    assert dress["client"].get(f"/console/products/{other.pk}/matrix/").status_code == 404


@pytest.mark.parametrize("stock", ["²", "１２", "9" * 40])
def test_a_stock_of_non_ascii_or_endless_digits_is_a_cell_error(dress, stock):
    """ "²".isdigit() is True but int("²") raises: such a cell is an error, not a 500."""
    grid, product = dress["grid"], dress["product"]
    data = post_of(grid, **{f"stock-{grid['Red', 'M'].pk}": stock})
    r = dress["client"].post(f"/console/products/{product.pk}/matrix/", data)
    assert r.status_code == 422 and "Red / M" in r.content.decode()


def test_a_price_too_large_for_the_column_is_refused(dress):
    grid, product = dress["grid"], dress["product"]
    data = post_of(grid, **{f"price-{grid['Black', 'S'].pk}": "1E30"})
    r = dress["client"].post(f"/console/products/{product.pk}/matrix/", data)
    assert r.status_code == 422
    grid["Black", "S"].refresh_from_db()
    assert grid["Black", "S"].price == Decimal("59.00")


# Empty cells (issue 13): filling one creates that variant in the same all-or-nothing post.


def with_hole(dress):
    """Black comes in L too; Red does not: the Red / L cell is empty."""
    grid, product = dress["grid"], dress["product"]
    grid["Black", "L"] = f.variant(
        product, price="61.00", sku="D-Black-L", options={"colour": "Black", "size": "L"}
    )
    page = dress["client"].get(f"/console/products/{product.pk}/matrix/").content.decode()
    assert 'name="new-price-1-2"' in page  # row Red (1), column L (2)
    return grid, product


def test_filling_an_empty_cell_creates_the_variant(dress):
    grid, product = with_hole(dress)
    data = post_of(grid, **{"new-price-1-2": "64,50", "new-stock-1-2": "7"})
    r = dress["client"].post(f"/console/products/{product.pk}/matrix/", data)
    assert r.status_code == 302
    made = product.variants.get(options={"colour": "Red", "size": "L"})
    assert made.price == Decimal("64.50") and made.sku == "D-Black-RED-L"
    assert made.weight_g == grid["Black", "L"].weight_g
    assert Stock.objects.get(variant=made).quantity == 7
    # The same post again: the cell is a variant now, nothing more is created.
    again = dress["client"].post(f"/console/products/{product.pk}/matrix/", data)
    assert again.status_code == 302 and product.variants.count() == 6


def test_a_typed_sku_and_a_blank_cell(dress):
    grid, product = with_hole(dress)
    data = post_of(grid, **{"new-price-1-2": "64", "new-sku-1-2": "RED-L-01"})
    assert dress["client"].post(f"/console/products/{product.pk}/matrix/", data).status_code == 302
    made = product.variants.get(sku="RED-L-01")
    assert Stock.objects.get(variant=made).quantity == 0
    # A post leaving the empty cells blank creates nothing.
    n = product.variants.count()
    dress["client"].post(f"/console/products/{product.pk}/matrix/", post_of(grid))
    assert product.variants.count() == n


def test_a_bad_new_cell_is_named_and_nothing_is_saved(dress):
    grid, product = with_hole(dress)
    black_s = grid["Black", "S"]
    data = post_of(grid, **{f"price-{black_s.pk}": "10", "new-price-1-2": "free"})
    r = dress["client"].post(f"/console/products/{product.pk}/matrix/", data)
    assert r.status_code == 422
    body = r.content.decode()
    assert "Red / L: Price" in body
    black_s.refresh_from_db()
    assert black_s.price == Decimal("59.00") and product.variants.count() == 5
    # A typed SKU another variant has: named on the cell, and the other cells' change undone.
    taken = post_of(grid, **{f"price-{black_s.pk}": "10", "new-price-1-2": "60",
                             "new-sku-1-2": "D-Red-S"})  # fmt: skip
    r = dress["client"].post(f"/console/products/{product.pk}/matrix/", taken)
    assert r.status_code == 422 and "Red / L: SKU" in r.content.decode()
    black_s.refresh_from_db()
    assert black_s.price == Decimal("59.00") and product.variants.count() == 5


def test_empty_cells_in_chinese(dress):
    _grid, product = with_hole(dress)
    c = dress["client"]
    c.cookies["django_language"] = "zh-hans"
    page = c.get(f"/console/products/{product.pk}/matrix/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "填写价格即可创建" in html and "留空则自动生成" in html
