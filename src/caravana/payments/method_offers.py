"""Which payment methods a country offers, in which order, and through which provider: data an
operator edits in the admin (MethodOffer), seeded from the markets' payment_methods.

A country with no rows at all (a fresh test database, a market added in code) falls back to its
market's tuple and the default provider, so the shop never goes without methods; once a country
has rows, only its active rows are offered."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from caravana import markets

#: How long a process keeps a country's offers before reading them again: a change made in the
#: admin is seen at once by the process that saved it (MethodOffer.save invalidates) and within
#: this many seconds by the others when the cache is per process (LocMemCache).
CACHE_SECONDS = 30


def _model(apps: Any = None) -> Any:
    if apps is not None:
        return apps.get_model("payments", "MethodOffer")
    from caravana.payments.models import MethodOffer

    return MethodOffer


def seed(apps: Any = None) -> int:
    """One row per market method, in the market's order, routed to the sandbox; rows already
    there (an operator's choices) are left alone. Returns how many were added."""
    model = _model(apps)
    have = set(model.objects.values_list("country", "method"))
    rows = [
        model(country=m.code, method=method, position=(i + 1) * 10, provider="sandbox")
        for m in markets.all()
        for i, method in enumerate(m.payment_methods)
        if (m.code, method) not in have
    ]
    model.objects.bulk_create(rows)
    return len(rows)


def _key(country: str) -> str:
    from caravana.payments.models import offers_cache_key

    return offers_cache_key(country)


def invalidate(country: str) -> None:
    cache.delete(_key(country))


def _rows(country: str) -> list[tuple[str, bool, str]]:
    """The country's rows (method, active, provider) in order: one query, then cached."""
    found = cache.get(_key(country))
    if found is None:
        found = list(
            _model()
            .objects.filter(country=country)
            .order_by("position", "id")
            .values_list("method", "active", "provider")
        )
        cache.set(_key(country), found, CACHE_SECONDS)
    return found


def offered(country: str) -> tuple[str, ...]:
    """The methods the buyer's country offers now, in order."""
    rows = _rows(country)
    if not rows:
        market = markets.get(country)
        return market.payment_methods if market else ()
    return tuple(method for method, active, _p in rows if active)


def provider_name(country: str, method: str) -> str:
    """The provider the operator routed this country's method to; "" for the default."""
    for found, active, provider in _rows(country):
        if found == method and active:
            return provider or ""
    return ""
