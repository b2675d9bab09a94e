"""A product under a live flash deal shows the deal's landed price everywhere (issue 13): its
card (search, store, home shelves), its product page's deal box and sticky buy bar, the cart
and the checkout are one figure, computed by promotions.queries.deal_price; the card strikes
the normal landed price through. A deal that cannot be quoted shows the normal price only."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from caravana.catalog import landed
from caravana.promotions import queries
from tests import factories as f
from tests.orders.support import BR, MX, buyer, place
from tests.promotions.conftest import deal

pytestmark = pytest.mark.django_db


def amount(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*data-amount="([^"]+)"', html)
    assert found, f"no {testid} with an amount"
    return found.group(1)


@pytest.mark.parametrize("country,form", [("BR", BR), ("MX", MX)])
def test_card_product_page_cart_and_checkout_charge_the_deal(market, country, form):
    a, _b = market
    landed.refresh(product_ids=[a.product.pk])
    d = deal(a, price="70.00", cap=3)
    priced = queries.deal_price(queries.live_by_product([a.product.pk])[a.product.pk], country)
    assert priced is not None and priced.was is not None and priced.amount < priced.was
    figure = str(priced.amount)

    user = buyer()
    c = Client()
    c.force_login(user)
    c.post("/country/", {"country": country})
    search = c.get("/search/").content.decode()
    assert amount(search, "card-price") == figure
    assert 'data-testid="card-deal-price"' in search and 'data-testid="card-was"' in search
    assert f'data-countdown="{d.ends_at.isoformat()}"' in search
    store = c.get(reverse("storefront:store", args=[a.product.store.slug])).content.decode()
    assert amount(store, "card-price") == figure

    page = c.get(reverse("storefront:product", args=[a.product.pk])).content.decode()
    assert amount(page, "buybar-deal") == figure
    assert 'data-testid="deal-landed"' in page

    c.post(reverse("orders:cart_add"), {"variant": a.pk, "quantity": 1})
    cart = c.get(reverse("orders:cart")).content.decode()
    assert amount(cart, "parcel-total") == figure
    checkout = c.get(reverse("orders:checkout")).content.decode()
    assert amount(checkout, "checkout-total") == figure
    group, payment, _ = place(user, data=form, lines=[(a.pk, 1)], country=country)
    assert str(group.total) == figure == str(payment.amount)


def test_a_deal_that_cannot_be_quoted_shows_the_normal_price_only(market, monkeypatch):
    a, _b = market
    landed.refresh(product_ids=[a.product.pk])
    deal(a, price="70.00", cap=3)
    monkeypatch.setattr(queries, "deal_quote", lambda *_a, **_k: None)
    c = Client()
    c.post("/country/", {"country": "BR"})
    search = c.get("/search/").content.decode()
    normal = landed.for_cards([a.product], "BR", "BRL")[a.product.pk].amount
    assert amount(search, "card-price") == str(normal)
    assert "card-deal-price" not in search and 'data-testid="card-deal"' not in search
    page = c.get(reverse("storefront:product", args=[a.product.pk])).content.decode()
    assert "buybar-deal" not in page


def test_deals_cost_no_query_per_card(market, settings):
    """A page of cards with every product under a deal does the queries of a page with one."""
    # the books' and the promise's freshness checks (every 2 s) out of the count: on a loaded
    # machine two seconds pass between the warm-up and the counted page
    settings.PRICING_BOOKS_CHECK_SECONDS = settings.PROMISE_CHECK_SECONDS = 3600
    a, _b = market
    products = [f.product(price=f"{20 + n}.00", stock=5, title_en=f"Gadget {n}") for n in range(8)]
    landed.refresh()
    c = Client()
    c.post("/country/", {"country": "BR"})

    def count() -> int:
        c.get("/search/")  # warm caches (FX, books, session)
        with CaptureQueriesContext(connection) as q:
            html = c.get("/search/").content.decode()
        return len(q), html.count('data-testid="card-deal-price"')

    deal(products[0].variants.get(), price="10.00", cap=2)
    one, shown = count()
    assert shown == 1
    for p in products[1:]:
        deal(p.variants.get(), price="10.00", cap=2)
    every, shown = count()
    assert shown == 8
    assert every == one, (every, one)


def test_the_deal_figure_is_below_the_normal_one(market):
    a, _b = market
    deal(a, price="70.00", cap=3)
    priced = queries.deal_prices([a.product.pk], "MX")[a.product.pk]
    normal = landed.quote_one(a, a.product.hs_code, "MX")
    assert priced.was == normal.collect_at_checkout and priced.amount < priced.was
    assert priced.currency == "MXN" and isinstance(priced.amount, Decimal)
