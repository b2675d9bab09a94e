"""Marks that a coalesced background run is already due, kept in the shared cache: an event
marks its subject (a merchant's reputation, a product's "bought together" rows) and schedules
the run only when no mark was there; the run clears the marks first, so an event during it
schedules the next one. A mark expires after `seconds`, so a run that never cleared it (lost,
or a worker whose cache is not the web process's: CACHE_URL unset) only delays the next one.
Used by reviews.receivers and shelves.tasks."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache

#: The kinds of run marked: a merchant's reputation refresh, a product's roll-up.
REPUTATION = "reputation"
BOUGHT_TOGETHER = "bought-together"


def _key(kind: str, ident: int) -> str:
    return f"due:{kind}:{ident}"


def mark(kind: str, ident: int, seconds: int) -> bool:
    """Mark a run of `kind` due for `ident`; False if one already was."""
    return bool(cache.add(_key(kind, ident), 1, seconds))


def clear(kind: str, idents: Iterable[int]) -> None:
    cache.delete_many([_key(kind, i) for i in idents])


def is_due(kind: str, ident: int) -> bool:
    return cache.get(_key(kind, ident)) is not None
