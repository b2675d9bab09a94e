"""One landed price everywhere (issue 12, item 1): the card, the product page, the cart's parcel
total and the checkout's charge are one figure, computed by catalog.landed, and listings filter
and sort on it (catalog_listingprice), kept fresh after FX, rule and variant changes."""

import re
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from caravana import markets
from caravana.catalog import landed
from caravana.catalog import search as search_module
from caravana.catalog import services as catalog
from caravana.catalog.models import ListingPrice
from caravana.catalog.search import SearchRequest, search
from caravana.pricing import services as pricing
from caravana.pricing.fx_import import RateRow
from caravana.pricing.models import RuleSetVersion
from tests import factories as f
from tests.orders.support import BR, MX, buyer, place

pytestmark = pytest.mark.django_db


def amount(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*data-amount="([^"]+)"', html)
    assert found, f"no {testid} with an amount"
    return found.group(1)


@pytest.fixture
def two_variants(settings):
    """The cheaper goods are the heavier parcel: by landed total the light one wins."""
    settings.PAYMENTS_SANDBOX_TRANSPORT = "inline"
    f.fx_rates()
    p = f.product(price="100.00", stock=10, title_en="Lamp", title_es="Lámpara",
                  title_pt_br="Luminária")  # fmt: skip
    heavy = p.variants.get()
    catalog.update_variant(heavy, {"weight_g": 4000, "length_cm": Decimal("40")})
    light = f.variant(p, price="110.00", weight_g=120)
    catalog.set_stock(light, p.store.merchant.warehouses.get(name="Main"), 10)
    return p, heavy, light


@pytest.mark.parametrize("country,form", [("BR", BR), ("MX", MX)])
def test_card_product_page_cart_and_checkout_show_one_figure(
    two_variants, country, form, django_capture_on_commit_callbacks
):
    p, heavy, light = two_variants
    landed.refresh()
    row = ListingPrice.objects.get(product=p, country=country)
    assert row.variant_id_ref == light.pk  # picked by landed total, not by goods price

    user = buyer()
    c = Client()
    c.force_login(user)
    c.post("/country/", {"country": country})
    card = amount(c.get("/search/").content.decode(), "card-price")
    page = c.get(reverse("storefront:product", args=[p.pk])).content.decode()
    assert 'data-priced="1"' in page
    assert amount(page, "landed-total") == card

    c.post(reverse("orders:cart_add"), {"variant": light.pk, "quantity": 1})
    cart = c.get(reverse("orders:cart")).content.decode()
    assert amount(cart, "parcel-total") == card
    checkout = c.get(reverse("orders:checkout")).content.decode()
    assert amount(checkout, "checkout-total") == card

    group, payment, _ = place(user, data=form, lines=[(light.pk, 1)], country=country)
    assert str(group.total) == card == str(payment.amount)
    assert Decimal(card) == row.amount


def test_a_stale_row_is_not_shown_the_card_prices_live(two_variants):
    p, heavy, light = two_variants
    landed.refresh()
    ListingPrice.objects.filter(product=p).update(amount=Decimal("1.00"), basis="old")
    c = Client()
    c.post("/country/", {"country": "BR"})
    html = c.get("/search/").content.decode()
    page = c.get(reverse("storefront:product", args=[p.pk])).content.decode()
    assert amount(html, "card-price") == amount(page, "landed-total") != "1.00"


@pytest.fixture
def priced_catalog(django_capture_on_commit_callbacks):
    """Three products in two listing currencies whose goods order differs from landed order,
    their rows written by the after-commit refresh."""
    with django_capture_on_commit_callbacks(execute=True):
        f.fx_rates()
        s = f.store()
        cny_light = f.product(s, price="300.00", title_en="Alpha widget")  # ~US$42, light
        usd = f.product(s, price="30.00", currency="USD", title_en="Beta widget")
        catalog.update_variant(usd.variants.get(), {"weight_g": 3000})  # cheap goods, heavy
        cny_cheap = f.product(s, price="80.00", title_en="Gamma widget")
    assert ListingPrice.objects.count() == 3 * len(markets.codes())
    return cny_light, usd, cny_cheap


def landed_of(p, country):
    return ListingPrice.objects.get(product=p, country=country).amount


@pytest.mark.parametrize("country", ["BR", "MX", "CL"])
@pytest.mark.parametrize("text", ["", "widget"])
def test_price_sort_orders_by_landed_price(priced_catalog, country, text):
    by_landed = sorted(priced_catalog, key=lambda p: landed_of(p, country))
    asc = search(SearchRequest(text=text, language="en", sort="price_asc", country=country))
    assert asc.ids == [p.pk for p in by_landed]
    desc = search(SearchRequest(text=text, language="en", sort="price_desc", country=country))
    assert desc.ids == [p.pk for p in reversed(by_landed)]


