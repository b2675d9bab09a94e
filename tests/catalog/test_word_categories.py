"""Words by category (catalog.word_categories): a search whose words never meet in one category
reads no full-text index, and the summary never leaves out a product the index would find."""

from __future__ import annotations

import io
import random
import re
import sqlite3
import unicodedata
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from caravana.catalog import index_words, vocabulary, word_categories
from caravana.catalog.languages import suffix
from caravana.catalog.models import Product, SearchTerm, WordCategory
from caravana.catalog.search import SQLITE_TOKENIZE, SearchRequest, search, terms
from tests import factories as f

_TEXT_INDEXES = ("catalog_product_fts", "catalog_product_search")


def _bmp_texts() -> list[str]:
    """A few words around each character of the Basic Multilingual Plane (no surrogates):
    inside a word, at its start and end, alone, and twice in decomposed form."""
    texts = []
    for code in range(0x80, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        texts.append(f"ab{c}cd ef{c} {c}gh {c} xe{c}\u0301tude")
    return texts


def _fts5_tokens(texts: list[str]) -> list[list[str]]:
    """Each text's tokens, in order, as a real FTS5 index with the catalogue's tokenizer keeps
    them (read back through fts5vocab 'instance')."""
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize='{SQLITE_TOKENIZE}')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    db.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", enumerate(texts))
    tokens: list[dict[int, str]] = [{} for _ in texts]
    for term, doc, offset in db.execute("SELECT term, doc, offset FROM v"):
        tokens[doc][offset] = term
    return [[t[i] for i in sorted(t)] for t in tokens]


def _phrase_prefix(doc: list[str], query: list[str]) -> bool:
    """FTS5's '"query"*' on one document: the query's tokens in a row, the last as a prefix."""
    k = len(query)
    return any(
        doc[i : i + k - 1] == query[:-1] and doc[i + k - 1].startswith(query[-1])
        for i in range(len(doc) - k + 1)
    )


def test_the_python_words_cover_what_fts5_matches_for_every_character():
    """For every BMP character: each plain query word a buyer could type (search.terms of the
    text, as stored and composed) that FTS5 matches as a prefix in a text has a word of
    index_words.words(text) starting with its lookup form. FTS5 itself tokenizes both the
    texts and the query words."""
    texts = _bmp_texts()
    typed = [dict.fromkeys(terms(t) + terms(unicodedata.normalize("NFC", t))) for t in texts]
    queries = sorted({q for words in typed for q in words if index_words.lookup_form(q)})
    doc_tokens = _fts5_tokens(texts)
    query_tokens = dict(zip(queries, _fts5_tokens(queries), strict=True))
    checked, missed = 0, []
    for text, tokens, words in zip(texts, doc_tokens, typed, strict=True):
        ours = index_words.words(text)
        for q in words:
            form = index_words.lookup_form(q)
            if form is None or not query_tokens[q]:
                continue
            checked += 1
            if _phrase_prefix(tokens, query_tokens[q]) and not any(
                w.startswith(form) for w in ours
            ):
                missed.append((hex(ord(text[2])), q, form))
    assert checked > 60_000
    assert not missed, missed[:20]


def test_every_plain_beginning_of_an_fts5_token_is_a_beginning_of_a_python_word():
    """The same texts, from FTS5's side: whatever it indexes, the plain letters and digits it
    starts with begin one of index_words.words(text). Python's Unicode is newer than SQLite's
    (U+19B0-U+19C9 and U+1CF2 are letters to one, separators to the other), so the words a
    buyer types, split as Python splits them, are not enough to test."""
    texts = _bmp_texts()
    missed = []
    for text, tokens in zip(texts, _fts5_tokens(texts), strict=True):
        ours = index_words.words(text)
        for token in tokens:
            start = re.match(r"[a-z0-9]+", token)
            if start and not any(w.startswith(start.group()) for w in ours):
                missed.append((hex(ord(text[2])), token))
    assert not missed, missed[:20]


