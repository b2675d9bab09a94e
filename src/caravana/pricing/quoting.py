"""The landed-cost engine over the database: rule sets, rate cards and FX rates the operator
edits. Books are rebuilt only when a row changed (one cheap query tells), so a quote costs the
engine's time plus at most a few small queries."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max

from caravana.codes import hs
from caravana.pricing import fx
from caravana.pricing.engine import FxMissing, Quote, QuoteRequest
from caravana.pricing.engine import quote as engine_quote
from caravana.pricing.models import RateCardVersion, RuleSetVersion
from caravana.pricing.rules import RateCardBook, RuleBook

_lock = threading.Lock()
_books: dict[str, Any] = {"stamp": None, "rules": None, "cards": None}


class DbFx:
    """The engine's FxTable over FxRate rows."""

    def rate(self, base: str, quote: str, on: dt.date) -> tuple[Decimal, dt.date, str]:
        try:
            return fx.rate_info(base, quote, on)
        except fx.MissingRate as exc:
            raise FxMissing(base, quote, on) from exc


def _stamp() -> tuple:
    r = RuleSetVersion.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    c = RateCardVersion.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    return (r["n"], r["t"], c["n"], c["t"])


def books() -> tuple[RuleBook, RateCardBook]:
    """The current rule book and rate cards, rebuilt when the tables changed."""
    stamp = _stamp()
    with _lock:
        if _books["stamp"] != stamp:
            rules = RuleBook.from_dict(
                {"rule_sets": list(RuleSetVersion.objects.values_list("body", flat=True))},
                hs.table(),
            )
            cards = RateCardBook.from_dict(
                {"cards": list(RateCardVersion.objects.values_list("body", flat=True))}
            )
            _books.update(stamp=stamp, rules=rules, cards=cards)
        return _books["rules"], _books["cards"]


def quote(request: QuoteRequest) -> Quote:
    rules, cards = books()
    return engine_quote(request, rules, cards, DbFx())


def quote_dict(data: dict) -> dict:
    """JSON in, JSON out: the API and the CLI share it. Raises engine.QuoteError on bad input."""
    return quote(QuoteRequest.from_dict(data)).to_dict()
