"""Words searched in one store: on SQLite in the store's own FTS5 index
(search._sqlite_store_index), which must find what the catalogue's index finds there."""

import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from caravana.catalog import landed, word_categories
from caravana.catalog import search as search_module
from caravana.catalog.search import SearchRequest, search
from tests import factories as f

pytestmark = pytest.mark.django_db

TITLES = (
    ("Fone de ouvido Bluetooth", "Estojo de carga USB-C"),
    ("FONES sem fio", ""),
    ("Capinha de proteção", "Compatível com fone"),
    ("Carregador portátil 20000mAh", "Saída 22,5W; cabo incluído"),
    ("Cabo USB-C 1280mm", "Cobre estanhado, trança de nylon"),
    ("Caçarola Ítalo-Suíça", "Aço inox, çà, Æsir, straße"),
    ("Relógio inteligente", "Monitor cardíaco; à prova d'água"),
)
# Whole words, half-typed ones, accents typed or not, upper case, numbers, a letter sequence
# inside a word (not a prefix: found by neither), and words only in a description.
# FTS5's own words (NEAR, OR, a column's name) and underscores reach it as text.
WORDS = ("fone", "FÔNE", "fon", "protecao", "proteção", "128", "1280mm", "usb", "suica",
         "italo suica", "cacarola", "compativel fone", "straße", "aesir", "æsir", "inox",
         "arregador", "d", "agua", "22", "5w", "nada", "near", "NEAR fone", "or", "and not",
         "title_pt_br", "usb_c", "_")  # fmt: skip


@pytest.fixture
def shop():
    f.fx_rates()
    cat = f.category("audio")
    mine = f.store()
    products = [
        f.product(mine, cat=cat, title_pt_br=t, description_pt_br=d, title_es=t) for t, d in TITLES
    ]
    f.product(f.store(), cat=cat, title_pt_br="Fone de outra loja")  # never found in `mine`
    landed.refresh(countries=["BR"])
    return mine, products


def _catalogue_matches(words: list[str], ids: list[int]) -> set[int]:
    """The catalogue's own index, asked the store search's question: every word a prefix, in
    the Portuguese title or description, among the store's products."""
    expr = " AND ".join(f'"{w}"*' for w in words)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT rowid FROM catalog_product_fts WHERE catalog_product_fts MATCH %s "
            f"AND rowid IN ({', '.join(['%s'] * len(ids))})",
            [f"{{title_pt_br description_pt_br}} : ({expr})", *ids],
        )
        return {row[0] for row in cur.fetchall()}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 indexes")
@pytest.mark.parametrize("own_index", [True, False], ids=["own index", "catalogue index"])
@pytest.mark.parametrize("text", WORDS)
def test_a_store_search_finds_what_the_catalogue_index_finds(shop, text, own_index, monkeypatch):
    """In the store's own index, and in the catalogue's for a store over STORE_INDEX_MAX (the
    vocabulary is empty here, so a prefix is a prefix query there too)."""
    store, products = shop
    if not own_index:
        monkeypatch.setattr(search_module, "STORE_INDEX_MAX", len(products) - 1)
    ids = [p.pk for p in products]
    req = SearchRequest(text=text, language="pt-br", country="BR", store_id=store.pk, correct=False)
    words = search_module.significant(search_module.terms(text))
    with CaptureQueriesContext(connection) as ctx:
        found = search(req)
    assert set(found.ids) == _catalogue_matches(words, ids)
    temp = [q for q in ctx.captured_queries if "temp.catalog_store_fts" in q["sql"]]
    walked = [q for q in ctx.captured_queries if "+catalog_product_fts.rowid IN" in q["sql"]]
    if word_categories.shared(words, "pt-br") == set():
        # Words that never meet in one category ("near fone"): no index is read at all.
        assert not found.ids and not temp and not walked
        return
    assert bool(temp) == own_index
    assert bool(walked) != own_index


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 indexes")
def test_the_store_index_tokenizes_as_the_catalogue_index(shop):
    store, _products = shop
    search(SearchRequest(text="fone", language="es", country="BR", store_id=store.pk))
    with connection.cursor() as cur:
        cur.execute("SELECT sql FROM sqlite_master WHERE name = 'catalog_product_fts'")
        (catalogue,) = cur.fetchone()
        cur.execute("SELECT sql FROM sqlite_temp_master WHERE name = 'catalog_store_fts_es'")
        (own,) = cur.fetchone()
    tokenize = f"tokenize='{search_module.SQLITE_TOKENIZE}'"
    assert tokenize in catalogue and tokenize in own