def test_lookup_forms_are_plain_words_or_none():
    assert index_words.lookup_form("Portátil".lower()) == "portatil"
    assert index_words.lookup_form("128gb") == "128gb"
    for word in ("foo_bar", "ｉｐｈｏｎｅ", "音箱", "søren"):
        assert index_words.lookup_form(word) is None
    assert index_words.words("Carregador PORTÁTIL, 20000mAh") == {
        "carregador",
        "portatil",
        "20000mah",
    }
    assert index_words.words("x" * 80) == {"x" * index_words.TERM_MAX}
    # Decomposed accents: whole as FTS5 keeps it, and split at the mark as Python's \w does.
    assert {"etude", "e", "tude"} <= index_words.words(unicodedata.normalize("NFD", "étude"))


@pytest.fixture
def shelves():
    chargers = f.category("chargers")
    speakers = f.category("speakers")
    s = f.store()
    charger = f.product(
        s,
        cat=chargers,
        price="80",
        title_pt_br="Carregador rápido USB-C",
        title_es="Cargador rápido USB-C",
        description_pt_br="Para celular",
    )
    speaker = f.product(
        s,
        cat=speakers,
        price="120",
        title_pt_br="Caixa de som portátil",
        title_es="Altavoz portátil",
    )
    return {"chargers": chargers, "speakers": speakers, "charger": charger, "speaker": speaker}


def _pairs(language: str, category_id: int) -> set[str]:
    return set(
        WordCategory.objects.filter(language=language, category_id=category_id).values_list(
            "term", flat=True
        )
    )


@pytest.mark.django_db
def test_every_product_write_adds_its_words_to_its_category(shelves):
    charger, chargers, speakers = shelves["charger"], shelves["chargers"], shelves["speakers"]
    assert {"carregador", "rapido", "usb", "celular"} <= _pairs("pt_br", chargers.pk)
    assert {"cargador", "rapido"} <= _pairs("es", chargers.pk)
    assert "portatil" in _pairs("pt_br", speakers.pk)
    assert "portatil" not in _pairs("pt_br", chargers.pk)
    # A new word, and a move to another category, are there at once (the old pairs stay).
    charger.title_pt_br = "Carregador portátil 20000mAh"
    charger.save()
    assert {"portatil", "20000mah", "carregador"} <= _pairs("pt_br", chargers.pk)
    charger.category = speakers
    charger.save(update_fields=["category"])
    assert "carregador" in _pairs("pt_br", speakers.pk)
    # A price change rewrites the search row but adds nothing.
    before = WordCategory.objects.count()
    charger.price_from = Decimal("70")
    charger.save(update_fields=["price_from"])
    assert WordCategory.objects.count() == before


@pytest.mark.django_db
def test_words_that_never_meet_in_a_category_read_no_text_index(shelves):
    with CaptureQueriesContext(connection) as ctx:
        found = search(SearchRequest(text="carregador portátil", language="pt-br"))
    assert found.ids == [] and found.total == 0
    sqls = " ".join(q["sql"] for q in ctx.captured_queries)
    assert word_categories.TABLE in sqls
    assert not any(name in sqls for name in _TEXT_INDEXES), sqls
    # One word alone in a category that does not hold it: the same.
    req = SearchRequest(text="portátil", language="pt-br", category_ids=(shelves["chargers"].pk,))
    with CaptureQueriesContext(connection) as ctx:
        assert search(req).ids == []
    assert not any(name in q["sql"] for q in ctx.captured_queries for name in _TEXT_INDEXES)


@pytest.mark.django_db
def test_words_that_meet_are_searched_as_before(shelves):
    charger = shelves["charger"]
    assert search(SearchRequest(text="carregador rápido", language="pt-br")).ids == [charger.pk]
    # As beginnings: "carreg" and "rap" meet in the chargers.
    assert search(SearchRequest(text="carreg rap", language="pt-br")).ids == [charger.pk]
    charger.title_pt_br = "Carregador portátil"
    charger.save()
    found = search(SearchRequest(text="carregador portátil", language="pt-br"))
    assert found.ids == [charger.pk]
    # Words the summary cannot judge (not plain letters and digits) are searched as before.
    assert word_categories.shared(["foo_bar", "carregador"], "pt-br") is None


