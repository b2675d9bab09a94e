"""The search vocabulary (catalog.models.SearchTerm): misspelt words corrected, half-typed ones
completed.

Its size follows the number of distinct words in the catalogue, not the number of products
(the demo's 5,000 products and the bench's 100,000 use the same few thousand words), so every
lookup here costs the same at 1,000,000 products: a correction reads at most MAX_CANDIDATES
terms and measures each in Python (catalog.spelling); a completion reads the terms starting
with the prefix. Refreshed from the full-text index by `refresh` (after a seed, and hourly by
the catalog.tasks.refresh_search_terms task): a product's new word is corrected towards only
after that, though it is found by search at once as a whole word (and by its beginning, on
SQLite, once the vocabulary holds it: catalog.search._fts5_word; at once in a store searched
in its own index).
"""

from __future__ import annotations

from django.db import connection, transaction

from caravana.catalog import spelling
from caravana.catalog.languages import suffix

#: The buyers' languages (the storefront's); product titles in Chinese are not corrected.
LANGUAGES = ("es", "pt_br", "en")
#: Terms measured per misspelt word, at most.
MAX_CANDIDATES = 2_000
#: PostgreSQL: the trigram probe keeps the nearest this many for the edit-distance check.
PG_NEAREST = 40


def refresh() -> int:
    """Replace the vocabulary with the full-text index's: each word of the titles in a buyer
    language with the number of products holding it. Titles only: buyers type what products
    are called, and a description's boilerplate ("características") would crowd the
    suggestions with words no title holds. One transaction; returns the terms written."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM catalog_searchterm")
        if connection.vendor == "sqlite":
            # fts5vocab 'col': one row per term and column; the titles' columns only.
            cases = " ".join(f"WHEN 'title_{s}' THEN '{s}'" for s in LANGUAGES)
            cur.execute(
                "INSERT INTO catalog_searchterm (language, term, docs) "
                f"SELECT lang, term, sum(doc) FROM (SELECT CASE col {cases} END AS lang, term, doc "
                "FROM catalog_product_fts_vocab) v WHERE lang IS NOT NULL "
                "AND length(term) BETWEEN 2 AND 64 AND term GLOB '*[a-z]*' GROUP BY lang, term"
            )
        else:
            for s in LANGUAGES:
                stat = f"SELECT vector FROM catalog_product_search WHERE language = ''{s}''"
                cur.execute(
                    "INSERT INTO catalog_searchterm (language, term, docs) "
                    f"SELECT %s, word, ndoc FROM ts_stat('{stat}', 'a') "
                    "WHERE length(word) BETWEEN 2 AND 64 AND word ~ '[a-z]'",
                    [s],
                )
        cur.execute("SELECT count(*) FROM catalog_searchterm")
        return cur.fetchone()[0]


def correct(words: list[str], language: str) -> list[str]:
    """`words` with each misspelt one replaced by the nearest vocabulary term (folded); a word
    that is a term, too short, a number or near nothing stays as typed."""
    lang = suffix(language)
    out = []
    for word in words:
        folded = spelling.fold(word)
        fixed = None
        if len(folded) >= spelling.MIN_LENGTH and not folded.isdigit():
            fixed = spelling.best(folded, _candidates(folded, lang))
        out.append(fixed or word)
    return out


def _candidates(word: str, lang: str) -> list[tuple[str, int]]:
    """Terms that may be within reach of `word`, with their document counts."""
    found: list[tuple[str, int]] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The trigram index (migration 0013) finds the similar terms (pg_trgm's default
            # threshold, 0.3: "audifnos" and "audifonos" score 0.5); the nearest are measured.
            cur.execute(
                "SELECT term, docs FROM catalog_searchterm WHERE language = %s AND term %% %s "
                "ORDER BY similarity(term, %s) DESC, docs DESC LIMIT %s",
                [lang, word, word, PG_NEAREST],
            )
            found = cur.fetchall()
            if spelling.best(word, found) or any(t == word for t, _ in found):
                return found
        # The terms of about the same length starting with the word's first letter, then (a
        # slip on the first letter: "ofne", whose trigrams share little with "fone") with its
        # second: a range of the unique index on SQLite, of the trigram index on PostgreSQL.
        limit = spelling.max_edits(word)
        for start in dict.fromkeys((word[0], word[1])):
            match, match_params = starts(start)
            cur.execute(
                "SELECT term, docs FROM catalog_searchterm WHERE language = %s AND "
                f"{match} AND length(term) BETWEEN %s AND %s LIMIT %s",
                [lang, *match_params, len(word) - limit, len(word) + limit, MAX_CANDIDATES],
            )
            found.extend(cur.fetchall())
            if spelling.best(word, found) or any(t == word for t, _ in found):
                break
        return found


def starts(prefix: str) -> tuple[str, list[str]]:
    """SQL and parameters for "term starts with `prefix`": a LIKE on PostgreSQL (whose
    collation may not sort by code point; a trigram or pattern index serves it), a range on
    SQLite up to the prefix with its last character's successor (SQLite compares UTF-8 bytes,
    in code point order: a bound of prefix + U+FFFF would leave out a term going on with a
    character beyond the Basic Multilingual Plane)."""
    if connection.vendor == "postgresql":
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "term LIKE %s", [escaped + "%"]
    upper = prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))
    return "term >= %s AND term < %s", [prefix, upper]


def complete(prefix: str, language: str, limit: int = 5) -> list[str]:
    """The vocabulary's terms starting with `prefix` (folded), in most products first."""
    folded = spelling.fold(prefix)
    if len(folded) < 2:
        return []
    match, match_params = starts(folded)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT term FROM catalog_searchterm WHERE language = %s AND {match} "
            "ORDER BY docs DESC, term LIMIT %s",
            [suffix(language), *match_params, limit],
        )
        return [row[0] for row in cur.fetchall()]
