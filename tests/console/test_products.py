"""The console's product list (filters, keyset pages, a merchant sees its own only, bulk
actions) and the product import (CSV and XLSX, headers in any language, dry run naming line
and column, apply all or nothing, export round trip) and the API's bulk upsert."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from caravana.accounts import services as accounts
from caravana.accounts.models import Role
from caravana.catalog.bulk import FIELDS
from caravana.catalog.models import Product, Stock, Variant
from caravana.console import product_files, product_views
from caravana.jobs.models import Job
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(media_root):
    user = f.user(Role.MERCHANT)
    m = f.merchant(staff=user)
    f.store(m, slug="tienda")
    f.category("audio")
    c = Client()
    c.force_login(user)
    c.merchant = m
    c.user = user
    return c


HEADER_ZH = ",".join(
    ["商品", "店铺", "类目", "HS编码", "标题（中文）", "SKU", "规格", "价格", "重量（克）",
     "长（厘米）", "宽（厘米）", "高（厘米）", "库存"]
)  # fmt: skip
HEADER_ES = ";".join(
    ["Producto", "Tienda", "Categoría", "Código HS", "Título (español)", "SKU", "Precio",
     "Peso (g)", "Largo (cm)", "Ancho (cm)", "Alto (cm)", "Stock"]
)  # fmt: skip


def upload(text: str, name: str = "p.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def test_product_list_filters_pages_and_shows_only_the_merchants_own(staff, monkeypatch):
    store = staff.merchant.stores.get()
    mine = [f.product(store, title_en=f"Mug {i}", stock=0 if i % 2 else 10) for i in range(5)]
    theirs = f.product(f.store(f.merchant()), title_en="Mug of theirs")
    monkeypatch.setattr(product_views, "PER_PAGE", 2)
    r = staff.get("/console/products/")
    assert r.status_code == 200
    shown = [p.pk for p in r.context["rows"]]
    assert shown == [mine[4].pk, mine[3].pk]
    r = staff.get("/console/products/?" + r.context["older"])
    assert [p.pk for p in r.context["rows"]] == [mine[2].pk, mine[1].pk]
    r = staff.get("/console/products/?" + r.context["newer"])
    assert [p.pk for p in r.context["rows"]] == [mine[4].pk, mine[3].pk]
    monkeypatch.setattr(product_views, "PER_PAGE", 50)
    r = staff.get("/console/products/?stock=out")
    assert {p.pk for p in r.context["rows"]} == {mine[1].pk, mine[3].pk}
    r = staff.get("/console/products/?q=Mug")
    assert theirs.pk not in {p.pk for p in r.context["rows"]}
    sku = mine[2].variants.get().sku
    r = staff.get(f"/console/products/?q={sku}")
    assert [p.pk for p in r.context["rows"]] == [mine[2].pk]
    r = staff.get(f"/console/products/?q={theirs.variants.get().sku}")
    assert r.context["rows"] == []
    r = staff.get("/console/products/?status=inactive&category=audio")
    assert r.context["rows"] == []


def test_bulk_actions_change_the_chosen_rows_only(staff):
    store = staff.merchant.stores.get()
    a, b = f.product(store, price="100.00"), f.product(store, price="100.00")
    theirs = f.product(f.store(f.merchant()))
    r = staff.post("/console/products/bulk/", {"action": "unpublish", "ids": [a.pk, theirs.pk]})
    assert r.status_code == 302
    assert list(Product.objects.filter(is_active=False)) == [a]
    staff.post("/console/products/bulk/", {"action": "price", "ids": [a.pk], "percent": "10"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert str(a.price_from) == "110.00" and str(b.price_from) == "100.00"
    staff.post("/console/products/bulk/", {"action": "stock", "ids": [b.pk], "quantity": "4"})
    assert Stock.objects.get(variant__product=b).quantity == 4
    r = staff.post(
        "/console/products/bulk/", {"action": "price", "ids": [a.pk], "percent": "x"}, follow=True
    )
    assert "Change (%)" in r.content.decode()


def test_dry_run_lists_every_error_by_line_and_column_then_nothing_is_written(staff):
    body = "\n".join(
        [
            HEADER_ZH,
            "P1,tienda,audio,851830,耳机,E-1,colour=红,abc,120,10,8,4,5",
            "P1,tienda,audio,851830,耳机,E-2,colour=蓝,99,999999,10,8,4,-1",
        ]
    )
    r = staff.post("/console/products/import/", {"file": upload(body)})
    assert r.status_code == 302
    result = staff.get(r.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    errors = result.context["page"].object_list
    assert [(e["line"], e["column"]) for e in errors] == [
        (2, "价格"),
        (3, "重量（克）"),
        (3, "库存"),
    ]
    assert not Variant.objects.exists()
    assert b"import-apply" not in result.content


def test_a_clean_file_is_checked_then_applied_once_and_again_idempotently(staff):
    body = "\n".join(
        [
            HEADER_ES,
            "P1;tienda;audio;8518.30;Auriculares;E-1;99,50;120;10;8;4;5",
            "P1;tienda;audio;8518.30;Auriculares;E-2;89;120;10;8;4;6",
        ]
    )
    r = staff.post("/console/products/import/", {"file": upload(body)})
    check = Job.objects.get(pk=int(r.url.rstrip("/").split("/")[-1]))
    page = staff.get(r.url)
    assert b"import-apply" in page.content and not Variant.objects.exists()
    r = staff.post(f"/console/products/import/{check.pk}/apply/")
    assert r.status_code == 302
    applied = staff.get(r.url)
    assert applied.context["applied"] and applied.context["result"]["summary"]["new_variants"] == 2
    p = Product.objects.get()
    assert str(p.price_from) == "89.00" and p.title_es == "Auriculares"
    staff.post(f"/console/products/import/{check.pk}/apply/")
    assert Product.objects.count() == 1 and Variant.objects.count() == 2
    other = Client()
    other.force_login(f.merchant(staff=f.user(Role.MERCHANT)).members.get().user)
    assert other.get(f"/console/products/import/{check.pk}/").status_code == 404
    assert other.post(f"/console/products/import/{check.pk}/apply/").status_code == 404


def test_export_xlsx_round_trips_through_the_import(staff):
    store = staff.merchant.stores.get()
    p = f.product(store, title_zh_hans="杯子", price="12.30")
    staff.post("/console/products/export/", {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="pt-br")
    job = Job.objects.filter(kind="console.products_export").get()
    assert job.state == "done"
    book = load_workbook(io.BytesIO(job.result_file.read()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "Produto" and rows[1][0] == p.pk
    sku = p.variants.get().sku
    wb = Workbook()
    ws = wb.active
    ws.append(rows[0])
    changed = list(rows[1])
    changed[rows[0].index("Preço")] = 15.5
    ws.append(changed)
    buf = io.BytesIO()
    wb.save(buf)
    r = staff.post(
        "/console/products/import/", {"file": SimpleUploadedFile("p.xlsx", buf.getvalue())}
    )
    check = staff.get(r.url).context["result"]
    assert check["errors"] == [] and check["summary"]["changed_variants"] == 1
    staff.post(r.url + "apply/")
    assert str(Variant.objects.get(sku=sku).price) == "15.50"


def test_a_file_with_unknown_columns_fails_the_check_naming_them(staff):
    r = staff.post("/console/products/import/", {"file": upload("SKU,Colour\nA,red")})
    job = Job.objects.get()
    assert job.state == "failed" and "Colour" in job.error
    assert r.status_code == 302


@pytest.fixture
def api(media_root):
    user = f.user(Role.MERCHANT)
    m = f.merchant(staff=user)
    f.store(m, slug="shop-a")
    f.category("audio")
    _token, secret = accounts.create_token(user, "erp")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


ROW = {
    "product": "new-1",
    "store": "shop-a",
    "category": "audio",
    "hs_code": "851830",
    "title_en": "Earphones",
    "price": "10.00",
    "weight_g": 100,
    "length_cm": 10,
    "width_cm": 5,
    "height_cm": 3,
    "stock": 4,
    "options": {"colour": "red"},
}


def test_api_bulk_upsert_names_row_and_field_and_is_all_or_nothing(api):
    rows = [dict(ROW, sku="A"), dict(ROW, sku="B", price="-3"), dict(ROW, sku="A")]
    r = api.post("/api/v1/merchant/variants/bulk", json.dumps({"rows": rows}), "application/json")
    assert r.status_code == 422
    locs = [d["loc"] for d in r.json()["detail"]]
    assert locs == [["body", "rows", 1, "price"], ["body", "rows", 2, "sku"]]
    rows = [dict(ROW, sku="C", size="M")]
    r = api.post("/api/v1/merchant/variants/bulk", json.dumps({"rows": rows}), "application/json")
    assert r.status_code == 422 and "size" in json.dumps(r.json())
    assert not Variant.objects.exists()
    rows = [dict(ROW, sku="A"), dict(ROW, sku="B", price="3")]
    r = api.post("/api/v1/merchant/variants/bulk", json.dumps({"rows": rows}), "application/json")
    assert r.status_code == 200, r.content
    assert r.json()["new_variants"] == 2 and r.json()["new_products"] == 1
    assert Variant.objects.get(sku="A").options == {"colour": "red"}
    r = api.post(
        "/api/v1/merchant/variants/bulk",
        json.dumps({"rows": [{"sku": "A", "stock": 9}], "dry_run": True}),
        "application/json",
    )
    assert r.json()["stock"] == 1 and Stock.objects.get(variant__sku="A").quantity == 4
    too_many = [{"sku": f"S{i}"} for i in range(1001)]
    r = api.post(
        "/api/v1/merchant/variants/bulk", json.dumps({"rows": too_many}), "application/json"
    )
    assert r.status_code == 422


def test_non_ascii_digits_in_the_query_and_the_form_are_no_500(staff):
    """ "²".isdigit() is True but int("²") raises: ids, pages and quantities use ASCII digits."""
    store = staff.merchant.stores.get()
    a = f.product(store, price="100.00")
    for query in ("after=²", "before=²", "store=²", "q=²", "after=" + "9" * 30):
        r = staff.get(f"/console/products/?{query}")
        assert r.status_code == 200, query
    before = Stock.objects.get(variant__product=a).quantity
    r = staff.post(
        "/console/products/bulk/",
        {"action": "stock", "ids": ["²", a.pk], "quantity": "²"},
        follow=True,
    )
    assert r.status_code == 200 and Stock.objects.get(variant__product=a).quantity == before
    for percent in ("NaN", "1E30", "sNaN"):
        r = staff.post(
            "/console/products/bulk/",
            {"action": "price", "ids": [a.pk], "percent": percent},
            follow=True,
        )
        assert r.status_code == 200 and "Change (%)" in r.content.decode()
    a.refresh_from_db()
    assert str(a.price_from) == "100.00"


def _xlsx(rows, dimension: str | None = None) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    if dimension is None:
        return out.getvalue()
    # Rewrite the sheet's claimed range, as a hostile 5 KB file does.
    src, dst = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), data
                )
            z.writestr(info, data)
    return dst.getvalue()


def test_an_xlsx_claiming_a_huge_range_reads_only_its_table(monkeypatch):
    """A sheet claiming A1:XFD200000 made openpyxl yield 16,384-wide rows, 200,000 of them."""
    data = _xlsx([["SKU", "Price"], ["A-1", 10], ["A-2", 12]], dimension="A1:XFD200000")
    assert len(data) < 10_000
    widths = []
    real = product_files._xlsx

    def spy(blob):
        for values in real(blob):
            widths.append(len(values))
            yield values

    monkeypatch.setattr(product_files, "_xlsx", spy)
    got = product_files.read("p.xlsx", data, 20_000)
    assert [r["sku"] for r in got] == ["A-1", "A-2"]
    assert max(widths) <= len(FIELDS) + 10
    assert len(widths) <= 3 + product_files.MAX_BLANK_RUN  # stopped after the blank run


def test_an_xlsx_that_unzips_too_large_is_refused_naming_the_file(monkeypatch):
    data = _xlsx([["SKU"], ["A-1"]])
    monkeypatch.setattr(product_files, "MAX_XLSX_UNZIPPED", 1000)
    with pytest.raises(ValidationError) as exc:
        product_files.read("p.xlsx", data, 20_000)
    assert "Unzipped" in exc.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as exc:
        product_files.read("p.xlsx", b"PK not a zip", 20_000)
    assert "file" in exc.value.message_dict


def test_blank_rows_count_toward_a_bound_and_oversized_data_is_refused(monkeypatch):
    monkeypatch.setattr(product_files, "MAX_BLANK_RUN", 3)
    body = "SKU\nA\n\n\nB\n\n\nC\n" + "\n" * 10 + "D\n"
    assert [r["sku"] for r in product_files.read("p.csv", body.encode(), 5)] == ["A", "B", "C"]
    gappy = "SKU\n" + "\n\nX\n" * 2 + "\n\n"  # 2 rows within the limit, 8 lines read
    with pytest.raises(ValidationError):
        product_files.read("p.csv", gappy.encode(), 2)  # 2 × 2 + 3 lines at most
    monkeypatch.setattr(product_files, "MAX_BYTES", 10)
    with pytest.raises(ValidationError) as exc:
        product_files.read("p.csv", b"SKU\nA-1\nA-2\n", 5)
    assert "file" in exc.value.message_dict
