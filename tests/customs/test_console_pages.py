"""Issue 14 item 1, the merchant's side: national tariff codes per product and destination and
the sender's identity, set on the console and carried by the next declaration and its
advance-data record; bad input names its field and changes nothing; another merchant's
product answers 404."""

from __future__ import annotations

import pytest
from django.test import Client

from caravana.accounts.models import Role
from caravana.catalog.models import Merchant
from caravana.customs import services as customs
from caravana.customs.models import NationalTariffCode, SenderAddress
from caravana.network.models import Flight
from tests import factories as f
from tests.customs.conftest import ship
from tests.customs.test_ead import load

pytestmark = pytest.mark.django_db

SENDER = {
    "legal_name": "Shenzhen Huaqiang Electronics Co., Ltd.",
    "legal_name_zh": "深圳华强电子有限公司",
    "uscc": "91440300MA5FUTHK2E",
    "province": "广东省",
    "city": "Shenzhen Shi",
    "district": "南山区",
    "postal_code": "518057",
    "street_address": "No. 8 Keji Road, Building 2, Room 301",
    "street_address_zh": "科技路8号2栋301室",
}
CODES = {
    "code_br": "8518.30.00",
    "code_mx": "8518.30.01.99",
    "code_cl": "85183000",
    "code_co": "8518300000",
    "code_pe": "8518300000",
    "code_ar": "8518.30.00.900K",
}


def client_of(merchant: Merchant) -> Client:
    c = Client()
    c.force_login(merchant.members.get().user)
    return c


@pytest.fixture
def console(shop):
    return client_of(shop[0])


def test_codes_and_sender_set_on_the_console_reach_the_next_declaration_and_ead(
    shop, console, hub_staff
):
    merchant, earphones, _case = shop
    page = console.get(f"/console/products/{earphones.pk}/customs/")
    assert page.status_code == 200
    assert "NCM" in page.content.decode() and "851830" in page.content.decode()
    r = console.post(f"/console/products/{earphones.pk}/customs/", CODES)
    assert r.status_code == 200 and r.context["saved"]
    assert customs.national_codes_of(earphones) == {
        "BR": "85183000",
        "MX": "8518300199",
        "CL": "85183000",
        "CO": "8518300000",
        "PE": "8518300000",
        "AR": "85183000900K",
    }
    r = console.post("/console/customs/sender/", SENDER)
    assert r.status_code == 200 and r.context["saved"], r.context["form"].errors
    merchant.refresh_from_db()
    assert (merchant.legal_name, merchant.uscc) == (SENDER["legal_name"], SENDER["uscc"])
    row = SenderAddress.objects.get(merchant=merchant)
    assert (row.province, row.city, row.district) == ("广东省", "深圳市", "南山区")

    overview = console.get("/console/customs/").content.decode()
    assert "85183000900K" in overview and "深圳华强电子有限公司" in overview

    _order, parcel = ship("AR", [(earphones.variants.get().pk, 1)])
    d = customs.declaration_for(parcel)
    (item,) = customs.items_of(d)
    assert (item.hs_code, item.national_code) == ("851830", "85183000900K")
    assert (d.sender_name, d.sender_uscc) == (SENDER["legal_name"], SENDER["uscc"])
    assert d.sender_address == (
        "No. 8 Keji Road, Building 2, Room 301, Nanshan Qu, Shenzhen Shi, "
        "Guangdong Sheng 518057, China"
    )

    _order, br_parcel = ship("BR", [(earphones.variants.get().pk, 1)])
    flight = Flight.objects.filter(origin="SZX", destination="GRU").order_by("pk").first()
    load(hub_staff, [br_parcel], "PMC10002CV", flight)
    (record,) = customs.ead_records(flight)["BR"]
    assert record["items"][0]["national_code"] == "85183000"
    assert record["sender"]["uscc"] == SENDER["uscc"]
    assert record["sender"]["name"] == SENDER["legal_name"]


