"""The console's product list and CSV import in a real Chromium, in Chinese: the list filters
and fits 1366 and 390 px; a CSV with a bad price is checked (its line and column named, nothing
saved), then a corrected one is checked and applied with one click. With --screenshots the
pages go to docs/screenshots/console-products-<page>-<width>.png."""

from __future__ import annotations

import pytest

from caravana.accounts.models import Role
from caravana.catalog.models import Variant
from tests import factories as f
from tests.browser import journey as j
from tests.browser.axe import overflow, settle, small_targets, sticking_out, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ",".join(
    ["商品", "店铺", "类目", "HS编码", "标题（中文）", "标题（英语）", "SKU", "规格", "价格",
     "重量（克）", "长（厘米）", "宽（厘米）", "高（厘米）", "库存"]
)  # fmt: skip


@pytest.fixture
def shop(media_root):
    merchant = f.merchant(staff=f.user(Role.MERCHANT, username="mei"))
    store = f.store(merchant, slug="mei-audio")
    f.category("audio", name_zh_hans="音频")
    for i, (zh, en) in enumerate([("无线耳机", "Wireless earphones"), ("手机壳", "Phone case"),
                                  ("充电器", "Charger"), ("数据线", "USB cable")]):  # fmt: skip
        f.product(store, title_en=en, title_zh_hans=zh, stock=0 if i == 1 else 12)
    return merchant


def check(page, name: str, shots) -> None:
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        settle(page)
        assert overflow(page) <= 0, (name, width, sticking_out(page))
        assert small_targets(page) == [], (name, width)
    assert violations(page) == [], name
    j.shoot(page, shots, "console", f"products-{name}")


def test_csv_import_dry_run_then_apply(live_server, browser, shop, request, tmp_path):
    shots = j.SHOT_DIR if request.config.getoption("--screenshots") else None
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "mei")
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")

    page.goto(live_server.url + "/console/products/")
    assert page.locator("[data-testid=product-table] tbody tr").count() == 4
    check(page, "list-zh", shots)
    page.select_option("select[name=stock]", "out")
    page.locator("[data-testid=product-filters] [type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=product-table] tbody tr").count() == 1
    assert "手机壳" in page.locator("[data-testid=product-table]").inner_text()

    bad = tmp_path / "products.csv"
    rows = [HEADER]
    for i in range(3):
        price = "九十" if i == 1 else "89.90"
        rows.append(f"E1,mei-audio,audio,851830,蓝牙耳机,Bluetooth earphones,BT-{i},colour=c{i},"
                    f"{price},120,10,8,4,{5 + i}")  # fmt: skip
    bad.write_text("\n".join(rows), encoding="utf-8")
    page.goto(live_server.url + "/console/products/import/")
    page.set_input_files("input[name=file]", str(bad))
    page.locator("[data-testid=import-check]").click()
    page.locator("[data-testid=import-errors]").wait_for()
    table = page.locator("[data-testid=error-table]").inner_text()
    assert "3" in table and "价格" in table
    assert page.locator("[data-testid=import-apply]").count() == 0
    assert not Variant.objects.filter(sku__startswith="BT-").exists()
    check(page, "import-errors-zh", shots)

    bad.write_text("\n".join(rows).replace("九十", "90"), encoding="utf-8")
    page.goto(live_server.url + "/console/products/import/")
    page.set_input_files("input[name=file]", str(bad))
    page.locator("[data-testid=import-check]").click()
    page.locator("[data-testid=import-ready]").wait_for()
    check(page, "import-ready-zh", shots)
    page.locator("[data-testid=import-apply]").click()
    page.locator("[data-testid=import-applied]").wait_for()
    assert Variant.objects.filter(sku__startswith="BT-").count() == 3
    context.close()


def test_product_list_in_spanish(live_server, browser, shop, request):
    shots = j.SHOT_DIR if request.config.getoption("--screenshots") else None
    context = browser.new_context(locale="es-MX", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "mei")
    page.fill("#id_password", f.PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/console/products/")
    page.locator("input[name=ids]").first.check()
    page.select_option("[data-testid=bulk-action]", "unpublish")
    page.locator("[data-testid=bulk-apply]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("ul.messages li.success").count() == 1
    check(page, "list-es", shots)
    context.close()
