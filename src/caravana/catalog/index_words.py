"""The words a product's text is found by, as Python reads them, for catalog.word_categories.

No database here. On SQLite the summary of which categories hold which words is filled from
these words, not from FTS5's own tokens (a trigger cannot read those per product), so they must
cover FTS5's: whenever FTS5 matches a plain query word ("portatil", as a whole word or as the
start of one) in a text, some word of `words(text)` starts with `lookup_form` of that query
word. Splitting finer than FTS5 (unicode61: letters, numbers and private-use characters are
token characters) and folding more (compatibility forms too) only adds words, which is safe;
tests/catalog/test_word_categories.py checks the cover against FTS5 itself for every character
of the Basic Multilingual Plane.
"""

from __future__ import annotations

import re
from functools import lru_cache

from caravana.catalog import spelling

#: Longer words are kept by their first TERM_MAX characters (the column's width): a prefix
#: lookup of a shorter word still finds them, and a longer query word is cut alike.
TERM_MAX = 64

_ASCII_WORD = re.compile(r"[a-z0-9]+")
# Letters and digits; "_" is a word character to Python's \w but a separator to FTS5.
_WORD = re.compile(r"[^\W_]+")


def words(text: str | None) -> set[str]:
    """The text's words, lower case and folded (catalog.spelling.fold), each cut at TERM_MAX."""
    if not text:
        return set()
    low = text.lower()
    if low.isascii():
        return {w[:TERM_MAX] for w in _ASCII_WORD.findall(low)}
    folded = spelling.fold(low)
    found = {_fold(w) for w in _WORD.findall(low)}
    # Folded first and split after too: a combining mark is no word character to Python, so a
    # text in decomposed form splits at each accent above; FTS5 keeps such a word whole.
    found.update(_WORD.findall(folded))
    # And the runs of plain letters and digits alone, as if every other character split words:
    # FTS5 splits at some characters that a newer Unicode than SQLite's makes letters to
    # Python (U+19B0-U+19C9, U+1CF2), and only plain words are ever looked up.
    found.update(_ASCII_WORD.findall(folded))
    return {w[:TERM_MAX] for w in found if w}


@lru_cache(maxsize=65_536)
def _fold(word: str) -> str:
    return spelling.fold(word) if not word.isascii() else word


def lookup_form(word: str) -> str | None:
    """A query word as the summary is looked up by (its folded start), or None when the word
    is not plain letters and digits once its accents are off ("portátil" -> "portatil"; not
    "foo_bar", "ｉｐｈｏｎｅ" or "音箱"): both indexes may split or fold such a word in ways
    this module does not follow, so it narrows nothing."""
    plain = spelling.strip_accents(word)
    if not _ASCII_WORD.fullmatch(plain):
        return None
    return plain[:TERM_MAX]