@pytest.mark.parametrize("text", ["", "widget"])
def test_min_max_filter_on_landed_price_in_the_buyers_currency(priced_catalog, text):
    amounts = sorted(landed_of(p, "MX") for p in priced_catalog)
    mid = amounts[1]
    only_mid = search(SearchRequest(text=text, language="en", country="MX", price_min=mid,
                                    price_max=mid))  # fmt: skip
    assert [landed_of_id(i, "MX") for i in only_mid.ids] == [mid]
    below = search(SearchRequest(text=text, language="en", country="MX",
                                 price_max=mid - Decimal("0.01")))  # fmt: skip
    assert [landed_of_id(i, "MX") for i in below.ids] == [amounts[0]]
    limited = search(SearchRequest(text=text, language="en", country="MX", sort="price_asc",
                                   price_min=amounts[0], per_page=2))  # fmt: skip
    assert [landed_of_id(i, "MX") for i in limited.ids] == amounts[:2] and limited.total == 3


def landed_of_id(pk, country):
    return ListingPrice.objects.get(product_id=pk, country=country).amount


def test_the_table_is_refreshed_after_an_fx_import(
    priced_catalog, django_capture_on_commit_callbacks
):
    p = priced_catalog[0]
    before = landed_of(p, "BR")
    import datetime as dt

    with django_capture_on_commit_callbacks(execute=True):
        pricing.save_rates([RateRow("USD", "BRL", Decimal("6.40"), dt.date.today(), "test import")])
    after = landed_of(p, "BR")
    assert after > before
    assert ListingPrice.objects.get(product=p, country="BR").basis == landed.basis("BR").key


def test_the_table_is_refreshed_after_a_rule_set_save(
    priced_catalog, django_capture_on_commit_callbacks
):
    p = priced_catalog[0]
    before = landed_of(p, "MX")
    row = RuleSetVersion.objects.filter(country="MX").order_by("-effective_from").first()
    body = dict(row.body)
    body["components"] = [
        {**c, "params": {**c["params"], "rate": "0.50"}} if c.get("params", {}).get("rate") else c
        for c in body["components"]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        pricing.save_rule_set(body)
    assert landed_of(p, "MX") > before
    assert landed_of(p, "BR") == ListingPrice.objects.get(product=p, country="BR").amount


def test_the_table_is_refreshed_after_a_variant_price_change(
    priced_catalog, django_capture_on_commit_callbacks
):
    p = priced_catalog[2]
    before = landed_of(p, "CO")
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_variant(p.variants.get(), {"price": Decimal("160.00")})
    assert landed_of(p, "CO") > before
    p.refresh_from_db()
    assert ListingPrice.objects.get(product=p, country="CO").product_updated_at == p.updated_at


def test_refresh_command_for_one_country(priced_catalog, capsys):
    from django.core.management import call_command

    ListingPrice.objects.filter(country="PE").delete()
    call_command("refresh_listing_prices", "--country", "pe", "--no-progress")
    assert ListingPrice.objects.filter(country="PE").count() == 3
    assert "quotes asked" in capsys.readouterr().out


def test_refresh_command_refuses_an_unknown_country():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--country"):
        call_command("refresh_listing_prices", "--country", "US", "--no-progress")


def _next_id_block():
    """On PostgreSQL, start the next product in a new block of ids, so its own partition of
    the search table: partitions are read newest first, rows within one in heap order."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence('catalog_product', 'id')")
        seq = cur.fetchone()[0]
        cur.execute(f"SELECT setval(%s, ((last_value >> 16) + 1) << 16) FROM {seq}", [seq])


@pytest.fixture
def gadgets(django_capture_on_commit_callbacks):
    """Seven "gadget" products, oldest first, cheap (c) or dear (d): c d c d d c d. The three
    oldest are another store's and also "epsilon"."""
    with django_capture_on_commit_callbacks(execute=True):
        f.fx_rates()
        older, newer = f.store(), f.store()
        made, kinds = [], "cdcddcd"
        for i, kind in enumerate(kinds):
            _next_id_block()
            made.append(
                f.product(
                    older if i < 3 else newer,
                    price="40.00" if kind == "c" else "900.00",
                    title_en=f"Gadget {i}" + (" epsilon" if i < 3 else ""),
                )
            )
    cheap = max(landed_of(p, "MX") for p, k in zip(made, kinds, strict=True) if k == "c")
    assert cheap < min(landed_of(p, "MX") for p, k in zip(made, kinds, strict=True) if k == "d")
    return made, cheap


def test_a_price_range_is_checked_on_the_newest_scanned_matches(gadgets, monkeypatch):
    made, cheap = gadgets
    pk = [p.pk for p in made]
    req = SearchRequest(text="gadget", language="en", country="MX", price_max=cheap)
    assert set(search(req).ids) == {pk[0], pk[2], pk[5]}  # all within MAX_SCANNED: exact
    monkeypatch.setattr(search_module, "MAX_SCANNED", 5)
    # The newest five matches are 6..2: the cheap ones among them, not the oldest (0).
    found = search(req)
    assert set(found.ids) == {pk[2], pk[5]} and found.total == 2
    by_price = search(replace(req, sort="price_asc"))
    assert set(by_price.ids) == {pk[2], pk[5]}
    # The store filter applies within the scan: its five newest are its three products.
    store = search(replace(req, store_id=made[0].store_id))
    assert set(store.ids) == {pk[0], pk[2]}
    # Fewer matches than the bound: exact.
    few = search(replace(req, text="epsilon"))
    assert set(few.ids) == {pk[0], pk[2]}
    # Without a price range nothing is left out.
    assert len(search(replace(req, price_max=None)).ids) == 7
