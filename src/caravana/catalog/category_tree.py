"""The category tree, read by every listing page (the chips, the filter, a category and its
children): about two dozen rows that change when an operator edits the tree. Kept in the cache
(shared by every process with Redis; per process otherwise), so a page reads it without three
queries. A category saved or deleted through the ORM drops it at once and again at commit
(a request between the two would otherwise keep the old tree); a change written around the ORM
is seen within TTL seconds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction

from caravana.catalog.models import Category

KEY = "catalog:category-tree:1"
TTL = 300  # seconds: the longest a change written around the ORM goes unseen


@dataclass(frozen=True)
class Tree:
    top: tuple[Category, ...]  # in the tree's order (position, slug)
    by_slug: dict[str, Category]
    children: dict[int, tuple[int, ...]]  # a category's children's ids, in the tree's order


def tree() -> Tree:
    """The whole tree: from the cache, else one query."""
    found = cache.get(KEY)
    if found is None:
        cats = list(Category.objects.all())
        children: dict[int, list[int]] = {}
        for c in cats:
            if c.parent_id is not None:
                children.setdefault(c.parent_id, []).append(c.pk)
        found = Tree(
            top=tuple(c for c in cats if c.parent_id is None),
            by_slug={c.slug: c for c in cats},
            children={k: tuple(v) for k, v in children.items()},
        )
        cache.set(KEY, found, TTL)
    return found


def forget(using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """A category changed: the next page reads the tree again (now, and once committed)."""
    cache.delete(KEY)
    transaction.on_commit(lambda: cache.delete(KEY), using=using)
