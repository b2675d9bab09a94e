"""The landed-cost engine over the database: rule sets, rate cards and FX rates the operator
edits. Books are rebuilt only when a row changed, so a quote costs the engine's time and, most of
the time, no query at all.

How a process learns that rule rows changed (the "stamp": row count and latest updated_at of
each table, two aggregate queries):

* Writes made by this process (pricing.services, the admin, any ``save()``/``delete()``) send
  Django's post_save/post_delete signals: the next quote checks the stamp. Inside the writing
  transaction every quote checks it (it sees its own uncommitted rows), and books built there
  are trusted by nobody afterwards: the first quote after that transaction commits or rolls
  back checks again, so no quote uses rules that were rolled back.
* Writes made by other processes (another gunicorn worker, a shell, a data migration, a raw
  UPDATE) are noticed by the stamp check, which runs at most every PRICING_BOOKS_CHECK_SECONDS
  (2 s by default; 0 checks on every quote, as before). So for up to that long after an edit
  another worker may still quote with the previous rule version; every quote records the rule
  set and rate card ids it used, so such a quote is still exact and auditable for that version.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

from caravana.codes import hs
from caravana.pricing import fx
from caravana.pricing.engine import FxMissing, Quote, QuoteRequest
from caravana.pricing.engine import quote as engine_quote
from caravana.pricing.models import RateCardVersion, RuleSetVersion
from caravana.pricing.rules import RateCardBook, RuleBook

_lock = threading.Lock()
# pair: (rules, cards) of `stamp`; checked: time.monotonic() of the last stamp check, None to
# check on the next quote.
_books: dict[str, Any] = {"stamp": None, "pair": None, "checked": None}
# Set on a connection's outermost atomic block once it wrote rule rows: it ends with the block.
_WROTE_RULES = "_caravana_wrote_pricing_rules"


class DbFx:
    """The engine's FxTable over FxRate rows. One instance remembers what it read: a checkout
    shares one over all its parcels, so each pair is looked up (in the cache, which may be
    Redis) once per checkout, not once per merchant."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, dt.date], tuple[Decimal, dt.date, str]] = {}

    def rate(self, base: str, quote: str, on: dt.date) -> tuple[Decimal, dt.date, str]:
        found = self._seen.get((base, quote, on))
        if found is None:
            try:
                found = self._seen[(base, quote, on)] = fx.rate_info(base, quote, on)
            except fx.MissingRate as exc:
                raise FxMissing(base, quote, on) from exc
        return found


def _stamp() -> tuple:
    r = RuleSetVersion.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    c = RateCardVersion.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    return (r["n"], r["t"], c["n"], c["t"])


def _ttl() -> float:
    return float(getattr(settings, "PRICING_BOOKS_CHECK_SECONDS", 2.0))


def invalidate(**_kwargs: Any) -> None:
    """Check the stamp on the next quote."""
    _books["checked"] = None


def _written(using: str = DEFAULT_DB_ALIAS, **_kwargs: Any) -> None:
    """A rule row was saved or deleted through the ORM in this process."""
    conn = connections[using]
    if conn.in_atomic_block:
        setattr(conn.atomic_blocks[0], _WROTE_RULES, True)
    invalidate()
    transaction.on_commit(invalidate, using=using)


def _writing_rules() -> bool:
    """This connection is inside a transaction that wrote rule rows, not yet committed."""
    blocks = connection.atomic_blocks if connection.in_atomic_block else ()
    return bool(blocks) and getattr(blocks[0], _WROTE_RULES, False)


for _model in (RuleSetVersion, RateCardVersion):
    _name = _model.__name__
    post_save.connect(_written, sender=_model, dispatch_uid=f"pricing.books.save.{_name}")
    post_delete.connect(_written, sender=_model, dispatch_uid=f"pricing.books.delete.{_name}")


def books() -> tuple[RuleBook, RateCardBook]:
    """The current rule book and rate cards, rebuilt when the tables changed (see above for how
    often that is checked)."""
    now = time.monotonic()
    checked, pair = _books["checked"], _books["pair"]
    writing = _writing_rules()
    if pair is not None and checked is not None and not writing and now - checked < _ttl():
        return pair
    stamp = _stamp()
    with _lock:
        if _books["stamp"] != stamp or _books["pair"] is None:
            rules = RuleBook.from_dict(
                {"rule_sets": list(RuleSetVersion.objects.values_list("body", flat=True))},
                hs.table(),
            )
            cards = RateCardBook.from_dict(
                {"cards": list(RateCardVersion.objects.values_list("body", flat=True))}
            )
            _books.update(stamp=stamp, pair=(rules, cards))
        # Books read inside a transaction that wrote rules may hold uncommitted rows: the next
        # quote checks again.
        _books["checked"] = None if writing else now
        return _books["pair"]


def quote(request: QuoteRequest, fx_table: DbFx | None = None) -> Quote:
    """Quote with the current books; `fx_table` shares FX look-ups between the quotes of one
    request (one parcel per merchant)."""
    rules, cards = books()
    return engine_quote(request, rules, cards, fx_table or DbFx())


def quote_dict(data: dict) -> dict:
    """JSON in, JSON out: the API and the CLI share it. Raises engine.QuoteError on bad input."""
    return quote(QuoteRequest.from_dict(data)).to_dict()