@pytest.mark.django_db
def test_a_word_going_on_beyond_the_basic_plane_is_found_by_its_beginning(shelves):
    """SQLite compares text as UTF-8 bytes: a bound of "ab" + U+FFFF sorts below "ab𠀀cd"."""
    speakers = shelves["speakers"]
    f.product(shelves["speaker"].store, cat=speakers, title_pt_br="Caixa ab\U00020000cd xyzzy")
    assert word_categories.shared(["ab", "xyzzy"], "pt-br") == {speakers.pk}


@pytest.mark.django_db
def test_a_word_in_too_many_categories_narrows_nothing(shelves, monkeypatch):
    monkeypatch.setattr(word_categories, "MAX_PAIRS", 1)
    s = shelves["charger"].store
    other = f.category("cables")
    f.product(s, cat=other, title_pt_br="Cabo carregador")
    # "carregador" now has two pairs, more than MAX_PAIRS: only "portatil" is judged.
    assert word_categories.shared(["carregador", "portátil"], "pt-br") is None
    assert word_categories.shared(["portátil"], "pt-br", [other.pk]) == set()


@pytest.mark.django_db
def test_fill_finds_the_same_words_as_the_triggers(shelves):
    written = set(WordCategory.objects.values_list("language", "term", "category_id"))
    WordCategory.objects.all().delete()
    word_categories.fill()
    assert set(WordCategory.objects.values_list("language", "term", "category_id")) == written


@pytest.mark.django_db
def test_on_the_seeded_catalogue_narrowing_never_changes_an_answer(monkeypatch):
    """`seed --scale test` (every leaf, four languages): 150 random pairs of the vocabulary's
    words per buyer language, some cut to a beginning, searched with the summary and without;
    the same ids and totals, and most of them answered by the summary alone."""
    call_command("seed", scale="test", no_progress=True, stdout=io.StringIO())
    vocabulary.refresh()
    rng = random.Random(19)
    pruned = 0
    for language in ("pt-br", "es", "en"):
        terms_ = list(
            SearchTerm.objects.filter(language=suffix(language))
            .order_by("-docs", "term")
            .values_list("term", flat=True)[:300]
        )
        for _ in range(50):
            a, b = rng.sample(terms_, 2)
            if rng.random() < 0.3:
                a = a[: max(2, len(a) - 3)]
            req = SearchRequest(text=f"{a} {b}", language=language, correct=False, per_page=50)
            narrowed = search(req)
            pruned += word_categories.shared([a, b], language) == set()
            with monkeypatch.context() as m:
                m.setattr(word_categories, "shared", lambda *args, **kw: None)
                plain = search(req)
            assert (narrowed.ids, narrowed.total) == (plain.ids, plain.total), req.text
    assert pruned > 20
    # As buyers type them: words of two products' titles, accents and capitals kept, one
    # word cut short or upper-cased, from one product (they meet) or from two (often not).
    titles = list(Product.objects.values_list("title_pt_br", "title_es", "title_en"))
    for language, column in (("pt-br", 0), ("es", 1), ("en", 2)):
        for _ in range(50):
            one, two = rng.choice(titles)[column], rng.choice(titles)[column]
            words = re.findall(r"\w+", one or "")[:3] + re.findall(r"\w+", two or "")[:2]
            if len(words) < 2:
                continue
            picked = rng.sample(words, 2)
            if rng.random() < 0.3:
                picked[0] = picked[0][: max(2, len(picked[0]) - 2)]
            if rng.random() < 0.3:
                picked[1] = picked[1].upper()
            req = SearchRequest(text=" ".join(picked), language=language, correct=False)
            narrowed = search(req)
            with monkeypatch.context() as m:
                m.setattr(word_categories, "shared", lambda *args, **kw: None)
                plain = search(req)
            assert (narrowed.ids, narrowed.total) == (plain.ids, plain.total), req.text
