import pytest
from django.test import Client

from caravana.accounts.models import ApiToken, Role
from caravana.catalog.models import Product
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    staff = f.user(Role.MERCHANT)
    m = f.merchant(staff=staff)
    f.store(m, slug="mine")
    f.category("audio")
    c = Client()
    c.force_login(staff)
    c.merchant = m
    return c


def product_form(store, category, **over):
    data = {
        "store": store.pk,
        "category": category.pk,
        "hs_code": "851830",
        "title_zh_hans": "蓝牙耳机",
        "title_pt_br": "Fone Bluetooth",
        "is_active": "on",
    }
    data.update(over)
    return data


def test_console_needs_merchant_staff():
    assert Client().get("/console/").status_code == 302
    c = Client()
    c.force_login(f.user(Role.BUYER))
    assert c.get("/console/").status_code == 403


def test_wrong_hs_code_error_is_on_the_field(staff_client):
    s = staff_client.merchant.stores.get()
    cat = f.category("audio")
    r = staff_client.post("/console/products/new/", product_form(s, cat, hs_code="851899"))
    assert r.status_code == 422
    assert "hs_code" in r.context["form"].errors
    assert Product.objects.count() == 0
    r = staff_client.post("/console/products/new/", product_form(s, cat))
    assert r.status_code == 302
    assert Product.objects.get().hs_code == "851830"


def test_merchant_cannot_use_another_merchants_store_or_product(staff_client):
    theirs = f.product()
    cat = f.category("audio")
    r = staff_client.post("/console/products/new/", product_form(theirs.store, cat))
    assert r.status_code == 422 and "store" in r.context["form"].errors
    assert staff_client.get(f"/console/products/{theirs.pk}/").status_code == 404
    v = theirs.variants.get()
    assert staff_client.post(f"/console/variants/{v.pk}/stock/", {"quantity": 1}).status_code == 404


def test_variant_and_stock_through_the_console(staff_client):
    p = f.product(staff_client.merchant.stores.get(), stock=0)
    r = staff_client.post(
        f"/console/products/{p.pk}/variants/",
        {
            "sku": "BLK-1",
            "price": "79.00",
            "currency": "CNY",
            "weight_g": "150",
            "length_cm": "10",
            "width_cm": "6",
            "height_cm": "3",
            "battery": "in_equipment",
            "options_text": "colour: black",
        },
    )
    assert r.status_code == 302, r.context and r.context["variant_form"].errors
    v = p.variants.get(sku="BLK-1")
    assert v.options == {"colour": "black"}
    r = staff_client.post(
        f"/console/variants/{v.pk}/stock/", {"quantity": "12"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200 and 'value="12"' in r.content.decode()
    r = staff_client.post(
        f"/console/variants/{v.pk}/stock/", {"quantity": "-3"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 422 and 'role="alert"' in r.content.decode()


def test_token_is_shown_once_stored_hashed_and_revocable(staff_client):
    r = staff_client.post(
        "/console/tokens/", {"name": "ERP", "scopes": ["catalog", "parcels", "payments"]}
    )
    secret = r.context["secret"]
    assert secret.startswith("cvn_")
    token = ApiToken.objects.get()
    assert secret not in (token.digest, token.prefix) and len(token.digest) == 64
    assert secret not in staff_client.get("/console/tokens/").content.decode()
    staff_client.post(f"/console/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_console_speaks_chinese(staff_client):
    staff_client.cookies["django_language"] = "zh-hans"
    html = staff_client.get("/console/stores/").content.decode()
    assert 'lang="zh-hans"' in html


def test_a_merchant_translates_option_values_for_buyers(staff_client):
    """Issue 12, item 13: the merchant's own words for buyers, per language, beside the options
    as written; a translation of an option the variant lacks is refused, naming nothing kept."""
    p = f.product(staff_client.merchant.stores.get(), stock=0)
    form = {
        "sku": "BLK-2", "price": "79.00", "currency": "CNY", "weight_g": "150",
        "length_cm": "10", "width_cm": "6", "height_cm": "3", "battery": "none",
        "options_text": "colour: 曜石黑", "options_es": "colour: negro obsidiana",
        "options_pt_br": "colour: preto obsidiana", "options_en": "",
    }  # fmt: skip
    r = staff_client.post(f"/console/products/{p.pk}/variants/", form)
    assert r.status_code == 302, r.context and r.context["variant_form"].errors
    v = p.variants.get(sku="BLK-2")
    assert v.option_translations == {
        "es": {"colour": "negro obsidiana"},
        "pt-br": {"colour": "preto obsidiana"},
    }
    page = staff_client.get(f"/console/products/{p.pk}/").content.decode()
    assert "曜石黑" in page  # the console shows what the merchant wrote
    bad = {**form, "sku": "BLK-3", "options_es": "size: M"}
    r = staff_client.post(f"/console/products/{p.pk}/variants/", bad)
    assert r.status_code == 422 and not p.variants.filter(sku="BLK-3").exists()


def test_the_dashboard_counts_each_store_up_to_a_cap_in_one_query(
    staff_client, monkeypatch, django_assert_max_num_queries
):
    """Issue 19: the dashboard's counts read at most the cap's worth of each store's products,
    in one query for the page of stores, however large the catalogue."""
    from caravana.catalog import queries

    mine = staff_client.merchant.stores.get()
    small = f.store(staff_client.merchant, slug="small")
    empty = f.store(staff_client.merchant, slug="empty")
    f.store(slug="not-mine")
    for _ in range(4):
        f.product(mine, stock=0)
    f.product(small, stock=0)
    monkeypatch.setattr(queries, "STORE_COUNT_CAP", 3)
    with django_assert_max_num_queries(8):  # PostgreSQL: the pager EXPLAINs, then counts
        html = staff_client.get("/console/stores/").content.decode()
    counts = queries.product_counts([mine.pk, small.pk, empty.pk])
    assert counts == {mine.pk: 4, small.pk: 1, empty.pk: 0}  # mine: the cap + 1 says "more"
    assert "more than 3" in html and "not-mine" not in html
    assert empty.name in html
    for _ in range(30):  # a second page of stores, not a longer query
        f.store(staff_client.merchant)
    with django_assert_max_num_queries(8):  # PostgreSQL: the pager EXPLAINs, then counts
        html = staff_client.get("/console/stores/?page=2").content.decode()
    assert 'class="pager"' in html
