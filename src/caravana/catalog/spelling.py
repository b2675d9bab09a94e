"""Picking the word a buyer meant from a few candidate terms of the search vocabulary.

No database here: catalog.vocabulary fetches the candidates (a trigram probe on PostgreSQL, a
first-letter and length range on SQLite) and this module judges them. Words are compared folded
(lower case, accents off), the way both full-text indexes store them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Literal

from rapidfuzz.distance import OSA

#: Words shorter than this are not corrected: "tv", "xl" and the like have too many neighbours.
MIN_LENGTH = 3


def fold(text: str) -> str:
    """Lower case without accents: "Audífonos" -> "audifonos" (as FTS5's remove_diacritics 2
    and the PostgreSQL index's caravana_unaccent store words)."""
    return _without_marks(text, "NFKD")


def strip_accents(text: str) -> str:
    """`text` lowercased without its accents, by canonical decomposition only: what both
    search indexes fold alike (fold also folds compatibility forms, which they do not)."""
    return _without_marks(text, "NFD")


def _without_marks(text: str, form: Literal["NFD", "NFKD"]) -> str:
    decomposed = unicodedata.normalize(form, text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def max_edits(word: str) -> int:
    """Edits forgiven: one in a short word, two from eight letters on ("audifnos" is one)."""
    return 1 if len(word) < 8 else 2


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap two neighbours),
    or limit + 1 when it exceeds `limit` (rapidfuzz stops early then)."""
    return OSA.distance(a, b, score_cutoff=limit)


def best(word: str, candidates: Iterable[tuple[str, int]]) -> str | None:
    """The candidate (term, documents) closest to `word` within max_edits; among equally close
    ones the term in most documents. None when none is close enough or `word` is itself one."""
    limit = max_edits(word)
    found: tuple[int, int, str] | None = None
    for term, docs in candidates:
        if term == word:
            return None
        d = distance(word, term, limit)
        if d <= limit and (found is None or (d, -docs, term) < found):
            found = (d, -docs, term)
    return found[2] if found else None
