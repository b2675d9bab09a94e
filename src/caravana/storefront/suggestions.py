"""The search box's suggestions: completed searches, categories and products for what the buyer
has typed so far. Each part is bounded whatever the catalogue's size: the vocabulary's terms
for a prefix (catalog.vocabulary), the cached category tree, and the newest few products whose
title holds the best completion (catalog.search.titled)."""

from __future__ import annotations

import re

from django.urls import reverse

from caravana.catalog import category_tree, spelling, vocabulary
from caravana.catalog.models import Product
from caravana.catalog.search import titled
from caravana.storefront.urls_cache import product_url

SEARCHES = 5
CATEGORIES = 3
PRODUCTS = 4
_PLAIN = re.compile(r"^\w+$")
TITLES = ("id", "title_es", "title_pt_br", "title_en", "title_zh_hans")


def for_text(words: list[str], finished: bool, language: str) -> dict:
    """Suggestions for `words`; the last is a prefix unless the buyer has typed a space after
    it (`finished`)."""
    head, last = (words, "") if finished else (words[:-1], words[-1])
    completions = [t for t in vocabulary.complete(last, language, SEARCHES) if _PLAIN.match(t)]
    searches = [" ".join([*head, t]) for t in completions] if last else [" ".join(words)]
    product_words = [*head, completions[0]] if completions else words if finished else []
    return {
        "searches": searches,
        "categories": _categories(last or words[-1], language),
        "products": _products(product_words, language),
    }


def _categories(prefix: str, language: str) -> list[dict]:
    """Categories a word of whose name starts with `prefix` (folded), in the tree's order."""
    folded = spelling.fold(prefix)
    if len(folded) < 2:
        return []
    found = []
    for cat in category_tree.tree().by_slug.values():
        name = cat.name(language)
        if any(w.startswith(folded) for w in re.findall(r"\w+", spelling.fold(name))):
            found.append({"name": name, "url": reverse("storefront:category", args=[cat.slug])})
            if len(found) == CATEGORIES:
                break
    return found


def _products(words: list[str], language: str) -> list[dict]:
    ids = titled(words, language, PRODUCTS) if words else []
    if not ids:
        return []
    rows = {p.pk: p for p in Product.objects.filter(pk__in=ids).only(*TITLES)}
    return [{"title": rows[pk].title(language), "url": product_url(pk)} for pk in ids if pk in rows]
