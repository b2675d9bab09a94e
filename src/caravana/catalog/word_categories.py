"""Which categories hold a product with a given word (catalog.models.WordCategory), so that a
search whose words never meet in one category is answered without reading the full-text index.

"carregador portátil" at most R$ 150 matches nothing, and proving it read both words' lists
(66,000 and 16,000 entries at 1,000,000 products), which grow with the catalogue: 1.3-1.5
times its cost at 100,000 on either database. Here each word's categories are one short
index range, of a table that grows with the words and categories, not the products; when the
words' categories do not meet (chargers and speakers), no product holds all of them.

The table is a superset, kept by triggers on every product write (migration 0017): a word is
added when a product in that category is written with it (once, or twice by a race: no unique
index, see _ABSENT), never removed (a product moved or reworded leaves its old pairs behind,
which only narrows less). PostgreSQL adds the lexemes of each search row the search table's
trigger writes (exactly the words its index holds); SQLite calls a Python function, registered
on every connection (`register`), with the words of catalog.index_words, which cover FTS5's.
Bulk loads (catalog.seeding.bulk) switch the triggers off and `fill` after.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from caravana.catalog import index_words, vocabulary
from caravana.catalog.languages import CONTENT_LANGUAGES, suffix

TABLE = "catalog_wordcategory"
SUFFIXES = tuple(suffix(lang) for lang in CONTENT_LANGUAGES)
#: A word's (word, category) pairs read at most; a word with more ("a", "pro") narrows nothing.
MAX_PAIRS = 2_000
#: SQLite: the function the triggers call (`register`).
SQLITE_FUNCTION = "caravana_index_words"
SQLITE_TRIGGERS = ("catalog_wordcategory_ai", "catalog_wordcategory_au")
# Rows are added only when absent, with no unique index to wait on: two transactions adding the
# same new pair (two imports into one category) both add it, a harmless duplicate, where a
# unique index would make the second wait for the first, and two adding pairs in different
# orders deadlock.
_ABSENT = (
    f"NOT EXISTS (SELECT 1 FROM {TABLE} x WHERE x.language = w.language AND x.term = w.term "
    "AND x.category_id = w.category_id)"
)


def _index_words_json(title: str | None, description: str | None) -> str:
    return json.dumps(sorted(index_words.words(title) | index_words.words(description)))


def register(sqlite_connection: Any) -> None:
    """SQLite: make the triggers' function known to this connection (a raw sqlite3 one)."""
    sqlite_connection.create_function(SQLITE_FUNCTION, 2, _index_words_json, deterministic=True)


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        register(connection.connection)


def sqlite_trigger_sql() -> list[str]:
    """The triggers that add a product's words on insert and on a change of its words or its
    category."""
    rows = " UNION ALL ".join(
        f"SELECT '{s}' AS language, j.value AS term, new.category_id AS category_id FROM json_each("
        f"{SQLITE_FUNCTION}(new.title_{s}, new.description_{s})) j"
        for s in SUFFIXES
    )
    insert = (
        f"INSERT INTO {TABLE} (language, term, category_id) "
        f"SELECT w.language, w.term, w.category_id FROM ({rows}) w WHERE {_ABSENT}; "
    )
    cols = ", ".join(
        ["category_id", *(f"title_{s}" for s in SUFFIXES), *(f"description_{s}" for s in SUFFIXES)]
    )
    return [
        f"CREATE TRIGGER {SQLITE_TRIGGERS[0]} AFTER INSERT ON catalog_product BEGIN {insert}END",
        f"CREATE TRIGGER {SQLITE_TRIGGERS[1]} AFTER UPDATE OF {cols} ON catalog_product "
        f"BEGIN {insert}END",
    ]


