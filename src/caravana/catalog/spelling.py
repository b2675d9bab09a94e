"""Picking the word a buyer meant from a few candidate terms of the search vocabulary.

No database here: catalog.vocabulary fetches the candidates (a trigram probe on PostgreSQL, a
first-letter and length range on SQLite) and this module judges them. Words are compared folded
(lower case, accents off), the way both full-text indexes store them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

#: Words shorter than this are not corrected: "tv", "xl" and the like have too many neighbours.
MIN_LENGTH = 3


def fold(text: str) -> str:
    """Lower case without accents: "Audífonos" -> "audifonos" (as FTS5's remove_diacritics 2
    and the PostgreSQL index's caravana_unaccent store words)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def max_edits(word: str) -> int:
    """Edits forgiven: one in a short word, two from eight letters on ("audifnos" is one)."""
    return 1 if len(word) < 8 else 2


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap two neighbours),
    or limit + 1 as soon as it must exceed `limit`: most candidates stop after a row or two."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


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