def test_a_store_search_ranks_titles_first_and_holds_only_that_store(shop):
    store, products = shop
    req = SearchRequest(text="fone", language="pt-br", country="BR", store_id=store.pk)
    found = search(req)
    # Two titles hold "fone" (a whole word and "FONES"); one description does.
    assert set(found.ids[:2]) == {products[0].pk, products[1].pk}
    assert found.ids[2:] == [products[2].pk]
    # Another store and another language on the same connection: the index is filled anew.
    other = f.store()
    theirs = f.product(other, cat=products[0].category, title_es="Fone rojo", title_pt_br="Fone")
    landed.refresh(countries=["BR"])
    spanish = SearchRequest(text="fone", language="es", country="BR", store_id=other.pk)
    assert search(spanish).ids == [theirs.pk]
    assert search(req).ids == found.ids
    empty = f.store()
    assert search(SearchRequest(text="fone", language="pt-br", country="BR",
                                store_id=empty.pk)).ids == []  # fmt: skip


@pytest.mark.parametrize("sort", search_module.SORTS)
def test_every_sort_of_a_store_search_holds_the_same_products(shop, sort):
    store, products = shop
    req = SearchRequest(text="c", language="pt-br", country="BR", store_id=store.pk, sort=sort)
    by_relevance = search(SearchRequest(text="c", language="pt-br", country="BR",
                                        store_id=store.pk))  # fmt: skip
    found = search(req)
    assert found.total == by_relevance.total > 0
    assert set(found.ids) == set(by_relevance.ids)


# Words of letters with and without accents, upper case, digits, a letter FTS5 does not fold
# (ø), one Python folds to two (ß), a CJK character, a combining accent; joined by punctuation
# that splits words or not.
_word = st.text(alphabet="aeiouncfsAEOUáàâãçéêíóôõúüñÁÇÉßøæ0123耳\u0301", min_size=1, max_size=8)
_sep = st.sampled_from([" ", "-", "_", ".", ", ", "'", "/", " & ", "*", "^", "("])
_text = st.lists(st.tuples(_word, _sep), max_size=5).map(lambda ws: "".join(w + s for w, s in ws))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 indexes")
@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    docs=st.lists(st.tuples(_text, _text), min_size=1, max_size=4),
    data=st.data(),
    own_index=st.booleans(),
)
def test_any_text_is_found_in_a_store_as_in_the_catalogue(cat, monkeypatch, docs, data, own_index):
    """Generated titles, descriptions and queries (the beginnings of a product's words, as
    written, in upper case or with their accents dropped, or any words): the store's own index
    and the catalogue's (a store over STORE_INDEX_MAX) find what the catalogue's FTS5 index
    finds among the store's products."""
    held = [w for pair in docs for t in pair for w in search_module.terms(t)] or ["x"]
    pieces = data.draw(st.lists(st.sampled_from(held), min_size=1, max_size=2))
    typed = [p[: data.draw(st.integers(1, len(p)))] for p in pieces]
    how = data.draw(st.sampled_from(["as written", "upper", "unaccented", "any"]))
    query = {
        "as written": " ".join(typed),
        "upper": " ".join(typed).upper(),
        "unaccented": _unaccented(" ".join(typed)),
    }.get(how) or data.draw(_text)
    words = search_module.significant(search_module.terms(query))
    assume(words)
    store = f.store()
    products = [  # title_en: a product needs a title; the search is in Portuguese
        f.product(store, cat=cat, title_en="x", title_pt_br=t, description_pt_br=d) for t, d in docs
    ]
    landed.refresh(countries=["BR"])
    monkeypatch.setattr(search_module, "STORE_INDEX_MAX", 400 if own_index else 0)
    req = SearchRequest(text=query, language="pt-br", country="BR", store_id=store.pk,
                        correct=False)  # fmt: skip
    found = set(search(req).ids)
    assert found == _catalogue_matches(words, [p.pk for p in products])


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@pytest.fixture
def cat():
    f.fx_rates()
    return f.category("audio")