def pg_sync_function_sql() -> str:
    """PostgreSQL: the search table's trigger function (catalog migration 0003) that also adds
    the lexemes of the rows it writes, when the product is new or its words or category
    changed (a price or stock change rewrites its search rows but adds no word)."""
    from importlib import import_module

    search = import_module("caravana.catalog.migrations.0003_search_table")
    table = search.TABLE
    worded = " OR ".join(
        f"OLD.{c} IS DISTINCT FROM NEW.{c}"
        for c in (
            "category_id",
            *(f"title_{s}" for s in SUFFIXES),
            *(f"description_{s}" for s in SUFFIXES),
        )
    )
    return (
        "CREATE OR REPLACE FUNCTION caravana_search_sync() RETURNS trigger AS $$ "
        "BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
        f"DELETE FROM {table} WHERE -product_id = -OLD.id AND product_id = OLD.id; "
        "END IF; "
        "IF TG_OP IN ('INSERT', 'UPDATE') THEN "
        f"PERFORM caravana_search_partition(NEW.id >> {search.BLOCK_BITS}); "
        f"WITH r AS (INSERT INTO {table} ({search.INSERT_COLS}) {search.rows_sql('NEW')} "
        "RETURNING language, category_id, vector) "
        f"INSERT INTO {TABLE} (language, term, category_id) "
        "SELECT w.language, w.term, w.category_id FROM (SELECT DISTINCT r.language, "
        "left(t, 64) AS term, r.category_id "
        "FROM r CROSS JOIN LATERAL unnest(tsvector_to_array(r.vector)) t) w "
        # A one-time filter: a price or stock change reads no lexeme.
        f"WHERE (TG_OP = 'INSERT' OR {worded}) AND {_ABSENT}; "
        "END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )


def fill(first_id: int = 1, report: Any = None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Add the words of every product from `first_id` on (after a load with the triggers
    off, and by the migration that made the table); returns the pairs the table then holds."""
    conn = connections[using]
    with transaction.atomic(using=using), conn.cursor() as cur:
        if conn.vendor == "postgresql":
            # The search table holds each product's words as its index does; one statement.
            cur.execute(
                f"INSERT INTO {TABLE} (language, term, category_id) "
                "SELECT w.language, w.term, w.category_id FROM (SELECT DISTINCT s.language, "
                "left(t, 64) AS term, s.category_id FROM catalog_product_search s "
                "CROSS JOIN LATERAL unnest(tsvector_to_array(s.vector)) t "
                f"WHERE s.product_id >= %s) w WHERE {_ABSENT}",
                [first_id],
            )
        else:
            _fill_sqlite(cur, first_id, report)
        cur.execute(f"SELECT count(*) FROM {TABLE}")
        return cur.fetchone()[0]


def _fill_sqlite(cur: Any, first_id: int, report: Any) -> None:
    texts = ", ".join(f"title_{s}, description_{s}" for s in SUFFIXES)
    cur.execute(
        f"SELECT category_id, {texts} FROM catalog_product WHERE id >= %s ORDER BY id",
        [first_id],
    )
    pairs: dict[tuple[str, int], set[str]] = {}
    done = 0
    while rows := cur.fetchmany(10_000):
        for row in rows:
            category = row[0]
            for i, s in enumerate(SUFFIXES):
                title, description = row[1 + 2 * i], row[2 + 2 * i]
                if title or description:
                    found = pairs.setdefault((s, category), set())
                    found |= index_words.words(title)
                    found |= index_words.words(description)
        done += len(rows)
        if report is not None and done % 100_000 < len(rows):
            report.line(f"  words by category: {done:,} products read")
    cur.execute(f"SELECT language, term, category_id FROM {TABLE}")
    held = set(cur.fetchall())
    cur.executemany(
        f"INSERT INTO {TABLE} (language, term, category_id) VALUES (%s, %s, %s)",
        [
            (s, w, category)
            for (s, category), found in pairs.items()
            for w in found
            if (s, w, category) not in held
        ],
    )


def shared(words: Iterable[str], language: str, within: Iterable[int] = ()) -> set[int] | None:
    """The categories (among `within`, when given) where a product may hold every one of the
    search's words, as whole words or as beginnings; an empty set means no product holds them
    all. None when it cannot narrow: fewer than two plain words and no categories to stay
    within, or a word too common to look up (MAX_PAIRS)."""
    typed = {index_words.lookup_form(w): w for w in words}
    forms = [f for f in typed if f]
    scope = set(within)
    if not forms or (len(forms) < 2 and not scope):
        return None
    pg = connection.vendor == "postgresql"
    lang = suffix(language)
    branches, params = [], []
    for i, form in enumerate(forms):
        match, match_params = vocabulary.starts(form)
        if pg:
            # The typed word folded PostgreSQL's way too, should it differ from Python's (the
            # index folds with caravana_unaccent); both plain, so nothing to escape.
            match = f"({match} OR term LIKE left(caravana_unaccent(lower(%s)), 64) || '%%')"
            match_params = [*match_params, typed[form]]
        branches.append(
            f"SELECT {i:d} AS k, category_id FROM (SELECT category_id FROM {TABLE} "
            f"WHERE language = %s AND {match} LIMIT %s) w{i:d}"
        )
        params += [lang, *match_params, MAX_PAIRS + 1]
    found: list[set[int]] = [set() for _ in forms]
    counts = [0] * len(forms)
    with connection.cursor() as cur:
        cur.execute(" UNION ALL ".join(branches), params)
        for k, category in cur.fetchall():
            found[k].add(category)
            counts[k] += 1
    narrowing = [f for f, n in zip(found, counts, strict=True) if n <= MAX_PAIRS]
    if not narrowing or (len(narrowing) < 2 and not scope):
        return None
    result = set.intersection(*narrowing)
    return result & scope if scope else result