def test_a_code_that_does_not_extend_the_hs_code_names_its_field_and_saves_nothing(shop, console):
    _m, earphones, _case = shop
    customs.set_national_code(earphones, "BR", "85183000")
    bad = {**CODES, "code_br": "85183090", "code_mx": "84713012"}  # MX: another heading
    r = console.post(f"/console/products/{earphones.pk}/customs/", bad)
    assert r.status_code == 422
    errors = r.context["form"].errors
    assert set(errors) == {"code_mx"}
    assert "fracción + NICO (MX)" in errors["code_mx"][0] and "851830" in errors["code_mx"][0]
    assert customs.national_codes_of(earphones) == {"BR": "85183000"}
    # Argentina: the SIM opening is three digits and a letter, nothing else.
    r = console.post(f"/console/products/{earphones.pk}/customs/", {"code_ar": "851830009001"})
    assert r.status_code == 422 and set(r.context["form"].errors) == {"code_ar"}
    assert customs.national_codes_of(earphones) == {"BR": "85183000"}
    # An empty field removes that country's code.
    r = console.post(f"/console/products/{earphones.pk}/customs/", {"code_br": ""})
    assert r.status_code == 200 and not NationalTariffCode.objects.exists()


def test_the_htmx_form_answers_with_its_own_fragment(shop, console):
    _m, earphones, _case = shop
    r = console.post(
        f"/console/products/{earphones.pk}/customs/", {"code_br": "1234"}, HTTP_HX_REQUEST="true"
    )
    body = r.content.decode()
    assert r.status_code == 200 and body.startswith("<form") and 'role="alert"' in body
    assert "<html" not in body


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("uscc", "91440300MA5FUTHK2X"),  # wrong check character
        ("legal_name", "深圳华强电子有限公司"),  # not in Latin letters
        ("legal_name_zh", "Huaqiang"),  # not in Chinese
        ("province", "Atlantis"),
        ("city", "Hangzhou Shi"),  # not in Guangdong
        ("district", "Xihu Qu"),  # not in Shenzhen
        ("postal_code", "51805"),
        ("street_address", ""),
    ],
)
def test_a_bad_sender_field_is_named_and_nothing_changes(shop, console, field, value):
    merchant, _e, _c = shop
    before = (merchant.legal_name, merchant.uscc)
    r = console.post("/console/customs/sender/", {**SENDER, field: value})
    assert r.status_code == 422
    assert set(r.context["form"].errors) == {field}
    merchant.refresh_from_db()
    assert (merchant.legal_name, merchant.uscc) == before
    assert not SenderAddress.objects.exists()


def test_another_merchants_uscc_is_refused(shop, console):
    other = f.merchant(staff=f.user(Role.MERCHANT))
    r = console.post("/console/customs/sender/", {**SENDER, "uscc": other.uscc})
    assert r.status_code == 422 and set(r.context["form"].errors) == {"uscc"}


def test_only_the_merchants_own_staff_see_and_edit(shop, console):
    merchant, earphones, _case = shop
    other = f.merchant(staff=f.user(Role.MERCHANT))
    theirs = client_of(other)
    assert theirs.get(f"/console/products/{earphones.pk}/customs/").status_code == 404
    r = theirs.post(f"/console/products/{earphones.pk}/customs/", CODES)
    assert r.status_code == 404 and not NationalTariffCode.objects.exists()
    # Their sender page is their own: saving it leaves this merchant's identity alone.
    assert theirs.post("/console/customs/sender/", SENDER).status_code == 200
    assert SenderAddress.objects.get().merchant == other
    merchant.refresh_from_db()
    assert merchant.legal_name != SENDER["legal_name"]
    assert "8518" not in theirs.get("/console/customs/").content.decode()
    for role in (Role.BUYER, Role.HUB):
        c = Client()
        c.force_login(f.user(role))
        assert c.get("/console/customs/sender/").status_code == 403
        assert c.get(f"/console/products/{earphones.pk}/customs/").status_code == 403
    assert Client().get("/console/customs/").status_code == 302


@pytest.mark.parametrize("language", ["es", "pt-br", "en", "zh-hans"])
def test_the_pages_speak_the_merchants_language(shop, console, language):
    _m, earphones, _case = shop
    console.cookies["django_language"] = language
    for path in ("/console/customs/", "/console/customs/sender/",
                 f"/console/products/{earphones.pk}/customs/"):  # fmt: skip
        r = console.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert r.status_code == 200
        assert r.headers["Content-Language"].lower() == language


def test_the_overview_reads_a_bounded_number_of_rows(shop, console, django_assert_max_num_queries):
    merchant, earphones, _case = shop
    store = earphones.store
    for i in range(30):
        customs.set_national_code(f.product(store, title_en=f"Cable {i}"), "BR", "85183000")
    with django_assert_max_num_queries(12):
        r = console.get("/console/customs/")
    assert r.status_code == 200 and r.content.decode().count("85183000") == 30
