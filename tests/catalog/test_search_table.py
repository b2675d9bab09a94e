"""The PostgreSQL search table follows catalog_product; broad searches are capped and shown so."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from caravana.catalog import search as search_module
from caravana.catalog import services
from caravana.catalog.models import Product
from caravana.catalog.search import SearchRequest, search
from tests import factories as f

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the search table is PostgreSQL's"
)


def rows(pk: int) -> dict[str, tuple]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT language, store_id, category_id, price_from, price_currency, is_active, "
            "created_at, vector::text FROM catalog_product_search WHERE product_id = %s",
            [pk],
        )
        return {r[0]: r[1:] for r in cur.fetchall()}


@postgres_only
def test_trigger_keeps_the_search_table_in_step():
    audio, cases = f.category("audio"), f.category("cases")
    p = f.product(cat=audio, price="90", title_pt_br="Fone de Ouvido", title_es="Audífonos")
    got = rows(p.pk)
    # one row per language the product is written in, filter columns copied
    assert set(got) == {"pt_br", "es"}
    store_id, category_id, price, currency, active, created, vector = got["pt_br"]
    assert (store_id, category_id, price, currency, active, created) == (
        p.store_id,
        audio.pk,
        p.price_from,
        p.price_currency,
        True,
        p.created_at,
    )
    assert "'fone':1A" in vector and "'ouvido':3A" in vector
    assert "'audifonos':1A" in got["es"][-1]  # accents folded

    services.update_product(
        p, {"title_pt_br": "Carregador", "description_en": "Charger", "category": cases}
    )
    got = rows(p.pk)
    assert set(got) == {"pt_br", "es", "en"}
    assert "carregador" in got["pt_br"][-1] and "fone" not in got["pt_br"][-1]
    assert got["pt_br"][1] == cases.pk

    Product.objects.filter(pk=p.pk).update(price_from="12.50", is_active=False)
    assert {r[2:5] for r in rows(p.pk).values()} == {(12.5, p.price_currency, False)}

    before = rows(p.pk)
    Product.objects.filter(pk=p.pk).update(hs_code="851762")  # not a searched column
    assert rows(p.pk) == before

    p.delete()
    assert rows(p.pk) == {}


@postgres_only
def test_a_new_block_gets_its_partition_and_truncate_empties_the_table():
    audio = f.category("audio")
    s = f.store()
    far = Product.objects.create(
        pk=3 * 65_536 + 5, store=s, category=audio, hs_code="851830", title_pt_br="Fone remoto"
    )
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('catalog_product_search_p3') IS NOT NULL")
        assert cur.fetchone()[0]
    assert search(SearchRequest(text="remoto", language="pt-br")).ids == [far.pk]
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred FK checks left pending
        cur.execute("TRUNCATE catalog_product CASCADE")
        cur.execute("SELECT count(*) FROM catalog_product_search")
        assert cur.fetchone()[0] == 0


def test_a_broad_word_takes_the_newest_matches_and_says_it_is_capped(monkeypatch):
    audio = f.category("audio")
    s = f.store()
    # three blocks apart on PostgreSQL (it reads the newest block first); SQLite reads rowids down
    made = [
        Product.objects.create(
            pk=pk, store=s, category=audio, hs_code="851830", title_pt_br=f"Fone {pk}"
        )
        for pk in (10, 65_536 + 10, 2 * 65_536 + 10)
    ]
    monkeypatch.setattr(search_module, "MAX_CANDIDATES", 1)
    result = search(SearchRequest(text="fone", language="pt-br"))
    # the candidates (MAX_CANDIDATES + 1, to know there are more) are the newest
    assert made[0].pk not in result.ids and result.total == 1 and result.capped
    monkeypatch.setattr(search_module, "MAX_CANDIDATES", 3)
    result = search(SearchRequest(text="fone", language="pt-br"))
    assert sorted(result.ids) == sorted(p.pk for p in made) and not result.capped


@pytest.fixture
def broad(monkeypatch):
    f.fx_rates()
    audio = f.category("audio")
    s = f.store()
    for word in ("alfa", "beta", "gama"):
        f.product(s, cat=audio, title_pt_br=f"Fone {word}", title_en=f"Earphones {word}")
    monkeypatch.setattr(search_module, "MAX_CANDIDATES", 2)


def test_storefront_shows_a_capped_total(broad):
    c = Client()
    assert c.post("/country/", {"country": "BR", "language": "en"}).status_code == 302
    html = c.get("/search/", {"q": "earphones"}).content.decode()
    assert 'data-total="2" data-capped="true"' in html
    assert "More than 2 products" in html
    html = c.get("/search/", {"q": "earphones beta"}).content.decode()
    assert 'data-total="1"' in html and "data-capped" not in html and "1 product" in html


def test_api_says_when_the_total_is_capped(broad):
    c = Client()
    body = c.get("/api/v1/products", {"q": "fone", "language": "pt-br"}).json()
    assert body["total"] == 2 and body["capped"] is True
    body = c.get("/api/v1/products", {"q": "fone beta", "language": "pt-br"}).json()
    assert body["total"] == 1 and body["capped"] is False
