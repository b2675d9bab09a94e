import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from caravana.catalog import landed
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    f.fx_rates()
    audio = f.category("audio", name_pt_br="Áudio", name_es="Audio")
    s = f.store()
    products = [
        f.product(
            s,
            cat=audio,
            price=str(50 + i),
            title_pt_br=f"Fone de ouvido {i}",
            title_es=f"Audífonos {i}",
            title_en=f"Earphones {i}",
        )
        for i in range(30)
    ]
    landed.refresh()  # what the after-commit task does: price sorts read these rows
    return s, audio, products


def brazil():
    c = Client()
    r = c.post("/country/", {"country": "BR"})
    assert r.status_code == 302
    return c


def test_first_visit_asks_for_the_country():
    r = Client().get("/")
    assert r.status_code == 302 and r["Location"] == "/country/"


def test_country_choice_sets_language_and_currency_and_is_remembered(shop):
    c = brazil()
    assert c.cookies["caravana_country"].value == "BR"
    assert c.cookies["django_language"].value == "pt-br"
    r = c.get("/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'lang="pt-br"' in html and "R$" in html


def test_unknown_country_is_refused():
    r = Client().post("/country/", {"country": "FR"})
    assert r.status_code == 422


def test_open_redirect_is_not_followed():
    r = Client().post("/country/", {"country": "MX", "next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_product_price_in_buyer_currency(shop):
    _s, _audio, products = shop
    p = products[0]  # CNY 50 at 5.40/7.10 BRL per CNY = R$ 38.03
    r = brazil().get(f"/p/{p.pk}/")
    assert "R$\xa038,03" in r.content.decode()
    c = Client()
    c.post("/country/", {"country": "CL"})
    # CNY 50 -> CLP 50 * 940 / 7.10 = 6619.72 -> CLP has no minor unit: $6.620
    assert "$6.620" in c.get(f"/p/{p.pk}/").content.decode()


def test_search_page_queries_are_bounded(shop):
    c = brazil()
    c.get("/search/?q=fone")  # warm caches (FX, session)
    with CaptureQueriesContext(connection) as q:
        r = c.get("/search/", {"q": "fone", "sort": "price_desc", "min": "10", "max": "100"})
    assert r.status_code == 200
    assert len(q) <= 8, [x["sql"] for x in q]


def test_search_paginates(shop):
    c = brazil()
    r = c.get("/search/", {"q": "fone"})
    html = r.content.decode()
    assert 'data-total="30"' in html and 'rel="next"' in html
    assert html.count('class="card"') == 24


def test_category_and_store_pages(shop):
    s, audio, _products = shop
    c = brazil()
    r = c.get(f"/c/{audio.slug}/")
    assert r.status_code == 200 and "Áudio" in r.content.decode()
    r = c.get(f"/s/{s.slug}/", {"sort": "price_asc"})
    assert r.status_code == 200 and 'data-total="30"' in r.content.decode()
    assert c.get("/c/nope/").status_code == 404


def test_product_page_queries_are_bounded(shop, settings):
    _s, _a, products = shop
    # The pricing books' freshness check (three aggregates, at most every few seconds) is not
    # the page's: on a slow machine it fell in one measured request and not the other.
    settings.PRICING_BOOKS_CHECK_SECONDS = settings.PROMISE_CHECK_SECONDS = 3600  # and the promise
    c = brazil()
    c.get(f"/p/{products[1].pk}/")
    with CaptureQueriesContext(connection) as q:
        assert c.get(f"/p/{products[2].pk}/").status_code == 200
    # 7 for the page (session, product, variants, pictures, local stock, the reviews'
    # distribution, its deal); 8 for its shelves (caravana.shelves): "bought together" ids, one
    # card pass for the recently viewed (products, listing prices, live deals, free-shipping
    # offers) and the session's new list (an UPDATE between savepoints).
    assert len(q) <= 15, "\n".join(x["sql"][:150] for x in q)
    # However many products were viewed before: the same count.
    for p in products[3:10]:
        c.get(f"/p/{p.pk}/")
    with CaptureQueriesContext(connection) as more:
        assert c.get(f"/p/{products[2].pk}/").status_code == 200
    # Seven more products viewed would be seven more queries if the shelf read them one by one;
    # one more is allowed: under a loaded parallel run (PostgreSQL) one extra query appeared in
    # this request and not in isolation, and the listing below names it when it does.
    assert len(more) <= len(q) + 1, "\n".join(x["sql"][:130] for x in more)


def test_htmx_filters_return_the_results_fragment(shop):
    r = brazil().get("/search/", {"q": "fone", "sort": "price_asc"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert html.startswith('<div id="results">') and "<html" not in html


def test_missing_fx_rate_shows_no_wrong_price():
    p = f.product(title_en="Lonely")
    r = Client().get(f"/p/{p.pk}/")
    assert r.status_code == 200
    assert "CNY" not in r.content.decode().split('data-testid="price"')[1][:80]
