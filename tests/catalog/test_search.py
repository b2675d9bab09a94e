from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.catalog.search import SearchRequest, search
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    audio = f.category("audio")
    cases = f.category("cases")
    s = f.store()
    items = {
        "fone": f.product(
            s,
            cat=audio,
            price="90",
            title_pt_br="Fone de ouvido Bluetooth",
            title_es="Audífonos Bluetooth",
            title_en="Bluetooth earphones",
            description_pt_br="Fone sem fio com estojo de carga",
        ),
        "capinha": f.product(
            s,
            cat=cases,
            price="15",
            title_pt_br="Capinha de silicone",
            title_es="Funda de silicona",
            title_en="Silicone phone case",
        ),
        "cabo": f.product(
            s,
            cat=cases,
            price="30",
            title_pt_br="Cabo USB-C",
            title_es="Cable USB-C",
            title_en="USB-C cable",
            description_pt_br="Para carregar o fone e o celular",
        ),
    }
    return items


def ids(req):
    return search(req).ids


def test_search_in_the_buyers_language(catalog):
    assert ids(SearchRequest(text="fone", language="pt-br"))[0] == catalog["fone"].pk
    assert ids(SearchRequest(text="capinha", language="pt-br")) == [catalog["capinha"].pk]
    # Spanish titles do not hold the Portuguese word
    assert ids(SearchRequest(text="capinha", language="es")) == []


def test_accent_and_case_insensitive(catalog):
    assert ids(SearchRequest(text="AUDIFONOS", language="es")) == [catalog["fone"].pk]
    assert ids(SearchRequest(text="audífonos", language="es")) == [catalog["fone"].pk]


def test_title_match_ranks_above_description_match(catalog):
    found = ids(SearchRequest(text="fone", language="pt-br"))
    assert found == [catalog["fone"].pk, catalog["cabo"].pk]


def test_relevance_counts_the_words_a_title_holds_then_newest(catalog):
    """Both databases: a title holding both words first, then one, then the words only in a
    description; among equals, the newest. On SQLite this is the title walk over the
    candidates (search._sqlite_title_rank), not bm25()."""
    s, audio = catalog["fone"].store, catalog["fone"].category
    one_old = f.product(s, cat=audio, title_pt_br="Fone com fio", description_pt_br="estéreo")
    described = f.product(
        s, cat=audio, title_pt_br="Caixa de som", description_pt_br="Fone estéreo, com fio"
    )
    one_new = f.product(s, cat=audio, title_pt_br="Fone de ouvido", description_pt_br="estéreo")
    both = f.product(s, cat=audio, title_pt_br="Fone estéreo", description_pt_br="sem fio")
    with CaptureQueriesContext(connection) as ctx:
        found = ids(SearchRequest(text="fone estéreo", language="pt-br"))
    assert found == [both.pk, one_new.pk, one_old.pk, described.pk]
    if connection.vendor == "sqlite":  # no bm25(): it counts every match in the table first
        assert not any("bm25(" in q["sql"] for q in ctx.captured_queries)


def test_prefix_matching_and_all_words(catalog):
    assert ids(SearchRequest(text="blue", language="en")) == [catalog["fone"].pk]
    assert ids(SearchRequest(text="silicone case", language="en")) == [catalog["capinha"].pk]
    assert ids(SearchRequest(text="silicone cable", language="en")) == []


def test_filters_and_sorting(catalog):
    cases = catalog["capinha"].category
    found = ids(SearchRequest(category_ids=(cases.pk,), sort="price_asc"))
    assert found == [catalog["capinha"].pk, catalog["cabo"].pk]
    rates = (("CNY", Decimal("0.76")), ("USD", Decimal("5.40")))  # BRL per unit
    # R$20 .. R$40 -> CNY 26.32 .. 52.63: only the cable (CNY 30)
    found = ids(SearchRequest(price_min=Decimal("20"), price_max=Decimal("40"), rates=rates))
    assert found == [catalog["cabo"].pk]
    desc = ids(SearchRequest(sort="price_desc", rates=rates))
    assert desc == [catalog["fone"].pk, catalog["cabo"].pk, catalog["capinha"].pk]


def test_price_sort_compares_across_listing_currencies(catalog):
    usd = f.product(catalog["fone"].store, price="10", currency="USD", title_en="Gadget")
    rates = (("CNY", Decimal("0.76")), ("USD", Decimal("5.40")))
    # USD 10 = R$54, CNY 90 = R$68.40, so the gadget sits between the earphones and the cable
    desc = ids(SearchRequest(sort="price_desc", rates=rates))
    assert desc[:2] == [catalog["fone"].pk, usd.pk]


def test_pagination(catalog):
    first = search(SearchRequest(sort="price_asc", per_page=2, page=1))
    second = search(SearchRequest(sort="price_asc", per_page=2, page=2))
    assert first.total == 3 and first.pages == 2
    assert len(first.ids) == 2 and len(second.ids) == 1
    assert not set(first.ids) & set(second.ids)


def test_inactive_products_are_not_found(catalog):
    from caravana.catalog import services

    services.update_product(catalog["capinha"], {"is_active": False})
    assert ids(SearchRequest(text="capinha", language="pt-br")) == []


def test_edits_reach_the_index(catalog):
    from caravana.catalog import services

    services.update_product(catalog["cabo"], {"title_pt_br": "Carregador turbo"})
    assert ids(SearchRequest(text="carregador", language="pt-br")) == [catalog["cabo"].pk]
    assert catalog["cabo"].pk not in ids(SearchRequest(text="cabo", language="pt-br"))


def test_hostile_query_text_is_harmless(catalog):
    for text in ['"', "fone OR", "NEAR(", "*", "a:b", "'; drop table x; --", "fone\x00"]:
        search(SearchRequest(text=text, language="pt-br"))


def test_an_empty_first_page_and_a_page_past_the_last(catalog):
    none = search(SearchRequest(text="silicone cable", language="en"))
    assert none.ids == [] and none.total == 0
    past = search(SearchRequest(text="fone", language="pt-br", page=3, per_page=1))
    assert past.ids == [] and past.total == 2
